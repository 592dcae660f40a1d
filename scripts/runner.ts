/** What the kit's command entries share: the real process runner (execa, an argument array, never a shell) and their wiring. */

import { readFileSync } from "node:fs";
import type { Run } from "../src/cli/process.ts";

export const runProcess: Run = async (file, args, options = {}) => {
  // Loaded on first use, so commands that never run a program do not pay for it.
  const { execa } = await import("execa");
  const interruptible = options.interruption !== undefined;
  const child = execa(file, args, {
    reject: false,
    input: options.input,
    stdin: options.input === undefined ? "ignore" : undefined,
    stripFinalNewline: false,
    // See RunOptions.interruption: a process group of its own, and no SIGKILL after an interrupt.
    detached: interruptible,
    forceKillAfterDelay: interruptible ? false : undefined,
  });
  const untrack = options.interruption?.track({ kill: (signal) => child.kill(signal) });
  try {
    const result = await child;
    const missing = (result as { code?: string }).code === "ENOENT";
    return {
      exitCode: result.exitCode ?? (missing ? 127 : 1),
      stdout: String(result.stdout ?? ""),
      stderr: String(result.stderr ?? ""),
      missing,
      signal: result.signal ?? undefined,
    };
  } finally {
    untrack?.();
  }
};

/** A file's text, or undefined when it does not exist (yet). */
export function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
