/** What bootstrap needs to know of a stack file before it changes anything. */

import { stackFileName } from "../cli/stacks.ts";
import { isCiStack } from "../config/decode.ts";
import { NAMESPACE } from "../config/keys.ts";
import { parseStackFile } from "../config/stack-file.ts";
import type { StackFileFacts } from "./run.ts";

/** `text` is the stack file's content, or undefined when there is none yet; a malformed file is a Failure. */
export function stackFileFacts(stack: string, text: string | undefined): StackFileFacts {
  if (text === undefined) return { exists: false, ci: false, production: false };
  const { raw, secretsProvider } = parseStackFile(text, stackFileName(stack));
  return {
    exists: true,
    ci: isCiStack(raw),
    production: raw[`${NAMESPACE}:production`] === "true",
    project: raw["gcp:project"],
    secretsProvider,
  };
}
