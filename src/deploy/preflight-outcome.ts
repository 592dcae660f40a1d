/**
 * Reads `npm run preflight -- --json` output into what the deploy summary shows: a verdict, one
 * line for the table's row, and each failure with its fix for the lines under the table.
 */

import type { PreflightOutcome } from "./run.ts";

interface Check {
  status?: string;
  id?: string;
  constraint?: string;
  project?: string;
  summary?: string;
  fix?: string;
}

interface Document {
  ok?: boolean;
  counts?: { pass?: number; warn?: number; fail?: number };
  checks?: Check[];
  error?: { reason?: string; message?: string; fix?: string };
}

const label = (c: Check): string => `${c.constraint === undefined ? (c.id ?? "check") : `org-policy ${c.constraint}`}${c.project === undefined ? "" : ` (${c.project})`}`;

export function preflightOutcome(exitCode: number, stdout: string, stderr: string): PreflightOutcome {
  let parsed: Document;
  try {
    parsed = JSON.parse(stdout) as Document;
  } catch {
    const why = `preflight printed no result (exit ${exitCode}): ${stderr.trim().split("\n").pop() ?? ""}`.trim();
    return { ok: false, message: why, failures: [why] };
  }
  const warnings = parsed.counts?.warn ?? 0;
  if (parsed.ok === true && exitCode === 0) {
    const checks = parsed.checks?.length ?? 0;
    return { ok: true, warnings, message: `${checks} checks passed${warnings > 0 ? `, ${warnings} with ${warnings === 1 ? "a warning" : "warnings"} (npm run preflight -- --stack NAME shows them)` : ""}`, failures: [] };
  }
  const e = parsed.error;
  if (e !== undefined) {
    const line = `preflight: ${e.reason ?? "FAILED"}: ${e.message ?? ""} ${e.fix ?? ""}`.trim();
    return { ok: false, message: line, failures: [line] };
  }
  const failed = (parsed.checks ?? []).filter((c) => c.status === "fail");
  const failures = failed.map((c) => `preflight ${label(c)}: ${c.summary ?? ""}${c.fix === undefined ? "" : `\nfix: ${c.fix}`}`);
  return { ok: false, warnings, message: `${failed.length} of ${parsed.checks?.length ?? 0} checks failed`, failures: failures.length > 0 ? failures : [`preflight exited ${exitCode}`] };
}
