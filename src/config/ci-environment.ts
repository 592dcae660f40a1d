/**
 * One environment the CI stack governs: its committed stack file checked as the CI stack will apply
 * its foundation, its GitHub environments (whose names tell one job's trust from another's), its
 * state bucket and KMS key, and the subjects GitHub's tokens carry for its jobs.
 */

import { apiKeys } from "./api-key.ts";
import { probeAccount } from "../default-account.ts";
import { stackFileName } from "../cli/stacks.ts";
import { ACCOUNT_ID, BUCKET, GIT_NAME, type NameRule } from "../naming.ts";
import { defaultRotationEnvironment, poolOf, type CommittedCi } from "./committed-ci.ts";
import type { CiParseContext } from "./context.ts";
import { NAMESPACE } from "./keys.ts";
import { parseConfig } from "./parse.ts";
import type { Problems } from "./problems.ts";
import type { CiEnvironment, KitConfig } from "./types.ts";

const ENVIRONMENT_FIELDS = ["githubEnvironment", "rotationEnvironment", "adoptSecrets"] as const;
/** A Cloud KMS crypto key or key ring id. */
const KMS_ID: NameRule = {
  pattern: /^[A-Za-z0-9_-]{1,63}$/,
  allowed: "1-63 letters, digits, hyphens or underscores",
};
/** IAM's limit on `google.subject`, which the pool maps from the token's `sub` (WorkloadIdentityPoolProvider.attributeMapping). */
const MAX_SUBJECT_BYTES = 127;

/** `value` if it follows `rule`; reported and undefined otherwise. */
export function checked(
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
export function environment(
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
      /** The pool's id; undefined when it is itself wrong (already reported). */
      poolId?: string;
      /** The other committed CI stacks' pools, which admit this repository's jobs too. */
      otherPools: readonly CommittedCi[];
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
  const adoptSecrets =
    p.boolean(
      `${path}.adoptSecrets`,
      entry.adoptSecrets,
      "Write true to adopt the secrets an earlier version's environment stack made, else leave it out.",
    ) ?? false;
  const rotationEnvironment = checked(
    p,
    `${path}.rotationEnvironment`,
    p.string(
      `${path}.rotationEnvironment`,
      entry.rotationEnvironment,
      "Name the GitHub environment.",
    ) ?? defaultRotationEnvironment(githubEnvironment ?? name),
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
    ciPool:
      ctx.ci.poolId === undefined
        ? undefined
        : poolOf(
            { poolId: ctx.ci.poolId, stackFile: ctx.stackFile ?? stackFileName(ctx.stack) },
            ctx.ci.otherPools,
          ),
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
  checkProbe(p, config, fileName);
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
    config.accounts.some((a) => a.createKey) || apiKeys(config).length > 0
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
    adoptSecrets,
    oauthClientSet: file.encrypted.includes(`${NAMESPACE}:oauthClientJson`),
  };
}

/**
 * A GitHub environment is what tells one job's trust from another's: two jobs in one environment
 * (dev's rotation and prod's, or a deploy and a rotation) would each be trusted as the other.
 */
export function checkGithubEnvironments(p: Problems, environments: CiEnvironment[]): void {
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

/**
 * The verify gate's probe account, which the CI stack makes in the environment's project so the
 * deployer never acts as a consumer: its id must be one Google allows and no account of the stack's,
 * and no list may name it, or the deployer's gate would reach what that member reaches.
 */
function checkProbe(p: Problems, config: KitConfig, fileName: string): void {
  const probe = probeAccount(config);
  if (probe === undefined) return;
  if (!ACCOUNT_ID.pattern.test(probe.accountId))
    p.derived(
      `${fileName} namePrefix (the verify gate's probe account)`,
      probe.accountId,
      `is not a service-account id Google allows: ${ACCOUNT_ID.allowed}`,
      `Shorten namePrefix or the environment's name in ${fileName}.`,
    );
  const clash = config.accounts.find((a) => a.accountId === probe.accountId);
  if (clash !== undefined)
    p.add(
      `${fileName} serviceAccounts.${clash.key}`,
      clash.accountId,
      "is the id of the account CI's verify gate acts as, which the CI stack makes with no consumer",
      "Give the account another key in serviceAccounts.",
    );
  const member = `serviceAccount:${probe.email}`;
  const lists: [string, readonly string[]][] = [
    ...config.accounts.flatMap((a): [string, readonly string[]][] => [
      [`serviceAccounts.${a.key}.keyReaders`, a.keyReaders],
      [`serviceAccounts.${a.key}.impersonators`, a.impersonators],
    ]),
    ["apiKey.readers", config.apiKey?.readers ?? []],
    ["vertex.apiKey.readers", config.vertex?.apiKey?.readers ?? []],
    ["oauthClientReaders", config.oauth?.clientReaders ?? []],
  ];
  for (const [path, members] of lists)
    if (members.includes(member))
      p.add(
        `${fileName} ${path}`,
        member,
        "is the account CI's verify gate acts as: the deployer of every run could then read or act as what it lists",
        "Name the consumers themselves; the probe account is the gate's alone.",
      );
}
