/** Reads `npm run verify -- --json` output into the one line the deploy summary shows. */

import type { VerifyOutcome } from "./run.ts";

export function verifyOutcome(exitCode: number, stdout: string, stderr: string): VerifyOutcome {
  let parsed: { ok?: boolean; models?: unknown[]; identity?: { kind?: string; principal?: string }; error?: { reason?: string; message?: string; fix?: string } };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    return { ok: false, message: `verify printed no result (exit ${exitCode}): ${stderr.trim().split("\n").pop() ?? ""}` };
  }
  if (parsed.ok === true && exitCode === 0) {
    const who = parsed.identity?.principal ?? parsed.identity?.kind ?? "the stack's identity";
    return { ok: true, message: `${parsed.models?.length ?? 0} models listed as ${who}` };
  }
  const e = parsed.error;
  return { ok: false, message: e ? `${e.reason ?? "FAILED"}: ${e.message ?? ""} ${e.fix ?? ""}`.trim() : `verify exited ${exitCode}` };
}
