/**
 * What an environment stack's check learns from the committed CI stack's file, read as the CI
 * stack's own check reads it, defaults included: the pool whose identities no stack may grant
 * anything, and whether pull requests preview the environment. A missing CI stack file, or one that
 * is not a CI stack's, tells nothing; the CI stack's own check judges its values.
 */

import { stackFileName } from "../cli/stacks.ts";
import { record } from "../json.ts";
import { isCiStack } from "./decode.ts";
import { NAMESPACE } from "./keys.ts";
import type { StackFile } from "./stack-file.ts";

/** The CI stack's name: its file is stacks/Pulumi.ci.yaml (docs/ci.md). */
const CI_STACK = "ci";

/** The CI stack's pool id: ci.poolId, else `<namePrefix>-github`. */
export function ciPoolId(namePrefix: string, poolId: string | undefined): string {
  return poolId ?? `${namePrefix}-github`;
}

export interface CommittedCi {
  /** The CI stack's file, for messages. */
  stackFile: string;
  poolId: string;
  /** The environment stacks pull requests preview in the cloud (ci.previews). */
  previews: string[];
}

function parsed(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The committed CI stack's pool and previews; undefined when there is no CI stack file. */
export function committedCi(
  readStack: (stack: string) => StackFile | undefined,
): CommittedCi | undefined {
  const file = readStack(CI_STACK);
  if (file === undefined || !isCiStack(file.raw)) return undefined;
  const ci = record(parsed(file.raw[`${NAMESPACE}:ci`])) ?? {};
  const prefix = file.raw[`${NAMESPACE}:namePrefix`] ?? "gemini";
  const previews = Array.isArray(ci.previews)
    ? ci.previews.filter((s): s is string => typeof s === "string")
    : [];
  return {
    stackFile: stackFileName(CI_STACK),
    poolId: ciPoolId(prefix, typeof ci.poolId === "string" ? ci.poolId : undefined),
    previews,
  };
}

/**
 * Whether the committed CI stack's file lists `stack` in ci.previews, so that pull requests run
 * its preview with the key that decrypts its settings: such a stack must hold no encrypted value.
 */
export function isPreviewed(
  stack: string,
  readStack: (stack: string) => StackFile | undefined,
): boolean {
  return committedCi(readStack)?.previews.includes(stack) ?? false;
}
