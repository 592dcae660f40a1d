/**
 * What the rotate command prints: per key the stack declares, a heading, then one line per key id
 * (rotated, kept, pruned, unmanaged, orphan, adopted, waiting), the reason and fix of a failure, and
 * each alarm (a key or version the rotator did not make) with its fix; a summary last. Or one JSON document with --json. Ids and names only: the key material was never in the
 * result to begin with, and everything printed passes the run's redactor too.
 */

import { jsonText, terminalLine } from "../cli/output.ts";
import type { KeyLine } from "./procedure.ts";
import type { EntryResult, RotateResult } from "./run.ts";

function heading(k: EntryResult): string {
  return k.kind === "api-key"
    ? `API key bound to ${k.account}, in ${k.secret}`
    : `Key of ${k.account}, in ${k.secret}`;
}

function line(l: KeyLine, dryRun: boolean): string {
  const action =
    dryRun && l.action !== "kept" && l.action !== "unmanaged" && l.action !== "waiting"
      ? `would ${l.action === "rotated" ? "rotate" : l.action === "orphan" ? "remove" : l.action.replace(/d$/, "")}`
      : l.action;
  const id = l.keyId !== "" ? l.keyId : l.version !== undefined ? `version ${l.version}` : "(note)";
  const version = l.keyId !== "" && l.version !== undefined ? `v${l.version}` : "";
  return `  ${action.padEnd(13)} ${id.padEnd(41)} ${version.padEnd(4)} ${l.detail}`.trimEnd();
}

function summary(r: RotateResult): string {
  if (r.keys.length === 0) return `${r.source} declares no keys: nothing to rotate.`;
  const failed = r.keys.filter((k) => k.status === "failed").length;
  const rotated = r.keys.filter((k) => k.status === "rotated").length;
  const waiting = r.keys.filter((k) => k.status === "waiting").length;
  const alarms = r.keys.flatMap((k) => k.alarms).length;
  const parts = [
    `${r.keys.length} key${r.keys.length === 1 ? "" : "s"}`,
    `${rotated} rotated`,
    `${r.keys.length - rotated - failed - waiting} current`,
  ];
  if (waiting > 0)
    parts.push(
      `${waiting} waiting (Google's reads do not show a recent change yet; nothing was touched, run again later)`,
    );
  if (failed > 0) parts.push(`${failed} FAILED (the old key is still in place)`);
  if (alarms > 0)
    parts.push(
      `${alarms} ALARM${alarms === 1 ? "" : "S"} (a key or version the rotator did not make: find out who made it; see the fix above)`,
    );
  return `${parts.join(", ")}.${r.dryRun ? " Dry run: nothing was changed." : ""}`;
}

export function formatRotateText(r: RotateResult): string {
  const lines = [
    `Keys of ${r.source}, rotated every ${r.periodDays} days, as of ${r.now}${r.caller ? `, acting as ${r.caller}` : ""}${r.dryRun ? " (dry run)" : ""}:`,
  ];
  for (const k of r.keys) {
    lines.push("", heading(k));
    for (const l of k.keys) lines.push(line(l, r.dryRun));
    if (k.error !== undefined)
      lines.push(`  FAILED (${k.error.reason}): ${k.error.message}`, `  fix: ${k.error.fix}`);
    for (const a of k.alarms) lines.push(`  ALARM (${a.reason}): ${a.message}`, `  fix: ${a.fix}`);
  }
  lines.push("", summary(r));
  return `${lines.map(terminalLine).join("\n")}\n`;
}

export function formatRotateJson(r: RotateResult): string {
  return jsonText({ ...r, exitCode: undefined });
}
