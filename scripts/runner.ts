/** The real process runner for the kit's commands: execa, an argument array, never a shell. */

import type { Run } from "../src/cli/process.ts";

export const runProcess: Run = async (file, args, options = {}) => {
  // Loaded on first use, so commands that never run a program do not pay for it.
  const { execa } = await import("execa");
  const result = await execa(file, args, { reject: false, input: options.input, stdin: options.input === undefined ? "ignore" : undefined, stripFinalNewline: false });
  const missing = (result as { code?: string }).code === "ENOENT";
  return { exitCode: result.exitCode ?? (missing ? 127 : 1), stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? ""), missing };
};
