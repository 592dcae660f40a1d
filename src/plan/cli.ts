/** The plan command's arguments, help and run: everything but process wiring, so tests call it directly. */

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { badInput, exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine, type MainContext } from "../cli/main.ts";
import { jsonText } from "../cli/output.ts";
import { checkStackName, stackFileName, stackNames, stackOfFile } from "../cli/stacks.ts";
import { parseStackFile, stackFilePath, stackReader } from "../config/stack-file.ts";
import { planStack } from "../offline-plan/plan.ts";
import { planJson, renderMermaid, renderPlan } from "./render.ts";

export const PLAN_HELP = `Usage: npm run plan -- --stack NAME [options]

Shows what a fresh \`pulumi up\` of a stack would create, from its committed config alone: the
resource tree, the manual console steps, the critical path, and a Mermaid graph of the resources.
Offline: runs the program under Pulumi's mocks. No credentials, no network, no Pulumi CLI.

Options:
  --stack NAME        plan stacks/Pulumi.NAME.yaml
  --file PATH         plan another stack file (the stack name comes from Pulumi.NAME.yaml, or --stack)
  --mermaid           print only the Mermaid graph
  --outputs           print only the stack outputs a fresh up would export, as JSON in the shape of
                      \`pulumi stack output --json\`, less the values only Google can assign: what
                      npm run rotate -- --outputs FILE needs, without access to the stack's state
${commonHelp(22)}
With --json the plan is one document: resources with inputs and dependencies, manual steps, critical
path, Mermaid text.

${exitCodesHelp({ ok: "planned" })}`;

/** What the plan command needs besides its arguments. */
export interface PlanDeps {
  /** The project's root, where stacks/ is. */
  root: string;
  readFile: (path: string) => string;
}

function committed(root: string): string {
  const dir = join(root, "stacks");
  return (existsSync(dir) ? stackNames(readdirSync(dir)) : []).join(", ") || "none";
}

interface Target {
  stack: string;
  /** Where to read it. */
  path: string;
  /** How messages name it. */
  shown: string;
}

function target(root: string, stack: string | undefined, file: string | undefined): Target {
  if (file !== undefined) {
    const name = stack ?? stackOfFile(file);
    if (name === undefined)
      throw usage(
        `--file ${file}: cannot tell the stack's name from the file name.`,
        "Pass --stack NAME too, or name the file Pulumi.NAME.yaml.",
      );
    return { stack: name, path: file, shown: file };
  }
  if (stack === undefined)
    throw usage("Which stack?", `Pass --stack NAME (committed: ${committed(root)}).`);
  const path = stackFilePath(root, stack);
  if (!existsSync(path))
    throw usage(`There is no ${stackFileName(stack)}.`, `Committed stacks: ${committed(root)}.`);
  return { stack, path, shown: stackFileName(stack) };
}

/** Runs the command; returns its exit code, or throws a Failure (see cli/main.ts). */
export async function planMain(ctx: MainContext, deps: PlanDeps): Promise<number> {
  const { values } = parseCommandLine("plan", ctx.argv, {
    stack: { type: "string" },
    file: { type: "string" },
    mermaid: { type: "boolean", default: false },
    outputs: { type: "boolean", default: false },
  });
  if (values.help) {
    ctx.out(PLAN_HELP);
    return 0;
  }
  if (values.outputs && (values.mermaid || values.json))
    throw usage(
      "--outputs prints one JSON document of its own; it takes neither --mermaid nor --json.",
      "Drop one of them.",
    );
  const t = target(
    deps.root,
    values.stack === undefined ? undefined : checkStackName(values.stack),
    values.file,
  );
  let text: string;
  try {
    text = deps.readFile(t.path);
  } catch (err) {
    throw badInput(
      `Cannot read ${t.shown} (${(err as NodeJS.ErrnoException).code ?? "error"}).`,
      "Check the path.",
    );
  }
  const plan = await planStack({
    stack: t.stack,
    stackFile: t.shown,
    file: parseStackFile(text, t.shown),
    readStack: stackReader(deps.root, deps.readFile),
  });
  if (values.outputs) ctx.out(jsonText(plan.outputs));
  else
    ctx.out(
      values.json
        ? jsonText(planJson(plan))
        : values.mermaid
          ? `${renderMermaid(plan)}\n`
          : renderPlan(plan),
    );
  return 0;
}
