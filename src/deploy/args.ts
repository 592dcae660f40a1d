/** The deploy command's arguments and help. */

import { exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine } from "../cli/main.ts";
import { checkStackName } from "../cli/stacks.ts";
import { allStacks, inWaves, WAVES_FILE, type DeployOrder } from "./waves.ts";

export const DEPLOY_HELP = `Usage: npm run deploy -- (--stack NAME ... | --all) [options]

Runs \`pulumi up\` (or \`pulumi preview\` with --preview) for one or many stacks, shows their
progress, prints a summary table, and verifies each stack after its up with
\`npm run verify -- --stack NAME --probe --json\`. Before each up, \`npm run preflight -- --stack NAME\`
checks, as your Application Default Credentials, what decides whether the up can succeed; a
failed check stops that stack before pulumi runs, with the check's fix in the summary. Stacks
run in the waves ${WAVES_FILE} lists, one wave after another (a few stacks of one wave at a
time); a failure stops the later waves. The Pulumi CLI must be on PATH and logged in to the stacks' backend (see npm run bootstrap).

Options:
  --stack NAME        a stack to deploy (repeatable)
  --all               every stack of a wave (not the administrators' stacks, such as ci)
  --preview           preview instead of up (no verify)
  --refresh           refresh the stack's state from the cloud first
  --concurrency N     how many stacks of one wave run at once (default 2)
  --no-verify         skip the verify gate after up (the administrators' stacks, such as ci,
                      have none: no consumer uses them)
  --skip-preflight    run up without the preflight checks (said on stderr and in the summary)
  --keep-going        run the later waves even when a stack of an earlier one failed
${commonHelp(22)}
Ctrl-C passes the interrupt to the running pulumi commands (a second one forces them), starts no
more stacks, and prints what finished.

${exitCodesHelp({ ok: "every stack succeeded (and verified)", failed: "a stack failed its preflight, failed, or did not verify" })}`;

export interface DeployOptions {
  help: boolean;
  /** The chosen stacks in waves: each wave runs after the one before it has finished. */
  waves: string[][];
  command: "preview" | "up";
  refresh: boolean;
  concurrency: number;
  verify: boolean;
  /** The administrators' stacks among the chosen (the CI stack): no consumer uses them, so no verify gate. */
  admin: string[];
  /** Preflight before each up (--skip-preflight turns it off). */
  preflight: boolean;
  keepGoing: boolean;
  json: boolean;
}

/** Parses the command line; `committed` is the list of stacks under stacks/, `waves` their order. */
export function parseDeployArgs(
  argv: string[],
  committed: string[],
  order: () => DeployOrder,
): DeployOptions {
  const { values } = parseCommandLine("deploy", argv, {
    stack: { type: "string", multiple: true, default: [] },
    all: { type: "boolean", default: false },
    preview: { type: "boolean", default: false },
    refresh: { type: "boolean", default: false },
    concurrency: { type: "string", default: "2" },
    "no-verify": { type: "boolean", default: false },
    "skip-preflight": { type: "boolean", default: false },
    "keep-going": { type: "boolean", default: false },
  });
  const base = {
    help: values.help,
    command: values.preview ? "preview" : "up",
    refresh: values.refresh,
    verify: !values["no-verify"],
    preflight: !values["skip-preflight"],
    keepGoing: values["keep-going"],
    json: values.json,
  } as const;
  if (values.help) return { ...base, waves: [], admin: [], concurrency: 1 };
  if (values.all && values.stack.length > 0)
    throw usage(
      "--stack and --all both choose stacks.",
      "Pass --stack NAME (repeatable) or --all, not both.",
    );
  const stacks = values.all
    ? allStacks(order())
    : [...new Set(values.stack.map((s) => checkStackName(s)))];
  const list = committed.join(", ") || "none";
  if (stacks.length === 0)
    throw usage("Which stacks?", `Pass --stack NAME (repeatable) or --all (committed: ${list}).`);
  const unknown = stacks.filter((s) => !committed.includes(s));
  if (unknown.length > 0)
    throw usage(`No stack file for ${unknown.join(", ")}.`, `Committed stacks: ${list}.`);
  const concurrency = Number(values.concurrency);
  if (!/^\d+$/.test(values.concurrency) || concurrency < 1)
    throw usage(
      `--concurrency ${values.concurrency} is not a whole number of at least 1.`,
      "Pass --concurrency 1 or more.",
    );
  const deployOrder = order();
  return {
    ...base,
    waves: inWaves(stacks, deployOrder),
    admin: deployOrder.admin.filter((s) => stacks.includes(s)),
    concurrency,
  };
}
