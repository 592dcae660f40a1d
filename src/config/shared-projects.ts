/**
 * One project per environment. What CI grants an environment is scoped to its project: its rotator
 * reads every API key there (API Keys takes no conditions on names), and its deployer manages the
 * secrets whose id starts with its name prefix (ci/grants.ts, secretsCondition). Two environments in
 * one project would each reach the other's: dev's jobs, which pull requests preview, into prod's.
 */

import { stackFileName } from "../cli/stacks.ts";
import type { Problems } from "./problems.ts";
import type { CiEnvironment } from "./types.ts";

/** Whether one prefix starts the other, so ids made from one may also start with the other. */
function overlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** Reports each environment that deploys to a project an earlier one (by name) deploys to. */
export function checkSharedProjects(p: Problems, environments: readonly CiEnvironment[]): void {
  const first = new Map<string, CiEnvironment>();
  for (const e of environments) {
    const other = first.get(e.config.project);
    if (other === undefined) {
      first.set(e.config.project, e);
      continue;
    }
    const [mine, theirs] = [e.config.namePrefix, other.config.namePrefix];
    const prefixes = overlap(mine, theirs)
      ? `; and their name prefixes ${JSON.stringify(theirs)} and ${JSON.stringify(mine)} overlap, so one's ids and secret conditions (<namePrefix>-*) also match the other's`
      : "";
    p.add(
      `ci.environments.${e.name}`,
      e.config.project,
      `is also the project of ci.environments.${other.name}: what CI grants is scoped to a project (the rotator reads every API key in it, the deployer manages every secret its name prefix starts), so either environment's jobs could read or change the other's${prefixes}`,
      `Give each environment a project of its own: change gcp:project in ${stackFileName(e.name)} or ${stackFileName(other.name)}.`,
    );
  }
}
