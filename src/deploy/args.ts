/** The deploy command's arguments and help. */

import { parseArgs } from "node:util";
import { UsageError } from "../cli/process.ts";

export const DEPLOY_HELP = `Usage: npm run deploy -- (--stack NAME ... | --all) [options]

Runs \`pulumi up\` (or \`pulumi preview\` with --preview) for one or many stacks, a few at a time,
shows their progress, prints a summary table, and verifies each stack after its up with
\`npm run verify -- --stack NAME --json\`. The Pulumi CLI must be on PATH and logged in to the
stacks' backend (see npm run bootstrap).

Options:
  --stack NAME        a stack to deploy (repeatable)
  --all               every committed stack (stacks/Pulumi.*.yaml)
  --preview           preview instead of up (no verify)
  --refresh           refresh the stack's state from the cloud first
  --concurrency N     how many stacks run at once (default 2)
  --no-verify         skip the verify gate after up
  --json              print the summary as JSON
  -h, --help          show this help

Exit codes: 0 every stack succeeded (and verified), 1 a stack failed or did not verify, 2 usage error.
`;

export interface DeployOptions {
  help: boolean;
  stacks: string[];
  command: "preview" | "up";
  refresh: boolean;
  concurrency: number;
  verify: boolean;
  json: boolean;
}

/** Parses the command line; `committed` is the list of stacks under stacks/. */
export function parseDeployArgs(argv: string[], committed: string[]): DeployOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", multiple: true, default: [] }, all: { type: "boolean", default: false },
        preview: { type: "boolean", default: false }, refresh: { type: "boolean", default: false },
        concurrency: { type: "string", default: "2" }, "no-verify": { type: "boolean", default: false },
        json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. See npm run deploy -- --help.`);
  }
  const base = { help: values.help, command: values.preview ? "preview" : "up", refresh: values.refresh, verify: !values["no-verify"], json: values.json } as const;
  if (values.help) return { ...base, stacks: [], concurrency: 1 };
  if (values.all && values.stack.length > 0) throw new UsageError("Pass --stack or --all, not both.");
  const stacks = values.all ? committed : [...new Set(values.stack)];
  if (stacks.length === 0) throw new UsageError(`Which stacks? Pass --stack NAME (repeatable) or --all (committed: ${committed.join(", ") || "none"}).`);
  const unknown = stacks.filter((s) => !committed.includes(s));
  if (unknown.length > 0) throw new UsageError(`No stack file for ${unknown.join(", ")}: committed stacks are ${committed.join(", ") || "none"}.`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency ${values.concurrency} is not a whole number of at least 1.`);
  return { ...base, stacks, concurrency };
}
