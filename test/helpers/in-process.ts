/**
 * A command's main in this process, printed as its entry prints it, with `env` as the whole
 * environment, as a child process started with it would see: what runScript returns, without the
 * start of a Node process. What only a process shows (its exit on a signal, Node's warnings, what
 * an entry does before its main) stays with runScript.
 */

import { commandContext, runCommand, type MainContext } from "../../src/cli/main.ts";
import type { CliResult } from "./verify-cli.ts";

export async function inProcess(
  command: string,
  main: (ctx: MainContext) => Promise<number>,
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<CliResult & { code: number }> {
  let stdout = "";
  let stderr = "";
  const ctx = commandContext(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  // The libraries (google-auth-library, execa) read the process's own environment.
  const saved = process.env;
  process.env = { ...env };
  try {
    const code = await runCommand(command, main, ctx);
    return { code, stdout, stderr };
  } finally {
    process.env = saved;
  }
}
