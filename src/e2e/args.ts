/** The e2e command's arguments and help. */

import { exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine } from "../cli/main.ts";
import { LOCATION, PROJECT_ID } from "../naming.ts";
import { E2E_LABEL, type ProjectSource } from "./names.ts";

export const E2E_HELP = `Usage: npm run e2e -- --parent folders/N --billing-account XXXXXX-XXXXXX-XXXXXX [options]
       npm run e2e -- --project ID [options]
       npm run e2e -- janitor [--older-than 24h] [--dry-run] [--json]

A live end-to-end run against real Google, as your Application Default Credentials: a new project
under --parent, linked to --billing-account and labelled ${E2E_LABEL} (create), or an existing
throwaway project (--project, adopt). In a temporary copy of the kit, with a file:// state backend,
a passphrase made for the run, and a home, Pulumi home and gcloud folder of its own (never your
stacks, state or logins), it writes a solo stack (one account with a key, an API key, you as its
impersonator and reader) and runs, each as a process: bootstrap, preflight, up (deploy), pulumi
preview --expect-no-changes, verify --probe as impersonate and adc, rotate, verify as the key and
the API key read from their secrets, rotate again (no change), rotate --dry-run one period later
(every key due), pulumi destroy, and in adopt mode the deletion of the rotator's API keys, in
create mode the deletion of the project. A failed step stops the run; the clean-up steps that apply
still run. Progress goes to stderr. docs/e2e.md says what it costs and what you need.

Create or adopt (one of):
  --parent folders/N|organizations/N   where to make the project
  --billing-account ID                 the billing account to link it to (with --parent)
  --project ID                         an existing project to use, left in place

Options:
  --region R            gcp:region of the stack
  --keep-on-failure     on a failure, run no clean-up and keep the run's folder (its state and
                        passphrase): it says how to destroy and delete later
  --settle SECONDS      how long verify and the first rotate are tried again after a refusal that a
                        grant made moments ago explains (default 420: IAM takes up to 7 minutes)
${commonHelp(24)}
janitor: finds the projects labelled ${E2E_LABEL} that you may see (Resource Manager projects.search)
and deletes each ACTIVE one older than --older-than, one line each.
  --older-than AGE      e.g. 30m, 24h (default), 7d
  --dry-run             say what would be deleted; delete nothing

${exitCodesHelp({ ok: "every step passed and nothing was left behind (janitor: every old project deleted)", failed: "a step failed (named, with its reason), or a clean-up step did (what is left is said)" })}`;

export type E2eOptions =
  | { command: "help"; json: boolean }
  | {
      command: "run";
      source: ProjectSource;
      region?: string;
      keepOnFailure: boolean;
      settleSeconds: number;
      json: boolean;
    }
  | { command: "janitor"; olderThanMs: number; dryRun: boolean; json: boolean };

const FIX = "Run npm run e2e -- --help for the options.";
const PARENT = /^(folders|organizations)\/\d{1,20}$/;
const BILLING = /^(billingAccounts\/)?([0-9A-Z]{6}-[0-9A-Z]{6}-[0-9A-Z]{6})$/i;
const AGE = /^(\d{1,6})(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The bare invocation's line: what a run needs, named at once. */
const NEEDS =
  "e2e needs Application Default Credentials (gcloud auth application-default login) and --parent with --billing-account, or --project.";

function janitorArgs(argv: string[], json: boolean): E2eOptions {
  const { values: v } = parseCommandLine("e2e", argv, {
    "older-than": { type: "string", default: "24h" },
    "dry-run": { type: "boolean", default: false },
  });
  if (v.help) return { command: "help", json };
  const age = AGE.exec(v["older-than"]);
  if (age === null || Number(age[1]) === 0)
    throw usage(
      `--older-than ${JSON.stringify(v["older-than"])} is not an age such as 30m, 24h or 7d.`,
      FIX,
    );
  return {
    command: "janitor",
    olderThanMs: Number(age[1]) * UNIT_MS[age[2] as keyof typeof UNIT_MS],
    dryRun: v["dry-run"],
    json,
  };
}

function source(v: {
  parent?: string;
  "billing-account"?: string;
  project?: string;
}): ProjectSource {
  const create = v.parent !== undefined || v["billing-account"] !== undefined;
  if (create && v.project !== undefined)
    throw usage(
      "--project and --parent/--billing-account choose two modes.",
      `Pass --parent with --billing-account (a new project), or --project (an existing one). ${FIX}`,
    );
  if (v.project !== undefined) {
    if (!PROJECT_ID.pattern.test(v.project))
      throw usage(
        `--project ${JSON.stringify(v.project)} is not a project id (${PROJECT_ID.allowed}).`,
        FIX,
      );
    return { adopt: { project: v.project } };
  }
  if (!create) throw usage(NEEDS, FIX);
  if (v.parent === undefined || v["billing-account"] === undefined)
    throw usage("--parent and --billing-account go together: the new project needs both.", FIX);
  if (!PARENT.test(v.parent))
    throw usage(
      `--parent ${JSON.stringify(v.parent)} is not folders/NUMBER or organizations/NUMBER.`,
      FIX,
    );
  const billing = BILLING.exec(v["billing-account"]);
  if (billing === null)
    throw usage(
      `--billing-account ${JSON.stringify(v["billing-account"])} is not a billing account id such as 01A2B3-C4D5E6-F7A8B9.`,
      FIX,
    );
  return { create: { parent: v.parent, billingAccount: billing[2]!.toUpperCase() } };
}

export function parseE2eArgs(argv: string[]): E2eOptions {
  if (argv[0] === "janitor") return janitorArgs(argv.slice(1), argv.includes("--json"));
  const { values: v, positionals } = parseCommandLine(
    "e2e",
    argv,
    {
      parent: { type: "string" },
      "billing-account": { type: "string" },
      project: { type: "string" },
      region: { type: "string" },
      "keep-on-failure": { type: "boolean", default: false },
      settle: { type: "string", default: "420" },
    },
    true,
  );
  if (v.help) return { command: "help", json: v.json };
  if (positionals.length > 0)
    throw usage(
      `Unexpected argument ${JSON.stringify(positionals[0])}: the only subcommand is janitor, given first.`,
      FIX,
    );
  if (v.region !== undefined && !LOCATION.pattern.test(v.region))
    throw usage(`--region ${JSON.stringify(v.region)} is not ${LOCATION.allowed}.`, FIX);
  if (!/^\d{1,5}$/.test(v.settle))
    throw usage(`--settle ${JSON.stringify(v.settle)} is not a whole number of seconds.`, FIX);
  return {
    command: "run",
    source: source(v),
    ...(v.region === undefined ? {} : { region: v.region }),
    keepOnFailure: v["keep-on-failure"],
    settleSeconds: Number(v.settle),
    json: v.json,
  };
}
