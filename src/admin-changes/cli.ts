/** The admin-changes command's arguments, help, git reads and output: everything but process wiring. */

import { join } from "node:path";
import { badInput, exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine, type MainContext } from "../cli/main.ts";
import { jsonText, quoted } from "../cli/output.ts";
import type { Run } from "../cli/process.ts";
import { stackFileName, stackNames } from "../cli/stacks.ts";
import { parseStackFile, type StackFile } from "../config/stack-file.ts";
import { adminChanges, type Change } from "./changes.ts";

const ADMIN_CHANGES_HELP = `Usage: npm run admin-changes -- --base REV [options]

Names what an administrator must review in the stack files: each change since REV (a git revision,
e.g. a pull request's base commit) to a stack's gcp:project, namePrefix, foundation, target,
privilegedRoles, its accounts' roles and impersonators, every reader list (keyReaders, apiKey.readers,
vertex.apiKey.readers, oauthClientReaders), the account a vertex.apiKey is bound to and every ci setting of the CI stack. Prints nothing when none changed. Reads
stacks/ at REV through git and in the working tree; changes nothing.

Options:
  --base REV          the revision to compare the working tree's stack files with
${commonHelp(22)}
With --json: {"base", "commit", "changes"}, each change {"stack", "file", "setting"} and either
"before" and "after" (a value; absent where unset) or "added" and "removed" (a list's entries).

${exitCodesHelp({ ok: "compared, whether or not anything changed" })}`;

/** What the command needs besides its arguments. */
export interface AdminChangesDeps {
  /** The repository's root, where stacks/ is. */
  root: string;
  /** Runs git. */
  run: Run;
  /** A file's text, or undefined when it does not exist. */
  readText: (path: string) => string | undefined;
  /** The file names in stacks/ of the working tree. */
  listStacks: () => string[];
}

/** The commit `base` names, checked: a revision git cannot find is bad input. */
async function commitOf(deps: AdminChangesDeps, base: string): Promise<string> {
  // A revision is never an option: git would read "-..." as one.
  if (base.startsWith("-"))
    throw usage(`--base ${quoted(base)} is not a git revision.`, "Pass a commit, branch or tag.");
  const r = await deps.run("git", [
    "-C",
    deps.root,
    "rev-parse",
    "--verify",
    "--quiet",
    `${base}^{commit}`,
  ]);
  if (r.missing)
    throw badInput(
      "git is not installed, so the stack files at --base cannot be read.",
      "Install git.",
    );
  if (r.exitCode !== 0)
    throw badInput(
      `git finds no commit ${quoted(base)} in ${deps.root}.`,
      "Pass a commit, branch or tag of this repository; in CI, fetch the base commit too (actions/checkout with fetch-depth: 0).",
    );
  return r.stdout.trim();
}

async function git(deps: AdminChangesDeps, args: string[]): Promise<string> {
  const r = await deps.run("git", ["-C", deps.root, ...args]);
  if (r.exitCode !== 0)
    throw badInput(
      `git ${args.join(" ")} failed: ${r.stderr.trim().split("\n")[0] ?? ""}`,
      "Check the repository and --base.",
    );
  return r.stdout;
}

/** The stack files committed at `commit`, by stack name. */
async function filesAt(
  deps: AdminChangesDeps,
  base: string,
  commit: string,
): Promise<Map<string, StackFile>> {
  const listed = await git(deps, ["ls-tree", "--name-only", commit, "stacks/"]);
  const names = stackNames(listed.split("\n").map((path) => path.slice("stacks/".length)));
  const files = new Map<string, StackFile>();
  for (const stack of names) {
    const text = await git(deps, ["show", `${commit}:${stackFileName(stack)}`]);
    files.set(stack, parseStackFile(text, `${stackFileName(stack)} at ${base}`));
  }
  return files;
}

/** The stack files of the working tree, by stack name. */
function filesNow(deps: AdminChangesDeps): Map<string, StackFile> {
  const files = new Map<string, StackFile>();
  for (const stack of stackNames(deps.listStacks())) {
    const text = deps.readText(join(deps.root, stackFileName(stack)));
    if (text !== undefined) files.set(stack, parseStackFile(text, stackFileName(stack)));
  }
  return files;
}

const shown = (value: unknown) => (value === undefined ? "(not set)" : quoted(value));

/** The changes as lines: a heading, then per stack its file and one line per change. */
function renderChanges(base: string, changes: readonly Change[]): string {
  if (changes.length === 0) return "";
  const lines = [`Changes since ${base} an administrator must review:`];
  let stack: string | undefined;
  for (const c of changes) {
    if (c.stack !== stack) lines.push(`${c.stack} (${c.file})`);
    stack = c.stack;
    if ("added" in c) {
      for (const m of c.added) lines.push(`  ${c.setting}: + ${quoted(m)}`);
      for (const m of c.removed) lines.push(`  ${c.setting}: - ${quoted(m)}`);
    } else lines.push(`  ${c.setting}: ${shown(c.before)} -> ${shown(c.after)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Runs the command; returns its exit code (0 whether or not anything changed), or throws a Failure. */
export async function adminChangesMain(ctx: MainContext, deps: AdminChangesDeps): Promise<number> {
  const { values } = parseCommandLine("admin-changes", ctx.argv, { base: { type: "string" } });
  if (values.help) {
    ctx.out(ADMIN_CHANGES_HELP);
    return 0;
  }
  const base = values.base;
  if (base === undefined)
    throw usage(
      "Compare with which revision?",
      "Pass --base REV, e.g. --base origin/main or a pull request's base commit.",
    );
  const commit = await commitOf(deps, base);
  const changes = adminChanges(await filesAt(deps, base, commit), filesNow(deps), stackFileName);
  ctx.out(values.json ? jsonText({ base, commit, changes }) : renderChanges(base, changes));
  return 0;
}
