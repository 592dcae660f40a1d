/** What bootstrap needs to know of a stack file before it changes anything. */

import { stackFileName } from "../cli/stacks.ts";
import { NAMESPACE } from "../config/keys.ts";
import { parseStackFile } from "../config/stack-file.ts";
import { record } from "../json.ts";
import type { StackFileFacts } from "./run.ts";

/** `text` is the stack file's content, or undefined when there is none yet; a malformed file is a Failure. */
export function stackFileFacts(stack: string, text: string | undefined): StackFileFacts {
  if (text === undefined) return { exists: false, ci: false, production: false, issuesKeys: false, hasRotationStart: false };
  const { raw, secretsProvider } = parseStackFile(text, stackFileName(stack));
  let accounts: Record<string, unknown> = {};
  try {
    accounts = record(JSON.parse(raw[`${NAMESPACE}:serviceAccounts`] ?? "{}")) ?? {};
  } catch {
    // The config check reports a malformed map; bootstrap only needs to know whether keys are issued.
  }
  return {
    exists: true,
    ci: raw[`${NAMESPACE}:ci`] !== undefined,
    production: raw[`${NAMESPACE}:production`] === "true",
    project: raw["gcp:project"],
    secretsProvider,
    issuesKeys: Object.values(accounts).some((a) => record(a)?.createKey === true),
    hasRotationStart: raw[`${NAMESPACE}:keyRotationStart`] !== undefined,
  };
}
