/**
 * What the verify command prints: a readable report whose last lines are the verdict (so it never
 * scrolls away behind a long model list), or one JSON object with `--json`. Names, messages and
 * every other string that came from a server pass through terminalSafe before they are styled.
 */

import { jsonText, terminalLine } from "../cli/output.ts";
import type { VerifyResult } from "./result.ts";

export interface Style {
  colour: boolean;
}

const paint = (style: Style, code: number, text: string): string =>
  style.colour ? `\u001b[${code}m${text}\u001b[0m` : text;

/** The widest a table cell is shown: a name a server made 100,000 characters long pads no row to that. */
const MOST_CELL = 80;

function table(rows: string[][]): string[] {
  const cell = (text: string) => {
    const line = terminalLine(text);
    return line.length > MOST_CELL ? `${line.slice(0, MOST_CELL - 1)}…` : line;
  };
  const clean = rows.map((r) => r.map(cell));
  const widths = clean[0]!.map((_, i) => Math.max(...clean.map((r) => r[i]!.length)));
  return clean.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

/** The verdict and its facts: who, with what, against which project, and how it went. */
function verdict(result: VerifyResult, style: Style): string[] {
  const lines: string[] = [];
  const head =
    result.error === undefined
      ? paint(style, 32, result.command === "share-tuned-model" ? "Shared" : "Verified")
      : paint(style, 31, `FAILED (${result.error.reason})`);
  if (result.identity !== undefined || result.error !== undefined) {
    lines.push(
      result.identity
        ? `${head}: ${result.identity.kind} ${terminalLine(result.identity.principal)}`
        : head,
    );
  }
  if (result.identity !== undefined)
    lines.push(`  credential  ${terminalLine(result.identity.source)}`);
  if (result.project !== undefined) lines.push(`  project     ${terminalLine(result.project)}`);
  if (result.permission !== undefined) {
    const p = result.permission;
    lines.push(
      `  permission  ${terminalLine(`${p.name} (${[p.granteeType, p.emailAddress, p.role].filter(Boolean).join(" ")})`)}`,
    );
  }
  if (result.models !== undefined) lines.push(`  models      ${result.models.length}`);
  for (const expected of result.expectedModels ?? []) {
    lines.push(
      `  expected    ${terminalLine(expected.name)}: ${expected.found ? "listed" : paint(style, 31, "NOT listed")}`,
    );
  }
  if (result.probe !== undefined) {
    lines.push(
      `  probe       ${terminalLine(result.probe.model)}: ${result.probe.method} answered (${result.probe.totalTokens} tokens)`,
    );
  }
  if (result.tunedModels !== undefined) lines.push(`  tuned       ${result.tunedModels.length}`);
  lines.push(...vertexLines(result));
  const targets = Object.entries(result.targets ?? {});
  // With both targets, one line says how each went, and each failure comes with its own fix.
  if (targets.length > 1)
    lines.push(
      `  targets     ${targets.map(([api, t]) => `${api} ${t.ok ? "verified" : paint(style, 31, `FAILED (${t.error?.reason ?? ""})`)}`).join("; ")}`,
    );
  const failures =
    targets.length > 1
      ? targets.flatMap(([, t]) => (t.error === undefined ? [] : [t.error]))
      : result.error === undefined
        ? []
        : [result.error];
  for (const failure of failures)
    lines.push(`  ${terminalLine(failure.message)}`, `  fix: ${terminalLine(failure.fix)}`);
  return lines;
}

/** What the Vertex checks proved: where, as whom if not the run's identity, and how many models answered. */
function vertexLines(result: VerifyResult): string[] {
  const v = result.vertex;
  if (v === undefined) return [];
  // With both, the targets line names them.
  const lines = result.target === "both" ? [] : [`  target      vertex`];
  if (v.identity !== undefined)
    lines.push(
      `  vertex as   ${v.identity.kind} ${terminalLine(v.identity.principal)} (${terminalLine(v.identity.source)})`,
    );
  const where = v.express
    ? "global, express mode"
    : `${terminalLine(v.location)} in ${terminalLine(v.project ?? "")}`;
  lines.push(
    `  vertex      ${v.models.length} ${v.models.length === 1 ? "model" : "models"} answered countTokens (${where})`,
  );
  if (v.probe !== undefined)
    lines.push(
      `  generated   ${terminalLine(v.probe.model)}: generateContent answered (${v.probe.totalTokens} tokens)`,
    );
  return lines;
}

export function formatText(result: VerifyResult, style: Style): string {
  const lines: string[] = [];
  if (result.message !== undefined) lines.push(terminalLine(result.message));
  if (result.models !== undefined && result.models.length > 0) {
    const rows = [["MODEL", "DISPLAY NAME", "INPUT", "OUTPUT"]];
    for (const m of result.models)
      rows.push([
        m.name,
        m.displayName ?? "",
        String(m.inputTokenLimit ?? ""),
        String(m.outputTokenLimit ?? ""),
      ]);
    lines.push(...table(rows), "");
  }
  if (result.vertex !== undefined && result.vertex.models.length > 0) {
    const rows = [["VERTEX MODEL", "LOCATION", "TOKENS", "BILLABLE CHARACTERS"]];
    for (const m of result.vertex.models)
      rows.push([
        m.model,
        result.vertex.location,
        String(m.totalTokens),
        String(m.totalBillableCharacters ?? ""),
      ]);
    lines.push(...table(rows), "");
  }
  if (result.tunedModels !== undefined && result.tunedModels.length > 0) {
    const rows = [["TUNED MODEL", "DISPLAY NAME", "STATE", "BASE MODEL"]];
    for (const m of result.tunedModels)
      rows.push([m.name, m.displayName ?? "", m.state ?? "", m.baseModel ?? ""]);
    lines.push(...table(rows), "");
  }
  lines.push(...verdict(result, style));
  return `${lines.join("\n")}\n`;
}

export function formatJson(result: VerifyResult): string {
  return jsonText({ ...result, exitCode: undefined });
}
