/**
 * Puts the stand-in `pulumi` (test/helpers/fake-pulumi/pulumi) on PATH for a test: a folder with its
 * state (backend, stacks, config, outputs, failures) and a log of every call it received. A command
 * run in the test's own process can run it there too (inProcessRun).
 */

import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { runProcess } from "../../scripts/runner.ts";
import type { Interruption, Run } from "../../src/cli/process.ts";
import { fakePulumi as fakePulumiCommand } from "./fake-pulumi/core.js";
import { tempDir } from "./temp-dir.ts";

const BIN = join(import.meta.dirname, "fake-pulumi");

interface FakeStack {
  /** How many resources preview and up report. */
  resources?: number;
  /** Fail preview or up at this resource's index. */
  failAt?: { preview?: number; up?: number };
  error?: string;
  delayMs?: number;
  outputs?: Record<string, unknown>;
  config?: Record<string, { value: string; secret: boolean }>;
  secretsProvider?: string;
  /** The stack's state, as `pulumi stack export` prints it under `deployment` (apitype.DeploymentV3). */
  deployment?: {
    manifest?: unknown;
    secrets_providers?: unknown;
    resources: Record<string, unknown>[];
  };
}

export interface FakeState {
  backend?: string;
  stacks?: Record<string, FakeStack>;
}

interface FakeCall {
  args: string[];
  stdin: string;
  backendUrl: string | null;
}

interface FakeRun {
  args: string[];
  /** Epoch milliseconds. */
  started: number;
  ended: number;
  code: number;
}

export interface FakePulumi {
  dir: string;
  /** PATH with the stand-in first, then Node and the system tools. */
  path: string;
  calls(): FakeCall[];
  /** Every run that has ended, with when it started and ended. */
  runs(): FakeRun[];
  /** Every SIGINT a run received. */
  signals(): { args: string[]; signal: string; interrupts: number }[];
  state(): FakeState;
  /** Runs `pulumi ARGS` as the stand-in in this process, with this process's environment. */
  run(
    args: string[],
    stdin?: string,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

const lines = <T>(file: string): T[] =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as T)
    : [];

export function fakePulumi(state: FakeState): FakePulumi {
  const dir = tempDir("fake-pulumi");
  writeFileSync(join(dir, "state.json"), JSON.stringify(state));
  const log = join(dir, "calls.jsonl");
  return {
    dir,
    path: [BIN, dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
    calls: () => lines<FakeCall>(log),
    runs: () => lines<FakeRun>(join(dir, "runs.jsonl")),
    signals: () => lines(join(dir, "signals.jsonl")),
    state: () => JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as FakeState,
    run: (args, stdin = "") => runHere(args, { ...process.env, FAKE_PULUMI_DIR: dir }, stdin),
  };
}

/**
 * Runs a program as the commands do (runProcess), except that `pulumi`, when the stand-in is the
 * first one on this process's PATH, runs in this process: the same command line, environment,
 * standard input and Ctrl-C, without the start of a Node process.
 */
export const inProcessRun: Run = async (file, args, options = {}) => {
  const first = (process.env.PATH ?? "")
    .split(":")
    .find((folder) => folder !== "" && existsSync(join(folder, basename(file))));
  if (file !== "pulumi" || first !== BIN) return runProcess(file, args, options);
  return {
    ...(await runHere(args, { ...process.env }, options.input ?? "", options.interruption)),
    missing: false,
  };
};

async function runHere(
  args: string[],
  env: Record<string, string | undefined>,
  stdin: string,
  interruption?: Interruption,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const run = fakePulumiCommand(args, {
    env,
    stdin,
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
  });
  const untrack = interruption?.track({ kill: () => void run.interrupt() });
  try {
    return { exitCode: await run.done, stdout, stderr };
  } finally {
    untrack?.();
  }
}
