/** Reads `npm run verify -- --json` output into the one line the deploy summary shows. */

import { commandJson, failureLine, type FailureDocument } from "./command-json.ts";
import type { VerifyOutcome } from "./run.ts";

interface Document {
  ok?: boolean;
  models?: unknown[];
  identity?: { kind?: string; principal?: string };
  probe?: { model?: string };
  error?: FailureDocument;
}

export function verifyOutcome(exitCode: number, stdout: string, stderr: string): VerifyOutcome {
  const read = commandJson<Document>("verify", exitCode, stdout, stderr);
  if ("none" in read) return { ok: false, message: read.none };
  const parsed = read.document;
  if (parsed.ok === true && exitCode === 0) {
    const who = parsed.identity?.principal ?? parsed.identity?.kind ?? "the stack's identity";
    const probed = typeof parsed.probe?.model === "string" ? `, ${parsed.probe.model} called` : "";
    return { ok: true, message: `${parsed.models?.length ?? 0} models listed${probed} as ${who}` };
  }
  return {
    ok: false,
    message: parsed.error ? failureLine(parsed.error) : `verify exited ${exitCode}`,
  };
}
