/**
 * An admin plane of several CI stacks (shards), each a stack file that sets `ci`, in a CI project
 * of its own, governing its own environments. One CI stack makes up to three service accounts per
 * environment in its CI project, whose quota is 100 by default (naming.ts, FLEET_LIMITS), so a
 * CI stack refuses more environments than that quota holds, and the shards must not meet: no CI
 * project, state bucket, environment, environment project or GitHub environment is two shards'.
 * docs/ci.md, "Many environments: limits and shards", says when and how to add one.
 */

import { FLEET_LIMITS } from "../naming.ts";
import { readQuietly, type CiStackFile } from "./committed-ci.ts";
import type { Problems } from "./problems.ts";
import type { StackReader } from "./stack-file.ts";
import type { CiEnvironment } from "./types.ts";

const QUOTA = FLEET_LIMITS.serviceAccountsPerProject;
const QUOTA_SOURCE = "cloud.google.com/iam/quotas";
const SHARDS_DOC = 'docs/ci.md, "Many environments: limits and shards"';

/** The service accounts a CI stack makes in its CI project: a deployer per environment, a previewer per previewed one, a rotator per keyed one. */
export function ciServiceAccounts(environments: readonly CiEnvironment[]): {
  deployers: number;
  previewers: number;
  rotators: number;
  total: number;
} {
  const deployers = environments.length;
  const previewers = environments.filter((e) => e.previewer !== undefined).length;
  const rotators = environments.filter((e) => e.rotator !== undefined).length;
  return { deployers, previewers, rotators, total: deployers + previewers + rotators };
}

/** ci.serviceAccountQuota: the CI project's service-account quota, IAM's default unless it was raised. */
export function serviceAccountQuota(p: Problems, value: unknown): number {
  if (value === undefined) return QUOTA.value;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1) return value;
  p.add(
    "ci.serviceAccountQuota",
    value,
    "is not a whole number of service accounts of at least 1",
    `Set the CI project's service-account quota (IAM's default is ${QUOTA.value}), or leave it out.`,
  );
  return QUOTA.value;
}

/** Refuses a CI stack whose accounts would not fit in its CI project's quota, before any is made. */
export function checkServiceAccountQuota(
  p: Problems,
  environments: readonly CiEnvironment[],
  quota: number,
  project: string | undefined,
): void {
  const n = ciServiceAccounts(environments);
  if (n.total <= quota) return;
  p.add(
    "ci.environments",
    `${n.deployers} environments (${n.previewers} previewed, ${n.rotators} with keys)`,
    `need ${n.total} service accounts in the CI project${project === undefined ? "" : ` ${project}`} (${n.deployers} deployers, ${n.previewers} previewers for ci.previews, ${n.rotators} rotators for stacks that declare keys); its quota is ${quota} (ci.serviceAccountQuota; IAM's default is ${QUOTA.value} a project, ${QUOTA_SOURCE}), so the up would fail partway once it is reached`,
    `Move environments to another CI stack, a stack file of its own that sets gemini-access-kit:ci in a CI project of its own (${SHARDS_DOC}), until this one needs at most ${quota}; or, if ${project ?? "the CI project"}'s quota was raised, set ci.serviceAccountQuota to it.`,
  );
}

/** What a CI stack's check knows of itself, to hold it apart from the other committed CI stacks. */
export interface ShardSelf {
  stackFile: string;
  project?: string;
  poolId?: string;
  bucketPrefix?: string;
  /** Every environment ci.environments lists, checked or not. */
  listed: readonly string[];
  /** The environments that passed their check. */
  environments: readonly CiEnvironment[];
}

/** Whether bucket names `<a>-<env>` and `<b>-<env>` can be the same for some environments. */
function bucketsMeet(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}-`) || b.startsWith(`${a}-`);
}

/** Refuses what this CI stack would share with another committed one. */
export function checkOtherShards(
  p: Problems,
  self: ShardSelf,
  others: readonly CiStackFile[],
  readStack: StackReader,
): void {
  for (const other of others) {
    if (self.project !== undefined && other.project === self.project) {
      const pools =
        other.poolId === self.poolId
          ? `, and both name the pool ${self.poolId}, which a project holds once`
          : "";
      p.add(
        "gcp:project",
        self.project,
        `is also the CI project of ${other.stackFile}: two CI stacks in one project share its service-account quota, its key ring and its pool ids, and each one's up would change what the other made${pools}`,
        `Give each CI stack a CI project of its own: change gcp:project in ${self.stackFile} or ${other.stackFile}.`,
      );
    }
    if (
      self.bucketPrefix !== undefined &&
      other.stateBucketPrefix !== undefined &&
      bucketsMeet(self.bucketPrefix, other.stateBucketPrefix)
    ) {
      p.add(
        "ci.stateBucketPrefix",
        self.bucketPrefix,
        `meets ${other.stackFile}'s ${JSON.stringify(other.stateBucketPrefix)}: state buckets are <stateBucketPrefix>-<environment>, so the two CI stacks could name the same bucket`,
        `Give each CI stack a prefix that neither equals nor starts the other's followed by a hyphen: change ci.stateBucketPrefix in ${self.stackFile} or ${other.stackFile}.`,
      );
    }
    for (const name of self.listed.filter((n) => other.environments.some((e) => e.name === n)))
      p.add(
        `ci.environments.${name}`,
        name,
        `is also governed by ${other.stackFile}: each CI stack would create its foundation, CI accounts and state bucket, and each one's up would undo the other's`,
        `Keep ${name} under ci.environments in one CI stack file: remove it from ${self.stackFile} or from ${other.stackFile}.`,
      );
    checkOtherJobs(p, self, other);
    checkOtherProjects(p, self, other, readStack);
  }
}

/** A GitHub environment tells one job's trust from another's, across CI stacks as within one. */
function checkOtherJobs(p: Problems, self: ShardSelf, other: CiStackFile): void {
  const theirs = new Map<string, string>();
  for (const e of other.environments) {
    theirs.set(e.githubEnvironment, `${e.name}'s deploy job`);
    theirs.set(e.rotationEnvironment, `${e.name}'s rotation job`);
  }
  for (const e of self.environments) {
    const jobs: [string, string][] = [
      [`ci.environments.${e.name}.githubEnvironment`, e.githubEnvironment],
      [`ci.environments.${e.name}.rotationEnvironment`, e.rotationEnvironment],
    ];
    for (const [path, name] of jobs) {
      const job = theirs.get(name);
      if (job !== undefined && !other.environments.some((o) => o.name === e.name))
        p.add(
          path,
          name,
          `is also the GitHub environment of ${job} in ${other.stackFile}: each job's trust is told apart by its GitHub environment, so either job could act as the other's account`,
          "Give every environment's deploy and rotation jobs GitHub environments of their own, across CI stacks too.",
        );
    }
  }
}

/** One project per environment holds across CI stacks as within one (shared-projects.ts says why). */
function checkOtherProjects(
  p: Problems,
  self: ShardSelf,
  other: CiStackFile,
  readStack: StackReader,
): void {
  const projects = new Map<string, string>();
  for (const e of other.environments) {
    if (self.listed.includes(e.name)) continue;
    const project = readQuietly(readStack, e.name)?.raw["gcp:project"];
    if (project !== undefined) projects.set(project, e.name);
  }
  for (const e of self.environments) {
    if (other.project !== undefined && e.config.project === other.project)
      p.add(
        `ci.environments.${e.name}`,
        e.config.project,
        `deploys to the CI project of ${other.stackFile}; CI's accounts and state must live apart from what CI deploys`,
        `Deploy ${e.name} to a project of its own (gcp:project in stacks/Pulumi.${e.name}.yaml).`,
      );
    const theirs = projects.get(e.config.project);
    if (theirs !== undefined)
      p.add(
        `ci.environments.${e.name}`,
        e.config.project,
        `is also the project of ${theirs}, which ${other.stackFile} governs: what CI grants is scoped to a project (the rotator reads every API key in it, the deployer manages every secret its name prefix starts), so either environment's jobs could read or change the other's`,
        `Give each environment a project of its own: change gcp:project in stacks/Pulumi.${e.name}.yaml or stacks/Pulumi.${theirs}.yaml.`,
      );
  }
}
