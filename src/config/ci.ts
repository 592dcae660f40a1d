/**
 * The CI stack's config: which GitHub repository (by its numeric ids), which workflow file, branch
 * and GitHub environments may act in which environment, where each environment's state lives, and
 * which roles the environments' accounts may hold. The CI stack reads each environment's committed
 * stack file with the same pure check the environment's own `pulumi up` runs, so what it grants
 * follows from what is committed.
 */

import { stackFileName } from "../cli/stacks.ts";
import {
  GIT_NAME,
  GITHUB_REPOSITORY,
  LOCATION,
  PROJECT_ID,
  WORKLOAD_IDENTITY_ID,
} from "../naming.ts";
import { checked, checkGithubEnvironments, environment } from "./ci-environment.ts";
import { checkOtherShards, checkServiceAccountQuota, serviceAccountQuota } from "./ci-shards.ts";
import { ciPoolId, committedCiStacks } from "./committed-ci.ts";
import { checkSharedProjects } from "./shared-projects.ts";
import type { CiParseContext } from "./context.ts";
import { checkKeys, type RawConfig } from "./decode.ts";
import { parseRoles } from "./members.ts";
import { Problems, type Problem } from "./problems.ts";
import type { CiConfig } from "./types.ts";

const FIELDS = [
  "repository",
  "repositoryId",
  "repositoryOwnerId",
  "deployBranch",
  "deployWorkflow",
  "rotateWorkflow",
  "location",
  "stateBucketPrefix",
  "grantableRoles",
  "previews",
  "environments",
  "poolId",
  "providerId",
  "serviceAccountQuota",
] as const;
const NUMERIC_ID = /^\d{1,20}$/;
const WORKFLOW = /^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/;
/** Checks a CI stack's raw config; returns the resolved config, or every problem found. */
export function parseCiConfig(
  raw: RawConfig,
  ctx: CiParseContext,
): { config?: CiConfig; problems: Problem[] } {
  const p = new Problems();
  const stackFile = ctx.stackFile ?? stackFileName(ctx.stack);
  const fix = `Correct it in ${stackFile}.`;
  const { values: v, misplaced: misplacedKeys } = checkKeys(
    p,
    raw,
    ctx.secretKeys,
    ["namePrefix", "ci"],
    stackFile,
  );
  const project = raw["gcp:project"];
  if (project === undefined && !misplacedKeys.has("gcp:project"))
    p.add(
      "gcp:project",
      undefined,
      "is not set; it names the CI project, where the pool, the CI accounts and the state live",
      `Set gcp:project in ${stackFile}.`,
    );
  checked(p, "gcp:project", project, PROJECT_ID, "Use the project id (not its name or number).");
  const prefix = p.string("namePrefix", v.namePrefix, fix) ?? "gemini";

  const entry =
    p.record(
      "ci",
      v.ci,
      "Write ci as a map: repository, repositoryId, repositoryOwnerId, environments, ...",
    ) ?? {};
  const misspelt = p.unknownFields("ci", entry, FIELDS);
  const text = (field: (typeof FIELDS)[number]) => p.string(`ci.${field}`, entry[field], fix);
  /** A required field's value; "not set" only when it is absent, not when it is of the wrong type (already said) or misspelt (already said). */
  const required = (
    field: (typeof FIELDS)[number],
    value: string | undefined,
    what: string,
    fixIt: string,
  ): string | undefined => {
    if (value === undefined && entry[field] === undefined && !misspelt.has(field))
      p.add(`ci.${field}`, undefined, `is not set; ${what}`, fixIt);
    return value;
  };
  const repository = checked(
    p,
    "ci.repository",
    required(
      "repository",
      text("repository"),
      "it names the one GitHub repository CI runs from",
      "Set it to owner/name.",
    ),
    GITHUB_REPOSITORY,
    "Write the repository as owner/name.",
  );
  const ids = (["repositoryId", "repositoryOwnerId"] as const).map((field) => {
    const find = `Find it with: gh api repos/OWNER/NAME --jq ${field === "repositoryId" ? ".id" : ".owner.id"}`;
    const given = entry[field];
    if (typeof given === "number") {
      p.add(
        `ci.${field}`,
        given,
        "is a YAML number; an id must be quoted, since YAML numbers past 2^53 lose digits",
        `Quote it: ${field}: "${String(given)}".`,
      );
      return undefined;
    }
    const value = required(
      field,
      text(field),
      "the trust pins GitHub's numeric id, which a re-registered name cannot take over",
      find,
    );
    if (value !== undefined && !NUMERIC_ID.test(value))
      p.add(`ci.${field}`, value, "is not a GitHub numeric id", find);
    return value;
  });
  const deployBranch = checked(
    p,
    "ci.deployBranch",
    text("deployBranch") ?? "main",
    GIT_NAME,
    "Name the branch deployments run from.",
  );
  const deployWorkflow = text("deployWorkflow") ?? ".github/workflows/pulumi-up.yml";
  if (!WORKFLOW.test(deployWorkflow))
    p.add(
      "ci.deployWorkflow",
      deployWorkflow,
      "is not a workflow file's path, .github/workflows/NAME.yml",
      "Name the workflow file whose jobs deploy.",
    );
  const rotateWorkflow = text("rotateWorkflow") ?? ".github/workflows/rotate-keys.yml";
  if (!WORKFLOW.test(rotateWorkflow))
    p.add(
      "ci.rotateWorkflow",
      rotateWorkflow,
      "is not a workflow file's path, .github/workflows/NAME.yml",
      "Name the workflow file whose jobs rotate keys.",
    );
  else if (rotateWorkflow === deployWorkflow)
    p.add(
      "ci.rotateWorkflow",
      rotateWorkflow,
      "is the deploy workflow; each job's trust is told apart by its workflow file",
      "Name a workflow file of its own.",
    );
  const location = checked(
    p,
    "ci.location",
    required(
      "location",
      text("location"),
      "it is the region of the state buckets and the KMS key ring",
      "Set a region, e.g. europe-west1.",
    ),
    LOCATION,
    "Use a region name.",
  );
  const bucketPrefix = required(
    "stateBucketPrefix",
    text("stateBucketPrefix"),
    "each environment's state bucket is <stateBucketPrefix>-<environment>",
    "Set a prefix that is yours in Cloud Storage's global namespace, e.g. acme-gemini-state.",
  );
  const grantableList = p.stringList("ci.grantableRoles", entry.grantableRoles, fix);
  const grantable = parseRoles(p, "ci.grantableRoles", grantableList ?? [], { kind: "elsewhere" });
  // When the list itself is wrong (or misspelt), the environments' roles are not also measured against it.
  const grantableKnown =
    !misspelt.has("grantableRoles") &&
    (entry.grantableRoles === undefined || grantableList !== undefined);
  const previews = p.stringList("ci.previews", entry.previews, fix) ?? [];
  const poolId = checked(
    p,
    "ci.poolId",
    ciPoolId(prefix, text("poolId")),
    WORKLOAD_IDENTITY_ID,
    "Set ci.poolId, or shorten namePrefix.",
  );
  const providerId = checked(
    p,
    "ci.providerId",
    text("providerId") ?? "github",
    WORKLOAD_IDENTITY_ID,
    "Choose another provider id.",
  );
  const keyRingId = `${prefix}-state`;
  const quota = serviceAccountQuota(p, entry.serviceAccountQuota);
  // The other committed CI stacks: shards of one admin plane, which must not meet (ci-shards.ts).
  const others = committedCiStacks(ctx.readStack).filter((c) => c.stack !== ctx.stack);

  const listed = p.record("ci.environments", entry.environments, fix);
  const environmentsKnown =
    listed !== undefined || (entry.environments === undefined && !misspelt.has("environments"));
  if (environmentsKnown && Object.keys(listed ?? {}).length === 0) {
    p.add(
      "ci.environments",
      entry.environments,
      "names no environment, so CI could deploy nothing",
      "List each environment stack under ci.environments, e.g. dev: {}.",
    );
  }
  for (const name of environmentsKnown
    ? previews.filter((s) => !Object.keys(listed ?? {}).includes(s))
    : []) {
    p.add(
      "ci.previews",
      name,
      "is not among ci.environments",
      "Name an environment the CI stack governs.",
    );
  }
  const environments = Object.keys(listed ?? {})
    .sort()
    .flatMap(
      (name) =>
        environment(p, name, p.record(`ci.environments.${name}`, listed![name] ?? {}, fix) ?? {}, {
          ...ctx,
          stackFile,
          ci: {
            prefix,
            project: project ?? "",
            repository,
            grantable: grantableKnown ? new Set(grantable) : undefined,
            bucketPrefix,
            previews,
            poolId,
            otherPools: others,
            ids:
              ids[0] !== undefined && ids[1] !== undefined
                ? { repositoryId: ids[0], repositoryOwnerId: ids[1] }
                : undefined,
          },
        }) ?? [],
    );
  checkGithubEnvironments(p, environments);
  checkSharedProjects(p, environments);
  checkServiceAccountQuota(p, environments, quota, project);
  checkOtherShards(
    p,
    {
      stackFile,
      project,
      poolId,
      bucketPrefix,
      listed: Object.keys(listed ?? {}),
      environments,
    },
    others,
    ctx.readStack,
  );
  p.collapseDerived({ path: "namePrefix", value: prefix, other: "the environments' names" });

  const [repositoryId, repositoryOwnerId] = ids;
  if (
    p.list.length > 0 ||
    project === undefined ||
    repository === undefined ||
    repositoryId === undefined ||
    repositoryOwnerId === undefined ||
    deployBranch === undefined ||
    location === undefined ||
    poolId === undefined ||
    providerId === undefined
  ) {
    return { problems: p.list };
  }
  return {
    problems: [],
    config: {
      project,
      stack: ctx.stack,
      namePrefix: prefix,
      repository,
      repositoryId,
      repositoryOwnerId,
      deployBranch,
      deployWorkflow,
      rotateWorkflow,
      location,
      keyRingId,
      poolId,
      providerId,
      grantableRoles: grantable,
      environments,
      labels: { "managed-by": "gemini-access-kit", purpose: "ci" },
    },
  };
}
