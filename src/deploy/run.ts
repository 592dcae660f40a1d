/**
 * Deploys (or previews) stacks wave by wave, a few stacks of one wave at a time: each stack's
 * `pulumi` run reports its progress through its event log, then the stack is verified. The summary
 * says, per stack, what happened; the exit code says whether all of it worked.
 */

import { join } from "node:path";
import { EXIT } from "../cli/failure.ts";
import { pulumiMissing, type Interruption, type Run } from "../cli/process.ts";
import type { DeployOptions } from "./args.ts";
import { elapsedSeconds, type Display } from "./display.ts";
import { consume, emptyProgress, type StackProgress } from "./events.ts";

export interface VerifyOutcome {
  ok: boolean;
  /** One line: what was verified, or the reason and fix. */
  message: string;
}

/** What preflight found before up: ok (warnings allowed), or the failures with their fixes. */
export interface PreflightOutcome {
  ok: boolean;
  /** --skip-preflight: nothing was checked. */
  skipped?: boolean;
  warnings?: number;
  /** One line: how many checks passed, or why it failed. */
  message: string;
  /** Each failed check, its fix on the next line. */
  failures: string[];
}

export interface DeployDeps {
  run: Run;
  /** `npm run preflight -- --stack NAME --json`, run before each up. */
  preflight: (stack: string) => Promise<PreflightOutcome>;
  verify: (stack: string) => Promise<VerifyOutcome>;
  /** The event log's text so far, or undefined before pulumi has created it. */
  readText: (path: string) => string | undefined;
  /** A private folder for the event logs. */
  tempDir: string;
  now: () => number;
  display: Display;
  /** Ctrl-C: passed on to the running pulumi commands; no stack starts after it. */
  interruption: Interruption;
  /** How often the event logs are read. */
  pollMs?: number;
}

/** ok, failed, interrupted while it ran, or not started (skipped: an earlier wave failed, or Ctrl-C). */
export type StackOutcome = "ok" | "failed" | "interrupted" | "skipped";

interface StackResult {
  stack: string;
  command: "preview" | "up";
  result: StackOutcome;
  ok: boolean;
  changes?: Record<string, number>;
  /** The pulumi run's errors, why it could not start, or why it was not started. */
  errors: string[];
  /** Before an up only. */
  preflight?: PreflightOutcome;
  verify?: VerifyOutcome;
  seconds: number;
}

export interface DeploySummary {
  ok: boolean;
  interrupted: boolean;
  stacks: StackResult[];
  exitCode: 0 | 1 | 130;
}

const SKIPPED: PreflightOutcome = {
  ok: true,
  skipped: true,
  message: "skipped (--skip-preflight)",
  failures: [],
};

function pulumiArgs(o: DeployOptions, stack: string, eventLog: string): string[] {
  const args = [
    o.command,
    "--stack",
    stack,
    "--non-interactive",
    "--color",
    "never",
    "--event-log",
    eventLog,
  ];
  if (o.command === "up") args.push("--yes", "--skip-preview");
  if (o.refresh) args.push("--refresh");
  return args;
}

/** Reads the log every pollMs while `work` runs, and once more at the end. */
async function watching<T>(
  path: string,
  deps: DeployDeps,
  onProgress: (p: StackProgress) => void,
  work: Promise<T>,
): Promise<[T, StackProgress]> {
  const progress = emptyProgress();
  let offset = 0;
  let carry = "";
  const read = () => {
    const text = deps.readText(path);
    if (text === undefined || text.length <= offset) return;
    carry = consume(progress, carry, text.slice(offset));
    offset = text.length;
    onProgress(progress);
  };
  const timer = setInterval(read, deps.pollMs ?? 200);
  try {
    const result = await work;
    read();
    consume(progress, carry, "\n");
    return [result, progress];
  } finally {
    clearInterval(timer);
  }
}

async function deployOne(stack: string, o: DeployOptions, deps: DeployDeps): Promise<StackResult> {
  const start = deps.now();
  // Preflight reads what decides whether up can succeed; a failure stops the stack before pulumi runs.
  const checking = o.command === "up" && o.preflight;
  let preflight: PreflightOutcome | undefined =
    o.command === "up" && !o.preflight ? SKIPPED : undefined;
  const finish = (
    result: StackOutcome,
    phase: string,
    rest: Partial<StackResult> = {},
  ): StackResult => {
    const end = deps.now();
    deps.display.finish(stack, phase, end);
    return {
      stack,
      command: o.command,
      result,
      ok: result === "ok",
      errors: [],
      preflight,
      seconds: elapsedSeconds(end - start),
      ...rest,
    };
  };
  deps.display.start(stack, checking ? "preflight" : o.command, start);
  if (checking) {
    preflight = await deps.preflight(stack);
    if (deps.interruption.interrupted)
      return finish("interrupted", "interrupted", {
        errors: ["Interrupted (Ctrl-C) during preflight; pulumi up did not run."],
      });
    if (!preflight.ok) return finish("failed", "failed preflight", { errors: preflight.failures });
    deps.display.phase(stack, o.command);
  }
  const eventLog = join(deps.tempDir, `${stack}.events.jsonl`);
  const [result, progress] = await watching(
    eventLog,
    deps,
    (p) => deps.display.progress(stack, p),
    deps.run("pulumi", pulumiArgs(o, stack, eventLog), { interruption: deps.interruption }),
  );
  const changes = progress.changes;
  if (deps.interruption.interrupted && (result.signal !== undefined || result.exitCode !== 0)) {
    const why = `Interrupted (Ctrl-C) while pulumi ran; if it left pending operations, run pulumi refresh --stack ${stack} before the next up.`;
    return finish("interrupted", "interrupted", { changes, errors: [why] });
  }
  if (result.missing) throw pulumiMissing(result);
  if (result.exitCode !== 0) {
    const errors =
      progress.errors.length > 0
        ? progress.errors
        : [
            result.stderr.trim().split("\n").slice(-5).join("\n") ||
              `pulumi exited ${result.exitCode}`,
          ];
    return finish("failed", "failed", { changes, errors });
  }
  if (
    o.command === "preview" ||
    !o.verify ||
    o.admin.includes(stack) ||
    deps.interruption.interrupted
  )
    return finish("ok", "done", { changes });
  deps.display.phase(stack, "verifying");
  const verify = await deps.verify(stack);
  return verify.ok
    ? finish("ok", "verified", { changes, verify })
    : finish("failed", "did not verify", { changes, verify });
}

function notStarted(stack: string, o: DeployOptions, why: string): StackResult {
  return { stack, command: o.command, result: "skipped", ok: false, errors: [why], seconds: 0 };
}

/** One wave: at most `concurrency` stacks at a time, none started after an interrupt. */
async function runWave(
  wave: string[],
  o: DeployOptions,
  deps: DeployDeps,
  results: Map<string, StackResult>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < wave.length) {
      const stack = wave[next++]!;
      results.set(
        stack,
        deps.interruption.interrupted
          ? notStarted(stack, o, "Not started: interrupted (Ctrl-C).")
          : await deployOne(stack, o, deps),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, wave.length) }, worker));
}

/** Fails with one line, before any stack runs, when the Pulumi CLI cannot be started. */
async function checkPulumi(deps: DeployDeps): Promise<void> {
  const version = await deps.run("pulumi", ["version"]);
  if (version.missing) throw pulumiMissing(version);
}

/** Runs every wave in order; a wave with a failure stops the later ones unless --keep-going. */
export async function runDeploy(o: DeployOptions, deps: DeployDeps): Promise<DeploySummary> {
  await checkPulumi(deps);
  const results = new Map<string, StackResult>();
  let stop: string | undefined;
  try {
    for (const wave of o.waves) {
      if (deps.interruption.interrupted) stop ??= "Not started: interrupted (Ctrl-C).";
      if (stop !== undefined) {
        for (const stack of wave) results.set(stack, notStarted(stack, o, stop));
        continue;
      }
      await runWave(wave, o, deps, results);
      const failed = wave.filter((s) => results.get(s)!.result === "failed");
      if (deps.interruption.interrupted) stop = "Not started: interrupted (Ctrl-C).";
      else if (failed.length > 0 && !o.keepGoing)
        stop = `Not started: ${failed.join(", ")} failed in an earlier wave (--keep-going runs the later waves anyway).`;
    }
  } finally {
    deps.display.close();
  }
  const stacks = o.waves.flat().map((s) => results.get(s)!);
  const ok = stacks.every((r) => r.ok);
  const interrupted = deps.interruption.interrupted;
  return {
    ok,
    interrupted,
    stacks,
    exitCode: interrupted ? EXIT.interrupted : ok ? EXIT.ok : EXIT.failed,
  };
}
