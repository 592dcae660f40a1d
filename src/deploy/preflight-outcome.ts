/**
 * Reads `npm run preflight -- --json` output into what the deploy summary shows: a verdict, one
 * line for the table's row, and each failure with its fix for the lines under the table.
 */

import { commandJson, failureLine, type FailureDocument } from "./command-json.ts";
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
  error?: FailureDocument;
}

const label = (c: Check): string =>
  `${c.constraint === undefined ? (c.id ?? "check") : `org-policy ${c.constraint}`}${c.project === undefined ? "" : ` (${c.project})`}`;

export function preflightOutcome(
  exitCode: number,
  stdout: string,
  stderr: string,
): PreflightOutcome {
  const read = commandJson<Document>("preflight", exitCode, stdout, stderr);
  if ("none" in read) return { ok: false, message: read.none, failures: [read.none] };
  const parsed = read.document;
  const warnings = parsed.counts?.warn ?? 0;
  if (parsed.ok === true && exitCode === 0) {
    const checks = parsed.checks?.length ?? 0;
    return {
      ok: true,
      warnings,
      message: `${checks} checks passed${warnings > 0 ? `, ${warnings} with ${warnings === 1 ? "a warning" : "warnings"} (npm run preflight -- --stack NAME shows them)` : ""}`,
      failures: [],
    };
  }
  if (parsed.error !== undefined) {
    const line = `preflight: ${failureLine(parsed.error)}`;
    return { ok: false, message: line, failures: [line] };
  }
  const failed = (parsed.checks ?? []).filter((c) => c.status === "fail");
  const failures = failed.map(
    (c) =>
      `preflight ${label(c)}: ${c.summary ?? ""}${c.fix === undefined ? "" : `\nfix: ${c.fix}`}`,
  );
  return {
    ok: false,
    warnings,
    message: `${failed.length} of ${parsed.checks?.length ?? 0} checks failed`,
    failures: failures.length > 0 ? failures : [`preflight exited ${exitCode}`],
  };
}
