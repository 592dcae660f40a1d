/** What bootstrap needs to know of a stack file before it changes anything. */

import { NAMESPACE } from "../config/keys.ts";
import { parseStackFile } from "../config/stack-file.ts";
import type { StackFileFacts } from "./run.ts";

/** `text` is the stack file's content, or undefined when there is none yet. */
export function stackFileFacts(text: string | undefined): StackFileFacts {
  if (text === undefined) return { exists: false, issuesKeys: false, hasRotationStart: false };
  const { raw, secretsProvider } = parseStackFile(text);
  let accounts: Record<string, { createKey?: boolean } | null> = {};
  try {
    accounts = JSON.parse(raw[`${NAMESPACE}:serviceAccounts`] ?? "{}") as typeof accounts;
  } catch {
    // The config check reports a malformed map; bootstrap only needs to know whether keys are issued.
  }
  return {
    exists: true,
    project: raw["gcp:project"],
    secretsProvider,
    issuesKeys: Object.values(accounts).some((a) => a?.createKey === true),
    hasRotationStart: raw[`${NAMESPACE}:keyRotationStart`] !== undefined,
  };
}
