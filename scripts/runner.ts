/** What the kit's command entries share: the real process runner (execa, an argument array, never a shell) and their wiring. */

import { readTextFile } from "../src/cli/input-file.ts";
import type { Run } from "../src/cli/process.ts";
import type { Runner } from "../src/cli/stack-outputs.ts";

export const runProcess: Run = async (file, args, options = {}) => {
  // Loaded on first use, so commands that never run a program do not pay for it.
  const { execa } = await import("execa");
  const interruptible = options.interruption !== undefined;
  const child = execa(file, args, {
    reject: false,
    input: options.input,
    stdin: options.input === undefined ? "ignore" : undefined,
    env: options.env,
    cwd: options.cwd,
    stripFinalNewline: false,
    // See RunOptions.interruption: a process group of its own, and no SIGKILL after an interrupt.
    detached: interruptible,
    forceKillAfterDelay: interruptible ? false : undefined,
    timeout: options.timeoutMs,
  });
  // The interrupt goes to the program's whole process group, as a terminal's Ctrl-C does: the pulumi
  // npm launcher runs the real CLI as its child and dies on SIGINT without passing it on.
  const untrack = options.interruption?.track({
    kill: (signal) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        child.kill(signal);
      }
    },
  });
  try {
    const result = await child;
    if (result.timedOut)
      return {
        exitCode: 124,
        stdout: "",
        stderr: `it did not finish within ${(options.timeoutMs ?? 0) / 1000} s and was stopped`,
      };
    const stdout = String(result.stdout ?? "");
    const stderr = String(result.stderr ?? "");
    const notFound = (result as { code?: string }).code === "ENOENT";
    const launcher = notFound ? undefined : launcherFailure(result.exitCode, stdout, stderr);
    return {
      exitCode: result.exitCode ?? (notFound ? 127 : 1),
      stdout,
      stderr,
      missing: notFound || launcher !== undefined,
      missingDetail: launcher,
      signal: result.signal ?? undefined,
    };
  } finally {
    untrack?.();
  }
};

/**
 * The `pulumi` npm package's launcher (node_modules/.bin/pulumi, run.js) downloads the pinned CLI
 * into ~/.pulumi/versions/VERSION on first use; when it cannot, it prints "Downloading pulumi
 * vVERSION..." and "pulumi: REASON" and exits 1 without running anything. That is a CLI that is not
 * there, not a failed command. Returns the one-line reason, or undefined for any other outcome.
 */
export function launcherFailure(
  exitCode: number | undefined,
  stdout: string,
  stderr: string,
): string | undefined {
  if (exitCode === 0 || stdout !== "") return undefined;
  const m = /^Downloading pulumi v(\S+)\.\.\.\n(?:[^\n]*\n)*?pulumi: ([^\n]*)\n?$/.exec(stderr);
  return m === null
    ? undefined
    : `the pulumi npm package could not download Pulumi ${m[1]} (${m[2]})`;
}

/** A file's text, or undefined when it does not exist (yet). */
export function readOrUndefined(path: string): string | undefined {
  try {
    return readTextFile(path);
  } catch {
    return undefined;
  }
}

/** How long reading a stack's outputs may take: a backend that never answers must not hold a command forever. */
const OUTPUT_TIMEOUT_MS = 120_000;

/**
 * A runner for a program's output (`pulumi stack output`, `pulumi stack export`), stopped after
 * `timeoutMs`: a stopped run is a failed one whose stderr says why. execa is loaded on first use.
 */
export function outputRunner(timeoutMs: number): Runner {
  return async (file, args) => {
    const { execa } = await import("execa");
    const result = await execa(file, args, { reject: false, stdin: "ignore", timeout: timeoutMs });
    if (result.timedOut)
      return {
        exitCode: 124,
        stdout: "",
        stderr: `it did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped (a backend that does not answer, or a prompt waiting for input)`,
      };
    if (result.exitCode === undefined) throw new Error(`${file} could not be started`);
    const missingDetail = launcherFailure(result.exitCode, result.stdout, result.stderr);
    return {
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      missingDetail,
    };
  };
}

export const runForOutput: Runner = outputRunner(OUTPUT_TIMEOUT_MS);

/**
 * google-auth-library's debug log (google-logging-utils, switched on by GOOGLE_SDK_NODE_LOGGING)
 * prints request and response bodies, access and refresh tokens among them, past every redactor:
 * switched off for this process. Returns the notice to print when it was on.
 */
export function silenceLibraryLog(): string | undefined {
  const was = process.env.GOOGLE_SDK_NODE_LOGGING;
  delete process.env.GOOGLE_SDK_NODE_LOGGING;
  return was
    ? "GOOGLE_SDK_NODE_LOGGING is ignored: google-auth-library's debug log would print tokens.\n"
    : undefined;
}
