/**
 * Runs the project's real commands as child processes, the way `npm run <script>` does: the command
 * line comes from package.json's script, so a change there is what the tests run.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir } from "./temp-dir.ts";

export const ROOT = resolve(import.meta.dirname, "../..");

const scripts = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  }
).scripts;

export interface CliResult {
  code: number | null;
  /** The signal that ended it, if one did. */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
}

/**
 * An environment with no credentials of the developer's own: an empty HOME (no gcloud login),
 * no metadata server, no API key variables.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = tempDir("home");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_CACHE_HOME: join(home, ".cache"),
    CLOUDSDK_CONFIG: join(home, "gcloud"),
    METADATA_SERVER_DETECTION: "none",
    NO_COLOR: "1",
  };
  return { ...env, ...extra };
}

export interface RunOptions {
  env: Record<string, string>;
  /** Called with each chunk of stderr as it arrives (to act on a printed sign-in address). */
  onStderr?: (text: string) => void;
  timeoutMs?: number;
  /** Written to the command's standard input, which is closed after it. */
  stdin?: string;
  /** Called with the child once it is started (to end it midway). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Runs package.json's script `name` with `args`; `node` in the script is this test's Node. */
export function runScript(name: string, args: string[], options: RunOptions): Promise<CliResult> {
  const [program, ...baseArgs] = scripts[name]!.split(" ");
  return new Promise((resolvePromise, reject) => {
    const file = program === "node" ? process.execPath : program!;
    const child = spawn(file, [...baseArgs, ...args], {
      cwd: ROOT,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    options.onSpawn?.(child);
    child.stdin.end(options.stdin ?? "");
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(chunk.toString());
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, ...(signal ? { signal } : {}) });
    });
  });
}

/** The verify command. */
export function runCli(args: string[], options: RunOptions): Promise<CliResult> {
  return runScript("verify", args, options);
}
