/**
 * What an environment stack's check learns from the committed CI stacks' files, read as a CI
 * stack's own check reads them, defaults included: the pools whose identities no stack may grant
 * anything, whether pull requests preview the environment (it then may hold no encrypted value),
 * and that at most one CI stack governs it. Every committed file that sets `ci` is a CI stack
 * (isCiStack): an admin plane past one CI project's service-account quota is several of them
 * (docs/ci.md, "Many environments: limits and shards"). A reader that cannot list the committed
 * stacks is asked for stacks/Pulumi.ci.yaml alone. A CI stack's own check judges its values.
 */

import { Failure } from "../cli/failure.ts";
import { stackFileName } from "../cli/stacks.ts";
import { record } from "../json.ts";
import type { ParseContext } from "./context.ts";
import { isCiStack } from "./decode.ts";
import { NAMESPACE } from "./keys.ts";
import type { CiPool } from "./members.ts";
import { HIDDEN, type Problem, type Problems } from "./problems.ts";
import type { StackReader } from "./stack-file.ts";

/** The first CI stack's name: its file is stacks/Pulumi.ci.yaml (docs/ci.md). */
const CI_STACK = "ci";

/** The CI stack's pool id: ci.poolId, else `<namePrefix>-github`. */
export function ciPoolId(namePrefix: string, poolId: string | undefined): string {
  return poolId ?? `${namePrefix}-github`;
}

/** The GitHub environment of an environment's rotation job when ci.environments.NAME.rotationEnvironment is not set. */
export function defaultRotationEnvironment(githubEnvironment: string): string {
  return `${githubEnvironment}-rotation`;
}

export interface CommittedCi {
  /** The CI stack's file, for messages. */
  stackFile: string;
  poolId: string;
  /** The environment stacks pull requests preview in the cloud (ci.previews). */
  previews: string[];
}

/** A committed CI stack's file as the other checks read it, defaults included. */
export interface CiStackFile extends CommittedCi {
  stack: string;
  /** Its CI project (gcp:project). */
  project?: string;
  stateBucketPrefix?: string;
  /** Each environment it governs (ci.environments), with the GitHub environments of its jobs. */
  environments: { name: string; githubEnvironment: string; rotationEnvironment: string }[];
}

function parsed(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A stack's file, or undefined when it is missing or not a stack file (its own check says why). */
export function readQuietly(readStack: StackReader, stack: string) {
  try {
    return readStack(stack);
  } catch (err) {
    if (err instanceof Failure) return undefined;
    throw err;
  }
}

/** Every committed CI stack, by stack name. */
export function committedCiStacks(readStack: StackReader): CiStackFile[] {
  const found: CiStackFile[] = [];
  for (const stack of readStack.names?.() ?? [CI_STACK]) {
    const file = readQuietly(readStack, stack);
    if (file === undefined || !isCiStack(file.raw)) continue;
    const ci = record(parsed(file.raw[`${NAMESPACE}:ci`])) ?? {};
    const prefix = file.raw[`${NAMESPACE}:namePrefix`] ?? "gemini";
    const previews = Array.isArray(ci.previews)
      ? ci.previews.filter((s): s is string => typeof s === "string")
      : [];
    const environments = Object.entries(record(ci.environments) ?? {}).map(([name, value]) => {
      const entry = record(value) ?? {};
      const githubEnvironment = text(entry.githubEnvironment) ?? name;
      return {
        name,
        githubEnvironment,
        rotationEnvironment:
          text(entry.rotationEnvironment) ?? defaultRotationEnvironment(githubEnvironment),
      };
    });
    found.push({
      stack,
      stackFile: stackFileName(stack),
      project: file.raw["gcp:project"],
      poolId: ciPoolId(prefix, text(ci.poolId)),
      stateBucketPrefix: text(ci.stateBucketPrefix),
      previews,
      environments,
    });
  }
  return found;
}

/** The CI stack that governs `environment`, else stacks/Pulumi.ci.yaml's, else the first by name. */
function ciOf(cis: readonly CiStackFile[], environment?: string): CiStackFile | undefined {
  return (
    cis.find((c) => c.environments.some((e) => e.name === environment)) ??
    cis.find((c) => c.stack === CI_STACK) ??
    cis[0]
  );
}

/**
 * The committed CI stack's pool and previews: the one that governs `environment` when one does,
 * else stacks/Pulumi.ci.yaml's; undefined when there is no CI stack file.
 */
export function committedCi(readStack: StackReader, environment?: string): CommittedCi | undefined {
  const ci = ciOf(committedCiStacks(readStack), environment);
  return ci && { stackFile: ci.stackFile, poolId: ci.poolId, previews: ci.previews };
}

type PoolOf = Pick<CommittedCi, "poolId" | "stackFile">;

/** `ci`'s pool, with the other CI stacks' pools, which admit this repository's jobs too. */
export function poolOf(ci: PoolOf, others: readonly PoolOf[]): CiPool {
  return {
    poolId: ci.poolId,
    stackFile: ci.stackFile,
    others: others.map((o) => ({ poolId: o.poolId, stackFile: o.stackFile })),
  };
}

/**
 * Whether a committed CI stack's file lists `stack` in ci.previews, so that pull requests run its
 * preview with the key that decrypts its settings: such a stack must hold no encrypted value.
 */
export function isPreviewed(stack: string, readStack: StackReader): boolean {
  return committedCiStacks(readStack).some((c) => c.previews.includes(stack));
}

/**
 * What an environment's own check takes from the committed CI stacks: the pools no member may name,
 * which CI stack's pull requests preview it, and a problem when more than one governs it.
 */
export function ciContext(
  stack: string,
  readStack: StackReader,
  foundation: string | undefined,
): { ciPool?: CiPool; previewedBy?: string; problems: Problem[] } {
  const cis = committedCiStacks(readStack);
  const ci = ciOf(cis, stack);
  const governing = cis.filter((c) => c.environments.some((e) => e.name === stack));
  const problems: Problem[] = [];
  if (governing.length > 1) {
    const files = governing.map((c) => c.stackFile);
    problems.push({
      path: "foundation",
      got: foundation,
      message: `is applied by ${governing.length} CI stacks: ${files.join(" and ")} each list ${stack} under ci.environments, so each would create its foundation, CI accounts and state bucket, and each one's up would undo the other's`,
      fix: `Keep ${stack} under ci.environments in one CI stack file: remove it from all but one of ${files.join(", ")}.`,
    });
  }
  return {
    ciPool:
      ci &&
      poolOf(
        ci,
        cis.filter((c) => c !== ci),
      ),
    previewedBy: cis.find((c) => c.previews.includes(stack))?.stackFile,
    problems,
  };
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
