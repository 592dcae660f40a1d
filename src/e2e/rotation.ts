/**
 * The three rotations a run makes, read from `npm run rotate -- --json` (src/rotate/report.ts): the
 * first makes and proves every key; a second in the same period changes nothing; a dry run one
 * period later would make every key again. `rotate --now` moves the policy's clock only with
 * `--dry-run` (a real run acts on Google's clock), so "one period later" is a dry run.
 */

import type { RunResult } from "../cli/process.ts";
import { record } from "../json.ts";
import type { StepOutcome } from "./outcomes.ts";

export type RotationExpectation = "rotated" | "unchanged" | "would-rotate";

interface Entry {
  kind: string;
  status: string;
  dueAt?: string;
  actions: string[];
  error?: string;
  alarms: string[];
}

function entries(d: Record<string, unknown>): Entry[] {
  const keys = Array.isArray(d.keys) ? d.keys : [];
  return keys.map((k) => {
    const e = record(k) ?? {};
    const error = record(e.error);
    return {
      kind: String(e.kind),
      status: String(e.status),
      ...(typeof e.dueAt === "string" ? { dueAt: e.dueAt } : {}),
      actions: (Array.isArray(e.keys) ? e.keys : []).map((l) => String(record(l)?.action)),
      ...(error === undefined
        ? {}
        : { error: `${String(error.reason)}: ${String(error.message)} ${String(error.fix)}` }),
      alarms: (Array.isArray(e.alarms) ? e.alarms : []).map(
        (a) => `${String(record(a)?.reason)}: ${String(record(a)?.message)}`,
      ),
    };
  });
}

/** Whether an entry is what the expectation asks. */
const MEETS: Record<RotationExpectation, (e: Entry) => boolean> = {
  rotated: (e) => e.status === "rotated",
  unchanged: (e) =>
    e.status === "current" && !e.actions.some((a) => a === "rotated" || a === "pruned"),
  "would-rotate": (e) => e.actions.includes("rotated"),
};

const SAID: Record<RotationExpectation, string> = {
  rotated: "made, proven and stored",
  unchanged: "current: the second run in the period changed nothing",
  "would-rotate": "due: one period later each would be made again",
};

export interface RotationOutcome extends StepOutcome {
  /** The latest moment a key falls due (after the first rotation): where "one period later" starts. */
  dueAt?: string;
}

export function rotationOutcome(r: RunResult, expect: RotationExpectation): RotationOutcome {
  let d: Record<string, unknown> | undefined;
  try {
    d = record(JSON.parse(r.stdout));
  } catch {
    d = undefined;
  }
  if (d === undefined)
    return {
      ok: false,
      message: `rotate printed no result (exit ${r.exitCode}): ${r.stderr.trim().split("\n").pop() ?? ""}`,
    };
  const error = record(d.error);
  if (error !== undefined)
    return {
      ok: false,
      reason: String(error.reason),
      message: `${String(error.reason)}: ${String(error.message)} ${String(error.fix)}`,
    };
  const list = entries(d);
  const wrong = list.filter(
    (e) => !MEETS[expect](e) || e.error !== undefined || e.alarms.length > 0,
  );
  if (list.length === 0 || wrong.length > 0 || r.exitCode !== 0) {
    const said = wrong.map(
      (e) =>
        `${e.kind} ${e.status} (${e.actions.join(", ") || "no change"})${e.error ? `: ${e.error}` : ""}${e.alarms.map((a) => `; ALARM ${a}`).join("")}`,
    );
    const reason = /^([A-Z_]+):/.exec(wrong.find((e) => e.error)?.error ?? "")?.[1];
    return {
      ok: false,
      ...(reason === undefined ? {} : { reason }),
      message: `expected every key ${SAID[expect]}; ${said.join(" | ") || (list.length === 0 ? "the stack declares no keys" : `rotate exited ${r.exitCode}`)}`,
    };
  }
  const due = list
    .map((e) => e.dueAt)
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  return {
    ok: true,
    message: `${list.length} keys ${SAID[expect]}`,
    ...(due === undefined ? {} : { dueAt: due }),
  };
}

/** `--now` for the dry run: an hour past the latest due moment, so every key is due. */
export function onePeriodLater(dueAt: string | undefined): string {
  const at = Date.parse(dueAt ?? "");
  return Number.isNaN(at) ? "(unknown)" : new Date(at + 3_600_000).toISOString();
}
