/** `npm run inventory`: writes (or with --check, compares) each stack's committed inventory. */

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { badInput, exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine, type MainContext } from "../cli/main.ts";
import { jsonText } from "../cli/output.ts";
import { checkStackName, stackFileName, stackNames } from "../cli/stacks.ts";
import { parseStackFile, stackReader } from "../config/stack-file.ts";
import { record } from "../json.ts";
import { inventoryDiff, inventoryOf, inventoryText, type Inventory } from "./inventory.ts";
import { planStack } from "../offline-plan/plan.ts";

export const INVENTORY_HELP = `Usage: npm run inventory -- [--stack NAME ...] [--check]

Writes inventory/<stack>.json for every committed stack (or the ones named): each resource a fresh
\`pulumi up\` registers, with its URN and the inputs whose change makes Google replace it. Commit the
files with the change that moved them: a review then shows every rename, addition, removal and
replacement. A resource renamed that must keep its cloud resource needs an alias (aliases: [{ name }]),
which the inventory records. Offline, like npm run plan.

Options:
  --stack NAME        only this stack (repeatable)
  --check             write nothing; exit 1 if a committed inventory differs from the program's
${commonHelp(22)}
${exitCodesHelp({ ok: "every inventory written (or, with --check, up to date)", failed: "with --check, an inventory differs (each change is listed)" })}`;

export interface InventoryDeps {
  root: string;
  readFile: (path: string) => string;
  writeFile: (path: string, text: string) => void;
}

export const inventoryPath = (stack: string) => join("inventory", `${stack}.json`);

/**
 * The committed inventory, and its text as committed (a file that parses the same may still be stale
 * in form); `unreadable` when the file is not an inventory (a merge conflict, an edit gone wrong),
 * which --check refuses and a write replaces.
 */
function committedInventory(
  deps: InventoryDeps,
  stack: string,
): { inventory: Inventory; text: string } | "unreadable" | undefined {
  const path = join(deps.root, inventoryPath(stack));
  if (!existsSync(path)) return undefined;
  const text = deps.readFile(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "unreadable";
  }
  const fields = record(parsed);
  if (fields === undefined || typeof fields.stack !== "string" || !Array.isArray(fields.resources))
    return "unreadable";
  return { inventory: fields as unknown as Inventory, text };
}

/** Writes an inventory; a file or folder the user may not write is one line, exit 2. */
function write(deps: InventoryDeps, file: string, text: string): void {
  try {
    deps.writeFile(join(deps.root, file), text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw badInput(
      `Cannot write ${file} (${code}).`,
      code === "EACCES" || code === "EPERM" || code === "EROFS"
        ? "Make inventory/ and its files writable by you (or run as their owner), then run again."
        : "Check the path, then run again.",
    );
  }
}

export async function inventoryMain(ctx: MainContext, deps: InventoryDeps): Promise<number> {
  const { values } = parseCommandLine("inventory", ctx.argv, {
    stack: { type: "string", multiple: true, default: [] },
    check: { type: "boolean", default: false },
  });
  if (values.help) {
    ctx.out(INVENTORY_HELP);
    return 0;
  }
  const committed = stackNames(readdirSync(join(deps.root, "stacks")));
  const stacks = values.stack.length > 0 ? values.stack.map((s) => checkStackName(s)) : committed;
  const unknown = stacks.filter((s) => !committed.includes(s));
  if (unknown.length > 0)
    throw usage(
      `No stack file for ${unknown.join(", ")}.`,
      `Committed stacks: ${committed.join(", ") || "none"}.`,
    );
  const report: {
    stack: string;
    file: string;
    resources: number;
    status: "written" | "unchanged" | "differs";
    changes: string[];
  }[] = [];
  for (const stack of stacks) {
    const old = committedInventory(deps, stack);
    if (old === "unreadable" && values.check)
      throw badInput(
        `${inventoryPath(stack)} is not an inventory (not valid JSON, or no stack and resources).`,
        "Run npm run inventory (without --check) to write it again from the program, and review the change.",
      );
    const file = parseStackFile(
      deps.readFile(join(deps.root, stackFileName(stack))),
      stackFileName(stack),
    );
    const plan = await planStack({
      stack,
      stackFile: stackFileName(stack),
      file,
      readStack: stackReader(deps.root, deps.readFile),
    });
    const current = inventoryOf(plan);
    const changes =
      old === undefined
        ? [`+ ${inventoryPath(stack)} does not exist yet`]
        : old === "unreadable"
          ? [`~ ${inventoryPath(stack)} was not an inventory; written anew from the program`]
          : inventoryDiff(old.inventory, current);
    const same = typeof old === "object" && old.text === inventoryText(current);
    if (!values.check && !same) write(deps, inventoryPath(stack), inventoryText(current));
    report.push({
      stack,
      file: inventoryPath(stack),
      resources: current.resources.length,
      status: same ? "unchanged" : values.check ? "differs" : "written",
      changes: same ? [] : changes,
    });
  }
  const stale = report.filter((r) => r.status === "differs");
  if (values.json)
    ctx.out(jsonText({ ok: stale.length === 0, command: "inventory", stacks: report }));
  else {
    for (const r of report) {
      ctx.out(`${r.status.padEnd(9)} ${r.file} (${r.resources} resources)\n`);
      for (const change of r.status === "unchanged" ? [] : r.changes) ctx.out(`  ${change}\n`);
    }
    if (stale.length > 0)
      ctx.out(
        `\n${stale.length} inventor${stale.length === 1 ? "y differs" : "ies differ"} from the program: run npm run inventory and commit the result with the change.\n`,
      );
  }
  return stale.length === 0 ? 0 : 1;
}
