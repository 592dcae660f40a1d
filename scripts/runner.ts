/** What the kit's command entries share: the real process runner (execa, an argument array, never a shell) and their wiring. */

import { readFileSync } from "node:fs";
import type { Run } from "../src/cli/process.ts";

export const runProcess: Run = async (file, args, options = {}) => {
  // Loaded on first use, so commands that never run a program do not pay for it.
  const { execa } = await import("execa");
  const result = await execa(file, args, { reject: false, input: options.input, stdin: options.input === undefined ? "ignore" : undefined, stripFinalNewline: false });
  const missing = (result as { code?: string }).code === "ENOENT";
  return { exitCode: result.exitCode ?? (missing ? 127 : 1), stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? ""), missing };
};

/** A file's text, or undefined when it does not exist (yet). */
export function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Runs a command's main and sets the exit code; an unexpected error prints its stack and exits 1. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
