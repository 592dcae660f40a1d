/**
 * Deploys (or previews) several stacks a few at a time: each stack's `pulumi` run reports its
 * progress through its event log, then the stack is verified. The summary says, per stack, what
 * happened; the exit code says whether all of it worked.
 */

import { join } from "node:path";
import type { Run } from "../cli/process.ts";
import type { DeployOptions } from "./args.ts";
import type { Display } from "./display.ts";
import { consume, emptyProgress, formatChanges, type StackProgress } from "./events.ts";

export interface VerifyOutcome {
  ok: boolean;
  /** One line: what was verified, or the reason and fix. */
  message: string;
}

export interface DeployDeps {
  run: Run;
  verify: (stack: string) => Promise<VerifyOutcome>;
  /** The event log's text so far, or undefined before pulumi has created it. */
  readText: (path: string) => string | undefined;
  /** A private folder for the event logs. */
  tempDir: string;
  now: () => number;
  display: Display;
  /** How often the event logs are read. */
  pollMs?: number;
}

export interface StackResult {
  stack: string;
  command: "preview" | "up";
  ok: boolean;
  changes?: Record<string, number>;
  /** The pulumi run's errors, or why it could not start. */
  errors: string[];
  verify?: VerifyOutcome;
  seconds: number;
}

export interface DeploySummary {
  ok: boolean;
  stacks: StackResult[];
  exitCode: 0 | 1;
}

function pulumiArgs(o: DeployOptions, stack: string, eventLog: string): string[] {
  const args = [o.command, "--stack", stack, "--non-interactive", "--color", "never", "--event-log", eventLog];
  if (o.command === "up") args.push("--yes", "--skip-preview");
  if (o.refresh) args.push("--refresh");
  return args;
}

/** Reads the log every pollMs while `work` runs, and once more at the end. */
async function watching<T>(path: string, deps: DeployDeps, onProgress: (p: StackProgress) => void, work: Promise<T>): Promise<[T, StackProgress]> {
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
  deps.display.phase(stack, o.command === "up" ? "up" : "preview");
  const eventLog = join(deps.tempDir, `${stack}.events.jsonl`);
  const [result, progress] = await watching(eventLog, deps, (p) => deps.display.progress(stack, p), deps.run("pulumi", pulumiArgs(o, stack, eventLog)));
  const base = { stack, command: o.command, changes: progress.changes, seconds: Math.round((deps.now() - start) / 1000) };
  if (result.missing || result.exitCode !== 0) {
    const errors = result.missing
      ? ["The Pulumi CLI is not on PATH. Install it: https://www.pulumi.com/docs/install/"]
      : progress.errors.length > 0 ? progress.errors : [result.stderr.trim().split("\n").slice(-5).join("\n") || `pulumi exited ${result.exitCode}`];
    deps.display.phase(stack, "failed");
    return { ...base, ok: false, errors };
  }
  if (o.command === "preview" || !o.verify) {
    deps.display.phase(stack, "done");
    return { ...base, ok: true, errors: [] };
  }
  deps.display.phase(stack, "verifying");
  const verify = await deps.verify(stack);
  deps.display.phase(stack, verify.ok ? "verified" : "did not verify");
  return { ...base, ok: verify.ok, errors: [], verify, seconds: Math.round((deps.now() - start) / 1000) };
}

/** Runs every stack, at most `concurrency` at a time, in the order given. */
export async function runDeploy(o: DeployOptions, deps: DeployDeps): Promise<DeploySummary> {
  const results: StackResult[] = new Array<StackResult>(o.stacks.length);
  let next = 0;
  const worker = async () => {
    while (next < o.stacks.length) {
      const i = next++;
      results[i] = await deployOne(o.stacks[i]!, o, deps);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.stacks.length) }, worker));
  deps.display.close();
  const ok = results.every((r) => r.ok);
  return { ok, stacks: results, exitCode: ok ? 0 : 1 };
}

/** The summary table, then each failure's errors. */
export function formatSummary(s: DeploySummary): string {
  const rows = [["STACK", "COMMAND", "RESULT", "CHANGES", "VERIFY", "TIME"]];
  for (const r of s.stacks) {
    const verify = r.verify === undefined ? "-" : r.verify.ok ? "ok" : "failed";
    rows.push([r.stack, r.command, r.ok ? "ok" : "FAILED", formatChanges(r.changes), verify, `${r.seconds}s`]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd());
  for (const r of s.stacks.filter((x) => !x.ok)) {
    lines.push("", `${r.stack}:`);
    for (const e of r.errors) lines.push(...e.split("\n").map((l) => `  ${l}`));
    if (r.verify && !r.verify.ok) lines.push(`  verify: ${r.verify.message}`);
  }
  const failed = s.stacks.filter((r) => !r.ok).length;
  lines.push("", failed === 0 ? `All ${s.stacks.length} stacks succeeded.` : `${failed} of ${s.stacks.length} stacks failed.`);
  return `${lines.join("\n")}\n`;
}
