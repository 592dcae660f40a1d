/** The summary deploy prints at the end: a table of every stack, each failure's errors, a verdict. */

import { formatChanges } from "./events.ts";
import type { DeploySummary, PreflightOutcome, StackOutcome } from "./run.ts";

const RESULT_WORDS: Record<StackOutcome, string> = {
  ok: "ok",
  failed: "FAILED",
  interrupted: "INTERRUPTED",
  skipped: "not started",
};

function preflightWord(p: PreflightOutcome | undefined): string {
  if (p === undefined) return "-";
  if (p.skipped === true) return "skipped";
  if (!p.ok) return "failed";
  return p.warnings ? `ok (${p.warnings} warn)` : "ok";
}

/** The summary table, then each failure's errors, then one line for the whole run. */
export function formatSummary(s: DeploySummary): string {
  const rows = [["STACK", "COMMAND", "RESULT", "PREFLIGHT", "CHANGES", "VERIFY", "TIME"]];
  for (const r of s.stacks) {
    const verify = r.verify === undefined ? "-" : r.verify.ok ? "ok" : "failed";
    rows.push([
      r.stack,
      r.command,
      RESULT_WORDS[r.result],
      preflightWord(r.preflight),
      formatChanges(r.changes),
      verify,
      `${r.seconds}s`,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd(),
  );
  for (const r of s.stacks.filter((x) => !x.ok)) {
    lines.push("", `${r.stack}:`);
    for (const e of r.errors) lines.push(...e.split("\n").map((l) => `  ${l}`));
    if (r.verify && !r.verify.ok) lines.push(`  verify: ${r.verify.message}`);
  }
  const count = (outcome: StackOutcome) => s.stacks.filter((r) => r.result === outcome).length;
  const failed = s.stacks.filter((r) => !r.ok).length;
  lines.push(
    "",
    s.interrupted
      ? `Interrupted: ${count("ok")} finished, ${count("failed")} failed, ${count("interrupted")} interrupted, ${count("skipped")} not started.`
      : failed === 0
        ? `All ${s.stacks.length} stacks succeeded.`
        : `${failed} of ${s.stacks.length} stacks did not succeed.`,
  );
  return `${lines.join("\n")}\n`;
}
