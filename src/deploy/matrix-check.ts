/**
 * The coordinates file held against what is committed: every stack of a wave is governed by one CI
 * stack and has the entry that CI stack's outputs give it, and every entry names a governed stack.
 * An entry is compared with what its CI stack's committed config makes (the accounts' e-mails, the
 * GitHub environments, the state bucket, the pool and provider), so a file written before the
 * administrator last applied a change to the CI stack is caught here, in the pull request, and not
 * as a refused token in a deploy job.
 */

import { badInput } from "../cli/failure.ts";
import { stackFileName } from "../cli/stacks.ts";
import { COORDINATES_FILE, type Coordinates, type CoordinatesByStack } from "../ci-coordinates.ts";
import type { CiConfig, CiEnvironment } from "../config/types.ts";
import { WAVES_FILE, type DeployOrder } from "./waves.ts";

/** A CI stack's checked config, by its stack name. */
export interface CiStackConfig {
  stack: string;
  config: CiConfig;
}

/** One stack CI deploys: the CI stack that governs it, its environment there, and its coordinates. */
export interface GovernedStack {
  ciStack: CiStackConfig;
  environment: CiEnvironment;
  coordinates: Coordinates;
}

/** What an entry should hold, from its CI stack's config; the provider's project number is the cloud's. */
function expected(
  ci: CiStackConfig,
  e: CiEnvironment,
): Omit<Coordinates, "workloadIdentityProvider"> {
  return {
    ciStack: ci.stack,
    githubEnvironment: e.githubEnvironment,
    deployer: e.deployer.email,
    previewer: e.previewer?.email,
    rotator: e.rotator?.email,
    rotationEnvironment: e.rotator === undefined ? undefined : e.rotationEnvironment,
    backend: `gs://${e.stateBucket}`,
  };
}

/** Each field of `got` that differs from what its CI stack's config makes. */
function differences(stack: string, got: Coordinates, ci: CiStackConfig, e: CiEnvironment) {
  const want = expected(ci, e);
  const problems = (Object.keys(want) as (keyof typeof want)[])
    .filter((field) => got[field] !== want[field])
    .map(
      (field) =>
        `${stack}.${field} is ${got[field] === undefined ? "absent" : JSON.stringify(got[field])}; ${stackFileName(ci.stack)} makes it ${want[field] === undefined ? "absent" : JSON.stringify(want[field])}`,
    );
  const { poolId, providerId } = ci.config;
  const provider = new RegExp(
    `^projects/\\d+/locations/global/workloadIdentityPools/${poolId}/providers/${providerId}$`,
  );
  if (!provider.test(got.workloadIdentityProvider))
    problems.push(
      `${stack}.workloadIdentityProvider is ${JSON.stringify(got.workloadIdentityProvider)}; ${stackFileName(ci.stack)} makes the pool ${poolId} and its provider ${providerId}`,
    );
  return problems;
}

/** Which CI stack governs each environment; an environment two of them list is a problem. */
function governors(ci: CiStackConfig[], problems: string[]) {
  const found = new Map<string, { ciStack: CiStackConfig; environment: CiEnvironment }>();
  for (const c of ci)
    for (const e of c.config.environments) {
      const other = found.get(e.name);
      if (other === undefined) found.set(e.name, { ciStack: c, environment: e });
      else
        problems.push(
          `${e.name} is under ci.environments of both ${stackFileName(other.ciStack.stack)} and ${stackFileName(c.stack)}: each environment has one CI stack, which makes its accounts`,
        );
    }
  return found;
}

/**
 * Every stack of a wave with its coordinates, checked; a Failure listing every problem at once
 * otherwise. `committed` is every stack with a file in stacks/.
 */
export function governedStacks(
  order: DeployOrder,
  ci: CiStackConfig[],
  coordinates: CoordinatesByStack,
  committed: readonly string[],
): Map<string, GovernedStack> {
  const problems: string[] = [];
  const governed = governors(ci, problems);
  const result = new Map<string, GovernedStack>();
  for (const stack of order.waves.flat()) {
    const g = governed.get(stack);
    const entry = coordinates[stack];
    if (g === undefined)
      problems.push(
        `${stack} is in a wave of ${WAVES_FILE}, but no CI stack lists it under ci.environments, so CI has no account to deploy it with`,
      );
    else if (entry === undefined)
      problems.push(
        `${stack} has no entry in ${COORDINATES_FILE}: the administrator has not applied ${stackFileName(g.ciStack.stack)} since ${stack} was added to it, or has not written its outputs to the file`,
      );
    else {
      problems.push(...differences(stack, entry, g.ciStack, g.environment));
      result.set(stack, { ...g, coordinates: entry });
    }
  }
  for (const stack of Object.keys(coordinates).filter((s) => !result.has(s) && !governed.has(s)))
    problems.push(
      committed.includes(stack)
        ? `${COORDINATES_FILE} has an entry for ${stack}, which no CI stack governs (it is in no ci.environments)`
        : `${COORDINATES_FILE} has an entry for ${stack}, which is not a stack: there is no ${stackFileName(stack)}`,
    );
  if (problems.length > 0) throw stale(problems, ci);
  return result;
}

function stale(problems: string[], ci: CiStackConfig[]) {
  const stacks = ci.length === 0 ? ["CI"] : ci.map((c) => c.stack);
  const commands = stacks
    .map((s) => `npm run deploy -- --stack ${s}, then npm run bootstrap -- --stack ${s}`)
    .join("; ");
  return badInput(
    `The CI coordinates do not match the committed stacks (${problems.length === 1 ? "1 problem" : `${problems.length} problems`}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    `An administrator applies the CI stack and writes its outputs to ${COORDINATES_FILE} (${commands}), and commits the file with the change; CI deploys nothing until they match.`,
  );
}
