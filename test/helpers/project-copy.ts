/**
 * A copy of the project's commands with stack files of a test's choosing: the scripts and sources
 * copied, node_modules linked, `stacks/` written from the test. The commands read stacks/ next to
 * their own scripts, so this is how a test runs them against other stacks.
 */

import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./verify-cli.ts";
import { tempDir } from "./temp-dir.ts";

export function projectCopy(stacks: Record<string, string>): string {
  const dir = tempDir("project");
  for (const entry of ["scripts", "src"])
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "stacks"));
  for (const [name, text] of Object.entries(stacks)) writeFileSync(join(dir, "stacks", name), text);
  return dir;
}
