/**
 * What the preflight command prints: per project, one line per check (its verdict and what it
 * found), Google's answer and the fix under each warning and failure, and a count last; or one JSON
 * document with `--json`, every check with its evidence and the REST calls it made.
 */

import { jsonText, terminalLine } from "../cli/output.ts";
import type { CheckResult, Status } from "./checks/result.ts";
import type { PreflightResult } from "./run.ts";

const WORDS: Record<Status, string> = { pass: "PASS", warn: "WARN", fail: "FAIL" };

function label(c: CheckResult): string {
  return c.constraint === undefined ? c.id : `org-policy ${c.constraint}`;
}

export function formatPreflightText(result: PreflightResult): string {
  const lines = [
    `Preflight of stack ${result.stack} (project ${result.project}), as ${terminalLine(result.caller)}:`,
  ];
  const projects = [...new Set(result.checks.map((c) => c.project ?? result.project))];
  for (const project of projects) {
    lines.push("", project);
    for (const c of result.checks.filter((x) => (x.project ?? result.project) === project)) {
      lines.push(`  ${WORDS[c.status]}  ${label(c)}: ${terminalLine(c.summary)}`);
      if (c.status === "pass") continue;
      for (const e of c.evidence) lines.push(`          ${terminalLine(e)}`);
      if (c.fix !== undefined) lines.push(`        fix: ${terminalLine(c.fix)}`);
    }
  }
  const { pass, warn, fail } = result.counts;
  lines.push(
    "",
    `${result.checks.length} checks: ${pass} passed, ${warn} ${warn === 1 ? "warning" : "warnings"}, ${fail} failed.${fail > 0 ? " pulumi up would fail: fix the failures first." : ""}`,
  );
  return `${lines.join("\n")}\n`;
}

export function formatPreflightJson(result: PreflightResult): string {
  return jsonText({ ...result, exitCode: undefined });
}
