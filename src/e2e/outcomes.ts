/**
 * What each program a step runs came to, read from its `--json` document (the kit's commands) or
 * its output (pulumi): passed or not, the reason Google or the command gave, and one line to report.
 */

import type { RunResult } from "../cli/process.ts";
import { record } from "../json.ts";

export interface StepOutcome {
  ok: boolean;
  /** The step does not apply here: neither passed nor failed (ADC without the Gemini scope). */
  skipped?: boolean;
  /** The command's reason (IMPERSONATION_DENIED, ...), when it gave one. */
  reason?: string;
  /** One line: what was proven, or what went wrong and its fix. */
  message: string;
  /** A refusal that IAM's propagation explains, worth another try for a while after up. */
  settling?: boolean;
}

/**
 * Refusals that a grant made moments ago explains: IAM changes reach every server "typically within
 * 2 minutes" and "in some cases, 7 minutes or more" (cloud.google.com/iam/docs/access-change-propagation),
 * and an API just enabled takes minutes too.
 */
const SETTLING = new Set([
  "IMPERSONATION_DENIED",
  "SECRET_PERMISSION_DENIED",
  "PERMISSION_DENIED",
  "USER_PROJECT_DENIED",
  "SERVICE_DISABLED",
  "API_KEY_INVALID",
]);

/** A user login made with gcloud's own client carries no Gemini scope: `--auth adc` cannot be proven with it. */
const NO_GEMINI_SCOPE = new Set(["ACCESS_TOKEN_SCOPE_INSUFFICIENT", "SCOPE_NOT_GRANTED"]);

interface FailureDocument {
  reason?: string;
  message?: string;
  fix?: string;
}

function failed(reason: string | undefined, message: string): StepOutcome {
  return {
    ok: false,
    ...(reason === undefined ? {} : { reason }),
    message,
    settling: reason !== undefined && SETTLING.has(reason),
  };
}

function fromError(e: FailureDocument): StepOutcome {
  return failed(e.reason, `${e.reason ?? "FAILED"}: ${e.message ?? ""} ${e.fix ?? ""}`.trim());
}

/** The last lines of what a program printed, for a failure that left no document. */
function tail(r: RunResult, lines = 5): string {
  const all = `${r.stdout}\n${r.stderr}`.split("\n").map((l) => l.trim());
  const errors = all.filter((l) => /^error:/i.test(l));
  const shown = (errors.length > 0 ? errors : all.filter((l) => l !== "")).slice(-lines);
  return shown.join(" | ") || `exit ${r.exitCode}`;
}

/** A kit command's --json document, or the failure that it printed none. */
function document(command: string, r: RunResult): Record<string, unknown> | StepOutcome {
  try {
    const parsed = record(JSON.parse(r.stdout));
    if (parsed !== undefined) return parsed;
  } catch {
    // read below as a command that printed no document
  }
  return failed(undefined, `${command} printed no result (exit ${r.exitCode}): ${tail(r, 2)}`);
}

const isOutcome = (d: Record<string, unknown> | StepOutcome): d is StepOutcome =>
  typeof d.ok === "boolean" && typeof d.message === "string";

/** bootstrap, preflight and the like: ok with exit 0, else the error or each failed check. */
export function commandOutcome(command: string, r: RunResult, done: string): StepOutcome {
  const d = document(command, r);
  if (isOutcome(d)) return d;
  if (d.ok === true && r.exitCode === 0) return { ok: true, message: done };
  const error = record(d.error);
  if (error !== undefined) return fromError(error);
  const checks = Array.isArray(d.checks) ? d.checks.map((c) => record(c) ?? {}) : [];
  const steps = Array.isArray(d.steps) ? d.steps.map((s) => record(s) ?? {}) : [];
  const said = [
    ...checks
      .filter((c) => c.status === "fail")
      .map((c) => `${String(c.id)}: ${String(c.summary)} fix: ${String(c.fix)}`),
    ...steps
      .filter((s) => s.status === "failed")
      .map((s) => `${String(s.step)}: ${String(s.detail)}`),
  ];
  return failed(undefined, said.join(" | ") || `${command} exited ${r.exitCode}`);
}

/** `npm run deploy -- --json`: the one stack's result and errors. */
export function deployOutcome(r: RunResult): StepOutcome {
  const d = document("deploy", r);
  if (isOutcome(d)) return d;
  const error = record(d.error);
  if (error !== undefined) return fromError(error);
  const stack = record(Array.isArray(d.stacks) ? d.stacks[0] : undefined) ?? {};
  if (d.ok === true && r.exitCode === 0) {
    const created = record(stack.changes)?.create;
    return {
      ok: true,
      message: `up ok${typeof created === "number" ? `, ${created} created` : ""}`,
    };
  }
  const errors = Array.isArray(stack.errors) ? stack.errors.map(String) : [];
  return failed(undefined, errors.join(" | ") || `deploy exited ${r.exitCode}`);
}

/** `npm run verify -- --probe --json`: a model listed and called. */
export function verifyOutcome(r: RunResult): StepOutcome {
  const d = document("verify", r);
  if (isOutcome(d)) return d;
  const probe = record(d.probe);
  if (d.ok === true && r.exitCode === 0 && probe !== undefined) {
    const who = record(d.identity)?.principal;
    return {
      ok: true,
      message: `${Array.isArray(d.models) ? d.models.length : 0} models listed, ${String(probe.model)} called${typeof who === "string" ? ` as ${who}` : ""}`,
    };
  }
  const error = record(d.error) as FailureDocument | undefined;
  if (error?.reason !== undefined && NO_GEMINI_SCOPE.has(error.reason))
    return {
      ok: true,
      skipped: true,
      reason: error.reason,
      message: `not proven: these Application Default Credentials carry no Gemini scope (${error.reason}); a login with the stack's Desktop client and the Gemini scopes can be (docs/verify.md)`,
    };
  return error === undefined
    ? failed(undefined, `verify exited ${r.exitCode} without a probe`)
    : fromError(error);
}

/** Plain pulumi: exit 0, else its error lines. */
export function pulumiOutcome(what: string, r: RunResult, done: string): StepOutcome {
  if (r.exitCode === 0) return { ok: true, message: done };
  return failed(undefined, `${what} exited ${r.exitCode}: ${tail(r)}`);
}
