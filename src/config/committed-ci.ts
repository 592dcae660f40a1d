/**
 * What an environment stack's check learns from the committed CI stack's file, read as the CI
 * stack's own check reads it, defaults included: the pool whose identities no stack may grant
 * anything, and whether pull requests preview the environment, which then may hold no encrypted
 * value. A missing CI stack file, or one that is not a CI stack's, tells nothing; the CI stack's own
 * check judges its values.
 */

import { stackFileName } from "../cli/stacks.ts";
import { record } from "../json.ts";
import type { ParseContext } from "./context.ts";
import { isCiStack } from "./decode.ts";
import { NAMESPACE } from "./keys.ts";
import { HIDDEN, type Problems } from "./problems.ts";
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

/**
 * A previewed stack's encrypted values: a preview decrypts the stack's config to run the program,
 * and runs the pull request's code while it does, so every pull request could read each of them,
 * and any it ever held, from git history. A key already reported for another reason is not again.
 */
export function checkPreviewed(p: Problems, ctx: ParseContext, stackFile: string): void {
  if (ctx.previewedBy === undefined) return;
  for (const key of [...(ctx.encrypted ?? [])].sort()) {
    const path = key.startsWith(`${NAMESPACE}:`) ? key.slice(NAMESPACE.length + 1) : key;
    if (p.list.some((x) => x.path === path)) continue;
    const replace =
      path === "oauthClientJson"
        ? "replace the OAuth client in the Google console (Google Auth Platform > Clients): a Desktop client's secret in git history"
        : "replace the value wherever it is used: a value in git history";
    p.add(
      path,
      HIDDEN,
      `is encrypted in ${stackFile}, and pull requests preview ${ctx.stack} (ci.previews in ${ctx.previewedBy}): a preview runs the pull request's code with the key that decrypts it, so every pull request could read it`,
      `Remove it from ${stackFile} and, if it was ever pushed, ${replace} stays readable by every pull request while ${ctx.stack} is previewed. If ${ctx.stack} needs it, an administrator removes ${ctx.stack} from ci.previews in ${ctx.previewedBy} instead.`,
    );
  }
}
