/** The rotate command's arguments and help. */

import { exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine } from "../cli/main.ts";
import { checkStackName } from "../cli/stacks.ts";
import { MAX_PROOF_TIMEOUT_SECONDS } from "./procedure.ts";

export interface RotateOptions {
  command: "rotate" | "migrate";
  help: boolean;
  stack?: string;
  outputs?: string;
  /** `migrate`: the state export to read (`pulumi stack export` output); else the command runs it. */
  state?: string;
  /** A dry run's moment to apply the policy at; a real run acts on Google's clock. */
  now?: Date;
  /** How long Google's reads may lag a change: within it, what cannot be seen is left alone. */
  settleHours: number;
  dryRun: boolean;
  prune: boolean;
  auth: "adc" | "impersonate";
  impersonate?: string;
  proofTimeoutSeconds: number;
  timeoutSeconds: number;
  retries: number;
  json: boolean;
}

export const ROTATE_HELP = `Usage: npm run rotate -- (--stack NAME | --outputs FILE) [options]
       npm run rotate -- migrate --stack NAME [--state FILE] [--dry-run] [options]

Keeps every key the stack declares (its rotation output: service-account keys and the Gemini API
key) current, with key material only ever in Secret Manager. First it reads the organization
policies that refuse service-account keys (iam.disableServiceAccountKeyCreation and its managed
form): where one is enforced, those keys fail before anything is made. For each key: when the newest the
secret holds is keyRotationDays old (or there is none), makes a key, proves it by listing the Gemini
models with it and calling one (countTokens), and only then adds it as the secret's newest version.
The key it replaces stays valid one more period; older ones are deleted and their versions
destroyed. A second run in the same period changes nothing. A run that was interrupted is
recognised and finished by the next. Times are Google's (its answers' Date header, a version's
createTime), never this machine's clock. It deletes only keys it can prove it made, and never on a
read that may lag: what it cannot see within --settle-hours of being made is left alone, reported
as waiting.

A key of the stack's accounts that the rotator did not make (and an API key bound to its account),
and a newest version it did not add, are alarms: the run still does its work, then exits 1
(UNMANAGED_KEY, FOREIGN_VERSION), naming each with its fix. Such a key is deleted once it is older
than the stack's unmanagedKeyGraceHours (default 24) and --settle-hours, and a read by its id still
shows it, unless a version the rotator did not add is enabled (it may hold the key). A version the
rotator did not add is never destroyed without --prune: it may be someone's emergency fix.

What to rotate (one of):
  --stack NAME             read the stack's outputs with \`pulumi stack output --json\`
  --outputs FILE           read them from a file: saved from that command, or printed offline by
                           npm run plan -- --stack NAME --outputs

Options:
  --dry-run                say what would change; change nothing
  --now ISO8601            with --dry-run: apply the policy as of this moment (default: Google's now)
  --settle-hours HOURS     how long Google's reads may lag a change (default 12; Secret Manager's and
                           IAM's are eventually consistent, "typically minutes, but may take a few
                           hours"): a key or version younger than this that a read does not show is
                           left alone, never taken for deleted
  --prune                  delete the keys the rotator did not make now, without waiting for the
                           grace period (never one younger than --settle-hours), even while a
                           version it did not add is enabled; and destroy the versions no key of
                           its is recorded for once its newer key is stored
  --auth adc|impersonate   who acts: your Application Default Credentials (default), or an account
                           they impersonate (--impersonate EMAIL, e.g. the environment's rotator)
  --impersonate EMAIL      the account to act as, with --auth impersonate
  --proof-timeout SECONDS  how long a new key may take to be accepted (default 600)
  --timeout SECONDS        per request (default 30)
  --retries N              retries on 429, 5xx and network errors (default 4)
${commonHelp(27)}
migrate: a stack whose keys earlier versions of the kit made in Pulumi's state hands them to the
rotator without revoking any: it records which version holds which key (read from the state export,
never a secret value), then removes those keys and versions from the state, so the next pulumi up
leaves them in Google. Run it once, as someone who may read the stack's state and manage its key
secrets, before the first pulumi up with this version, and in the stack's old backend, before the
stack moves to the state CI governs: a backend that is one of the CI stack's state buckets, or a
secrets provider that is one of its keys, is refused (STACK_ALREADY_MOVED), since every earlier
checkpoint there keeps the keys readable; the fix says how to retire them instead.
  --state FILE             the stack's \`pulumi stack export\` (default: the command runs it)

One line per key: rotated, kept, pruned, unmanaged, orphan (made by an interrupted run and never
stored), adopted, or waiting (a recent change Google's reads do not show yet: the secret is left as
it is until they do), with the key's id, never the key, then each alarm. --json prints { ok,
command, source, periodDays, unmanagedKeyGraceHours, now, dryRun, keys: [{ ..., keys, alarms:
[{ reason, keyId | version, message, fix }] }] }.

Endpoints: GEMINI_KIT_IAM_ENDPOINT, GEMINI_KIT_APIKEYS_ENDPOINT, GEMINI_KIT_SECRETMANAGER_ENDPOINT,
GEMINI_KIT_OAUTH2_TOKEN_URL, GEMINI_KIT_IAMCREDENTIALS_ENDPOINT, GOOGLE_GEMINI_BASE_URL; each must be
https://, or http:// to a loopback address, and each that is set is named on stderr.

${exitCodesHelp({ ok: "every key is current, and every new key proven", failed: "a key could not be rotated or proven (the old key is still in place), or a key or version the rotator did not make was found (an alarm; its own work is done)" })}`;

const FIX = "Run npm run rotate -- --help for the options.";

function count(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max)
    throw usage(`--${name} ${JSON.stringify(value)} is not a number from ${min} to ${max}.`, FIX);
  return n;
}

const MOMENT = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `--now`: an ISO 8601 moment with its zone, or a day (midnight UTC). */
function moment(text: string): Date {
  const m = MOMENT.exec(text);
  const at = Date.parse(text);
  // Date.parse rolls impossible days over (2026-02-30 is March 2nd), so the day is checked as a day.
  const day =
    m === null ? undefined : new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (
    m === null ||
    Number.isNaN(at) ||
    day!.getUTCDate() !== Number(m[3]) ||
    day!.getUTCMonth() !== Number(m[2]) - 1
  ) {
    throw usage(
      `--now ${JSON.stringify(text)} is not an ISO 8601 moment.`,
      "Pass it as 2026-12-04T03:00:00Z (or a day, 2026-12-04).",
    );
  }
  return new Date(at);
}

export function parseRotateArgs(argv: string[]): RotateOptions {
  const { values: v, positionals } = parseCommandLine(
    "rotate",
    argv,
    {
      stack: { type: "string" },
      outputs: { type: "string" },
      state: { type: "string" },
      now: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      prune: { type: "boolean", default: false },
      auth: { type: "string" },
      impersonate: { type: "string" },
      "proof-timeout": { type: "string" },
      "settle-hours": { type: "string" },
      timeout: { type: "string" },
      retries: { type: "string" },
    },
    true,
  );
  const [command, extra] = positionals;
  if ((command !== undefined && command !== "migrate") || extra !== undefined)
    throw usage(
      `Unexpected argument ${JSON.stringify(command === "migrate" ? extra : command)}.`,
      "The only command is migrate; run with --help.",
    );
  const auth = v.auth ?? (v.impersonate !== undefined ? "impersonate" : "adc");
  const options: RotateOptions = {
    command: command === "migrate" ? "migrate" : "rotate",
    help: v.help,
    stack: v.stack === undefined ? undefined : checkStackName(v.stack),
    outputs: v.outputs,
    state: v.state,
    dryRun: v["dry-run"],
    prune: v.prune,
    auth: auth as RotateOptions["auth"],
    impersonate: v.impersonate,
    proofTimeoutSeconds: count(
      "proof-timeout",
      v["proof-timeout"],
      1,
      MAX_PROOF_TIMEOUT_SECONDS,
      600,
    ),
    settleHours: count("settle-hours", v["settle-hours"], 1, 168, 12),
    timeoutSeconds: count("timeout", v.timeout, 1, 600, 30),
    retries: count("retries", v.retries, 0, 10, 4),
    json: v.json,
  };
  if (options.help) return options;
  if (auth !== "adc" && auth !== "impersonate")
    throw usage(`--auth ${JSON.stringify(auth)} is not adc or impersonate.`, FIX);
  if (auth === "impersonate" && v.impersonate === undefined)
    throw usage("--auth impersonate needs --impersonate EMAIL: the account to act as.", FIX);
  if (auth === "adc" && v.impersonate !== undefined)
    throw usage(
      "--auth adc and --impersonate name two identities; a run acts as one.",
      "Drop one of them.",
    );
  if (v.now !== undefined) {
    options.now = moment(v.now);
    if (!options.dryRun)
      throw usage(
        "--now applies the policy as of another moment, which only a dry run can: a real run acts on Google's clock, which stamps what it makes.",
        "Add --dry-run, or drop --now.",
      );
  }
  if (options.command === "migrate") {
    if (options.stack === undefined)
      throw usage("migrate needs --stack NAME: the stack whose state holds the keys.", FIX);
    if (options.outputs !== undefined)
      throw usage("migrate reads the stack's state, not its outputs; drop --outputs.", FIX);
    return options;
  }
  if (options.state !== undefined) throw usage("--state is for migrate.", FIX);
  if ((options.stack === undefined) === (options.outputs === undefined)) {
    throw usage(
      options.stack === undefined
        ? "Which stack? Pass --stack NAME or --outputs FILE."
        : "--stack and --outputs both name what to rotate; pass one.",
      FIX,
    );
  }
  return options;
}
