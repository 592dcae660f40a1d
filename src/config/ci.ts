/**
 * The ciIdentity setting: which GitHub repository (and, for deployments, which branch and
 * environment) may act in the project through Workload Identity Federation.
 */

import {
  ACCOUNT_ID, BUCKET, GIT_NAME, GITHUB_REPOSITORY, KMS_KEY, WORKLOAD_IDENTITY_ID, type NameRule, type Names,
} from "../naming.ts";
import type { Problems } from "./problems.ts";
import type { AccountConfig, CiIdentityConfig } from "./types.ts";

const FIELDS = ["repository", "repositoryId", "deployBranch", "deployEnvironment", "stateBucket", "kmsKey", "poolId", "providerId"] as const;
/** The serviceAccounts keys the CI accounts' ids derive from; a stack's own accounts cannot use them. */
export const CI_ACCOUNT_KEYS = { deployer: "deployer", previewer: "previewer" } as const;

export interface CiContext {
  names: Names;
  accounts: AccountConfig[];
  stackFile: string;
}

/** An id the kit derives: a problem with it is the prefix's or environment's (see Problems.collapseDerived). */
function derivedId(p: Problems, path: string, value: string, rule: NameRule, fix: string): string | undefined {
  if (rule.pattern.test(value)) return value;
  p.derived(path, value, `is not allowed; expected ${rule.allowed}`, fix);
  return undefined;
}

function checked(p: Problems, path: string, value: string | undefined, rule: NameRule, fix: string): string | undefined {
  if (value === undefined) return undefined;
  if (rule.pattern.test(value)) return value;
  p.add(path, value, `is not allowed; expected ${rule.allowed}`, fix);
  return undefined;
}

/** Accepts the bucket as `gs://name` too, since that is how the backend URL names it. */
function bucketName(value: string | undefined): string | undefined {
  return value?.replace(/^gs:\/\//, "").replace(/\/.*$/, "");
}

/** Parses ciIdentity; undefined when it is absent or has problems (they are recorded). */
export function parseCiIdentity(p: Problems, raw: unknown, ctx: CiContext): CiIdentityConfig | undefined {
  const fix = `Correct it in ${ctx.stackFile}.`;
  const entry = p.record("ciIdentity", raw, "Write ciIdentity as a map: repository, deployBranch, deployEnvironment.");
  if (entry === undefined) return undefined;
  const before = p.list.length;
  p.unknownFields("ciIdentity", entry, FIELDS);

  const repositoryRaw = p.string("ciIdentity.repository", entry.repository, fix);
  if (repositoryRaw === undefined) {
    p.add("ciIdentity.repository", undefined, "is not set; it names the one GitHub repository the CI identity trusts", "Set it to owner/name.");
  }
  const repository = checked(p, "ciIdentity.repository", repositoryRaw, GITHUB_REPOSITORY, "Write the repository as owner/name.");
  const repositoryId = p.string("ciIdentity.repositoryId", entry.repositoryId, "Quote the id in the stack file.");
  if (repositoryId !== undefined && !/^\d{1,20}$/.test(repositoryId)) {
    p.add("ciIdentity.repositoryId", repositoryId, "is not GitHub's numeric repository id", "Find it with: gh api repos/OWNER/NAME --jq .id");
  }
  const deployBranch = checked(p, "ciIdentity.deployBranch", p.string("ciIdentity.deployBranch", entry.deployBranch, fix) ?? "main", GIT_NAME, "Name the branch deployments run from.");
  const deployEnvironment = checked(p, "ciIdentity.deployEnvironment", p.string("ciIdentity.deployEnvironment", entry.deployEnvironment, fix), GIT_NAME, "Name the GitHub environment of the up job.");
  const poolIdSet = p.string("ciIdentity.poolId", entry.poolId, fix);
  const poolId = poolIdSet !== undefined
    ? checked(p, "ciIdentity.poolId", poolIdSet, WORKLOAD_IDENTITY_ID, "Choose another pool id.")
    : derivedId(p, "ciIdentity.poolId", ctx.names.workloadIdentityPoolId(), WORKLOAD_IDENTITY_ID, "Set ciIdentity.poolId, or shorten namePrefix or environment.");
  const providerId = checked(p, "ciIdentity.providerId", p.string("ciIdentity.providerId", entry.providerId, fix) ?? "github", WORKLOAD_IDENTITY_ID, "Choose another provider id.");
  const stateBucket = checked(p, "ciIdentity.stateBucket", bucketName(p.string("ciIdentity.stateBucket", entry.stateBucket, fix)), BUCKET, "Name the bucket of the gs:// backend.");
  const kmsKey = checked(p, "ciIdentity.kmsKey", p.string("ciIdentity.kmsKey", entry.kmsKey, fix)?.replace(/^gcpkms:\/\//, ""), KMS_KEY, "Use the key of the gcpkms:// secrets provider.");

  for (const key of Object.values(CI_ACCOUNT_KEYS)) {
    if (ctx.accounts.some((a) => a.key === key || a.accountId === ctx.names.accountId(key))) {
      p.add(`serviceAccounts.${key}`, key, "has the id the CI identity gives its own account", "Rename the entry, or set its accountId.");
    }
  }
  const account = (key: string) => {
    const accountId = ctx.names.accountId(key);
    return { accountId, email: ctx.names.accountEmail(accountId) };
  };
  for (const key of Object.values(CI_ACCOUNT_KEYS)) {
    const { accountId } = account(key);
    if (!ACCOUNT_ID.pattern.test(accountId)) {
      p.derived(`ciIdentity (its ${key} account)`, accountId, `is not a service-account id Google allows: ${ACCOUNT_ID.allowed}`, "Shorten namePrefix or environment.");
    }
  }
  if (p.list.length > before || repository === undefined || deployBranch === undefined || poolId === undefined || providerId === undefined) return undefined;
  return {
    repository, repositoryId, deployBranch, deployEnvironment, poolId, providerId, stateBucket, kmsKey,
    deployer: account(CI_ACCOUNT_KEYS.deployer),
    previewer: account(CI_ACCOUNT_KEYS.previewer),
  };
}
