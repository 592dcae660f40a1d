/** The plan command's arguments, help and run: everything but process wiring, so tests call it directly. */

import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { stackNames, UsageError } from "../cli/process.ts";
import { ConfigError } from "../config/problems.ts";
import { parseStackFile, stackFilePath } from "../config/stack-file.ts";
import { planStack } from "./plan.ts";
import { planJson, renderMermaid, renderPlan } from "./render.ts";

export const PLAN_HELP = `Usage: npm run plan -- --stack NAME [options]

Shows what a fresh \`pulumi up\` of a stack would create, from its committed config alone: the
resource tree, the manual console steps, the critical path, and a Mermaid graph of the resources.
Offline: runs the program under Pulumi's mocks. No credentials, no network, no Pulumi CLI.

Options:
  --stack NAME        plan stacks/Pulumi.NAME.yaml
  --file PATH         plan another stack file (the stack name comes from Pulumi.NAME.yaml, or --stack)
  --date YYYY-MM-DD   plan as of this day (key rotation slots depend on it; default: today)
  --json              print the plan as JSON: resources with inputs and dependencies, manual steps,
                      critical path, Mermaid text
  --mermaid           print only the Mermaid graph
  -h, --help          show this help

Exit codes: 0 planned, 2 usage error or a config problem (every problem is listed).
`;

export interface PlanIo {
  /** The project's root, where stacks/ is. */
  root: string;
  now: Date;
  readFile: (path: string) => string;
  out: (text: string) => void;
  err: (text: string) => void;
}

function stacksIn(root: string): string[] {
  const dir = join(root, "stacks");
  return existsSync(dir) ? stackNames(readdirSync(dir)) : [];
}

interface Target {
  stack: string;
  path: string;
}

function target(root: string, stack: string | undefined, file: string | undefined): Target {
  if (file !== undefined) {
    const fromName = /^Pulumi\.(.+)\.ya?ml$/.exec(basename(file))?.[1];
    const name = stack ?? fromName;
    if (name === undefined) throw new UsageError(`--file ${file}: cannot tell the stack's name from the file name. Pass --stack NAME too.`);
    return { stack: name, path: file };
  }
  if (stack === undefined) throw new UsageError(`Which stack? Pass --stack NAME (committed: ${stacksIn(root).join(", ") || "none"}).`);
  const path = stackFilePath(root, stack);
  if (!existsSync(path)) throw new UsageError(`There is no stacks/Pulumi.${stack}.yaml. Committed stacks: ${stacksIn(root).join(", ") || "none"}.`);
  return { stack, path };
}

function day(value: string | undefined, now: Date): Date {
  if (value === undefined) return now;
  const date = new Date(`${value}T12:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(date.getTime())) throw new UsageError(`--date ${value} is not a date; expected YYYY-MM-DD.`);
  return date;
}

/** Runs the command; returns its exit code. */
export async function runPlanCli(argv: string[], io: PlanIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" }, file: { type: "string" }, date: { type: "string" },
        json: { type: "boolean", default: false }, mermaid: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`${(err as Error).message}. See npm run plan -- --help.\n`);
    return 2;
  }
  if (values.help) {
    io.out(PLAN_HELP);
    return 0;
  }
  try {
    const t = target(io.root, values.stack, values.file);
    let text: string;
    try {
      text = io.readFile(t.path);
    } catch {
      throw new UsageError(`Cannot read ${t.path}.`);
    }
    const shown = values.file ?? `stacks/Pulumi.${t.stack}.yaml`;
    const plan = await planStack({ stack: t.stack, stackFile: shown, file: parseStackFile(text), now: day(values.date, io.now) });
    io.out(values.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : values.mermaid ? `${renderMermaid(plan)}\n` : renderPlan(plan));
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
