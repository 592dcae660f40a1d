/**
 * The CI stack's config: which GitHub repository (by its numeric ids), which workflow file, branch
 * and GitHub environments may act in which environment, where each environment's state lives, and
 * which roles the environments' accounts may hold. The CI stack reads each environment's committed
 * stack file with the same pure check the environment's own `pulumi up` runs, so what it grants
 * follows from what is committed.
 */

import { stackFileName } from "../cli/stacks.ts";
import {
  ACCOUNT_ID,
  BUCKET,
  GIT_NAME,
  GITHUB_REPOSITORY,
  LOCATION,
  PROJECT_ID,
  WORKLOAD_IDENTITY_ID,
  type NameRule,
} from "../naming.ts";
import { NAMESPACE } from "./keys.ts";
import { parseRoles } from "./members.ts";
import { Problems, type Problem } from "./problems.ts";
import { checkKeys, parseConfig, type ParseContext, type RawConfig } from "./parse.ts";
import type { StackFile } from "./stack-file.ts";
import type { CiConfig, CiEnvironment } from "./types.ts";

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
] as const;
const ENVIRONMENT_FIELDS = ["githubEnvironment", "rotationEnvironment"] as const;
const NUMERIC_ID = /^\d{1,20}$/;
const WORKFLOW = /^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/;
/** A Cloud KMS crypto key or key ring id. */
const KMS_ID: NameRule = {
  pattern: /^[A-Za-z0-9_-]{1,63}$/,
  allowed: "1-63 letters, digits, hyphens or underscores",
};
/** IAM's limit on `google.subject`, which the pool maps from the token's `sub` (WorkloadIdentityPoolProvider.attributeMapping). */
const MAX_SUBJECT_BYTES = 127;

export interface CiParseContext extends Omit<ParseContext, "governing"> {
  /** An environment stack's committed file, by stack name; undefined when there is none. */
  readStack: (stack: string) => StackFile | undefined;
}

function checked(
  p: Problems,
  path: string,
  value: string | undefined,
  rule: NameRule,
  fix: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (rule.pattern.test(value)) return value;
  p.add(path, value, `is not allowed; expected ${rule.allowed}`, fix);
  return undefined;
}

/**
 * The subjects GitHub gives a job in an environment: `repo:OWNER/NAME:environment:ENV`, and, for
 * repositories created, renamed or transferred since 2026-07-15, the immutable form with the ids,
 * `repo:OWNER@OWNER_ID/NAME@REPO_ID:environment:ENV` (GitHub's OpenID Connect reference, "Immutable
 * subject claims"). The trust binds both, since which one a repository has is GitHub's to decide.
 */
export function jobSubjects(
  repository: string,
  ids: { repositoryId: string; repositoryOwnerId: string },
  githubEnvironment: string,
): string[] {
  const [owner, name] = repository.split("/");
  return [
    `repo:${repository}:environment:${githubEnvironment}`,
    `repo:${owner!}@${ids.repositoryOwnerId}/${name!}@${ids.repositoryId}:environment:${githubEnvironment}`,
  ];
}

/** One governed environment: its stack file checked as the CI stack will apply its foundation. */
function environment(
  p: Problems,
  name: string,
  entry: Record<string, unknown>,
  ctx: CiParseContext & {
    ci: {
      prefix: string;
      project: string;
      repository?: string;
      ids?: { repositoryId: string; repositoryOwnerId: string };
      grantable?: ReadonlySet<string>;
      bucketPrefix?: string;
      previews: readonly string[];
    };
  },
): CiEnvironment | undefined {
  const path = `ci.environments.${name}`;
  const before = p.list.length;
  p.unknownFields(path, entry, ENVIRONMENT_FIELDS);
  const githubEnvironment = checked(
    p,
    `${path}.githubEnvironment`,
    p.string(
      `${path}.githubEnvironment`,
      entry.githubEnvironment,
      "Name the GitHub environment.",
    ) ?? name,
    GIT_NAME,
    "Name the GitHub environment of the deploy job.",
  );
  const rotationEnvironment = checked(
    p,
    `${path}.rotationEnvironment`,
    p.string(
      `${path}.rotationEnvironment`,
      entry.rotationEnvironment,
      "Name the GitHub environment.",
    ) ?? `${githubEnvironment ?? name}-rotation`,
    GIT_NAME,
    "Name the GitHub environment of the rotation job.",
  );
  const file = ctx.readStack(name);
  const fileName = stackFileName(name);
  if (file === undefined) {
    p.add(
      path,
      name,
      `names no environment stack: there is no ${fileName}`,
      "Name a committed stack, or add its stack file.",
    );
    return undefined;
  }
  // The client file is not the foundation's business, and is encrypted in the file anyway.
  const raw: Record<string, string> = { ...file.raw };
  delete raw[`${NAMESPACE}:oauthClientRequired`];
  const { config, problems } = parseConfig(raw, {
    stack: name,
    stackFile: fileName,
    secretKeys: new Set(file.encrypted),
    secretsProvider: file.secretsProvider,
    governing:
      ctx.ci.grantable === undefined
        ? undefined
        : { grantable: ctx.ci.grantable, ciStackFile: ctx.stackFile ?? stackFileName(ctx.stack) },
  });
  for (const problem of problems)
    p.add(`${fileName} ${problem.path}`, problem.got, problem.message, problem.fix);
  if (config === undefined) return undefined;
  if (config.foundation !== "ci") {
    p.add(
      path,
      name,
      `governs ${fileName}, which does not set foundation: ci, so both stacks would create its accounts`,
      `Set gemini-access-kit:foundation: ci in ${fileName}, or remove ${path}.`,
    );
  }
  if (config.project === ctx.ci.project) {
    p.add(
      path,
      config.project,
      "deploys to the CI project itself; CI's accounts and state must live apart from what CI deploys",
      "Give the CI stack its own project (gcp:project), or deploy the environment to another.",
    );
  }
  const jobs = [
    ["githubEnvironment", githubEnvironment, "deploy"],
    ["rotationEnvironment", rotationEnvironment, "rotation"],
  ] as const;
  for (const [field, env, job] of ctx.ci.repository !== undefined && ctx.ci.ids !== undefined
    ? jobs
    : []) {
    if (env === undefined) continue;
    const bytes = Math.max(
      ...jobSubjects(ctx.ci.repository!, ctx.ci.ids!, env).map((s) => Buffer.byteLength(s)),
    );
    if (bytes > MAX_SUBJECT_BYTES) {
      p.add(
        `${path}.${field}`,
        env,
        `makes the ${job} job's subject ${bytes} bytes; Workload Identity Federation allows ${MAX_SUBJECT_BYTES}`,
        "Shorten the GitHub environment's name (or the repository's).",
      );
    }
  }
  const account = (role: string) => {
    const accountId = `${ctx.ci.prefix}-${role}-${name}`;
    if (!ACCOUNT_ID.pattern.test(accountId))
      p.derived(
        `${path} (its ${role} account)`,
        accountId,
        `is not a service-account id Google allows: ${ACCOUNT_ID.allowed}`,
        "Shorten namePrefix or the environment's name.",
      );
    return { accountId, email: `${accountId}@${ctx.ci.project}.iam.gserviceaccount.com` };
  };
  const stateBucket =
    ctx.ci.bucketPrefix === undefined ? undefined : `${ctx.ci.bucketPrefix}-${name}`;
  if (stateBucket !== undefined && !BUCKET.pattern.test(stateBucket)) {
    p.derived(
      `${path} (its state bucket)`,
      stateBucket,
      `is not a bucket name Cloud Storage allows: ${BUCKET.allowed}`,
      "Shorten ci.stateBucketPrefix or the environment's name.",
    );
  }
  checked(
    p,
    path,
    name,
    KMS_ID,
    "Name the environment with letters, digits, hyphens or underscores.",
  );
  const deployer = account("deploy");
  const previewer = ctx.ci.previews.includes(name) ? account("preview") : undefined;
  const rotator =
    config.accounts.some((a) => a.createKey) || config.apiKey !== undefined
      ? account("rotate")
      : undefined;
  // A preview decrypts the stack's config to run the program; a pull request's code runs with it.
  if (
    previewer !== undefined &&
    (file.encrypted.length > 0 || file.raw[`${NAMESPACE}:oauthClientRequired`] === "true")
  ) {
    p.add(
      "ci.previews",
      name,
      `would let every pull request decrypt ${fileName}'s secret settings (${file.encrypted.join(", ") || "the required OAuth client"}): a preview runs the pull request's code with the key that decrypts them`,
      `Remove ${name} from ci.previews; pull requests get the offline plan (npm run plan) for it.`,
    );
  }
  // A passphrase stack cannot even be opened without the passphrase, which decrypts every passphrase stack.
  if (previewer !== undefined && file.secretsProvider === "passphrase") {
    p.add(
      "ci.previews",
      name,
      `cannot be previewed by pull requests: ${fileName} uses a passphrase, and handing it to a pull request's code would let that code decrypt every stack that shares it`,
      `Move ${name} to its KMS key (pulumi stack change-secrets-provider with the CI stack's ci.environments.${name}.secretsProvider output), or remove it from ci.previews.`,
    );
  }
  if (
    p.list.length > before ||
    githubEnvironment === undefined ||
    rotationEnvironment === undefined ||
    stateBucket === undefined
  )
    return undefined;
  return {
    name,
    githubEnvironment,
    config,
    stateBucket,
    kmsKeyId: name,
    deployer,
    previewer,
    rotator,
    rotationEnvironment,
  };
}

/**
 * A GitHub environment is what tells one job's trust from another's: two jobs in one environment
 * (dev's rotation and prod's, or a deploy and a rotation) would each be trusted as the other.
 */
function checkGithubEnvironments(p: Problems, environments: CiEnvironment[]): void {
  const owner = new Map<string, string>();
  for (const e of environments) {
    // The rotation environment of a keyless stack too: it is trusted the day the stack gets a key.
    const jobs: [string, string][] = [
      [`ci.environments.${e.name}.githubEnvironment`, e.githubEnvironment],
      [`ci.environments.${e.name}.rotationEnvironment`, e.rotationEnvironment],
    ];
    for (const [path, name] of jobs) {
      const other = owner.get(name);
      if (other !== undefined)
        p.add(
          path,
          name,
          `is also ${other}: each job's trust is told apart by its GitHub environment`,
          "Give every environment's deploy and rotation jobs GitHub environments of their own.",
        );
      else owner.set(name, path);
    }
  }
}

/** Checks a CI stack's raw config; returns the resolved config, or every problem found. */
export function parseCiConfig(
  raw: RawConfig,
  ctx: CiParseContext,
): { config?: CiConfig; problems: Problem[] } {
  const p = new Problems();
  const stackFile = ctx.stackFile ?? stackFileName(ctx.stack);
  const fix = `Correct it in ${stackFile}.`;
  const v = checkKeys(p, raw, ctx.secretKeys, ["namePrefix", "ci"], stackFile);
  const project = raw["gcp:project"];
  if (project === undefined)
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
    text("poolId") ?? `${prefix}-github`,
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
            ids:
              ids[0] !== undefined && ids[1] !== undefined
                ? { repositoryId: ids[0], repositoryOwnerId: ids[1] }
                : undefined,
          },
        }) ?? [],
    );
  checkGithubEnvironments(p, environments);
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
