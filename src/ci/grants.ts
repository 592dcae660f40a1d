/**
 * What each CI identity may do, fixed by kind rather than derived from what an environment stack
 * currently holds: adding a role, a key, an API key or a secret to an environment changes none of
 * these. Pure, so the CI stack, the plan and the tests state the same grants.
 *
 * The deployer applies an environment stack's workload plane, the OAuth client's version, and nothing
 * else: the foundation (APIs, accounts, their roles, impersonators, the secrets and who reads them)
 * is the CI stack's, keys and API keys the rotator's. It holds no permission on any IAM policy, none
 * to create, change or read a secret, and none in the CI project beyond its own state bucket and
 * KMS key; before its up, preflight reads the project's state (read-only), and after it the verify
 * gate acts as the environment's probe account, which no consumer uses.
 *
 * The rotator, for an environment whose stack declares keys, makes and deletes the keys of exactly
 * the keyed accounts, manages exactly the key secrets' versions (never reading one), and the
 * project's API keys. Its grants follow what the environment declares, and change only through the
 * CI stack, which an administrator applies.
 */

import { typePermissions } from "../permissions.ts";

/** What the deployer applies: an environment stack's workload plane (the OAuth client's version). */
const WORKLOAD_TYPES = ["gcp:secretmanager/secretVersion:SecretVersion"] as const;

const WORKLOAD = typePermissions(WORKLOAD_TYPES);

/**
 * Writing the OAuth client file as a version of its secret, which the CI stack created: granted on
 * that one secret (oneSecretCondition). The workload plane's permissions on a secret, from the table
 * preflight checks too (src/permissions.ts); nothing on the project, and neither
 * secrets.setIamPolicy (who reads) nor secrets.update (the rotator's ledger lives in the key
 * secrets' annotations).
 */
export const DEPLOYER_SECRET_PERMISSIONS: readonly string[] = WORKLOAD.secret ?? [];

/**
 * What preflight reads in the environment's project before the deployer's up, and nothing else:
 * the project (also what Cloud Billing's billingInfo asks for: cloud.google.com/billing/docs/reference/rest/v1/projects/getBillingInfo),
 * its effective organization policies (orgpolicy.policy.get, the permission roles/orgpolicy.policyViewer
 * grants for getEffectivePolicy), which services are enabled, and the names and restrictions of its
 * API keys (apikeys.keys.list lists no key string; getKeyString is another permission). All read-only.
 */
export const PREFLIGHT_READ_PERMISSIONS = [
  "apikeys.keys.list",
  "orgpolicy.policy.get",
  "resourcemanager.projects.get",
  "serviceusage.services.get",
  "serviceusage.services.list",
] as const;

/** An IAM condition on one role binding. */
export interface Condition {
  title: string;
  description: string;
  expression: string;
}

/**
 * The rotator's rights on the key secrets: its ledger in their annotations (secrets.get, .update)
 * and their versions (add, list, get: a version read by its number, where a list may lag, and
 * destroy). Never versions.access: it adds what it makes and reads nothing back. Narrower than roles/secretmanager.secretVersionManager, which lacks the annotations.
 */
export const ROTATOR_SECRET_PERMISSIONS = [
  "secretmanager.secrets.get",
  "secretmanager.secrets.update",
  "secretmanager.versions.add",
  "secretmanager.versions.destroy",
  "secretmanager.versions.get",
  "secretmanager.versions.list",
] as const;

/**
 * The organization policies on service-account keys, which the rotator reads before it makes one
 * (orgpolicy.policy.get, what getEffectivePolicy checks); read-only, on the project alone.
 */
export const ROTATOR_POLICY_PERMISSIONS = ["orgpolicy.policy.get"] as const;

/**
 * The project's API keys: make, list, read, read the string of (the rotator hands it to the
 * secret), delete, and wait for the long-running create and delete (operations.get is
 * serviceusage.operations.get, cloud.google.com/api-keys/docs/access-control). API Keys takes no
 * IAM Conditions on resource names, so this is the project's every key.
 */
export const ROTATOR_API_KEY_PERMISSIONS = [
  "apikeys.keys.create",
  "apikeys.keys.delete",
  "apikeys.keys.get",
  "apikeys.keys.getKeyString",
  "apikeys.keys.list",
  "serviceusage.operations.get",
] as const;

/**
 * Binding an API key to the one account it is for, and deleting such a key: the predefined role
 * that holds exactly iam.serviceAccountApiKeyBindings.create, .delete and .undelete (the
 * permissions Google names for bound keys, ai.google.dev/gemini-api/docs/api-key), granted on
 * that account alone.
 */
export const API_KEY_BINDING_ROLE = "roles/iam.serviceAccountApiKeyBindingAdmin";

/** Making and deleting the keys of one account, granted on that account, not the project. */
export const KEY_ADMIN_ROLE = "roles/iam.serviceAccountKeyAdmin";

/**
 * Limits a binding to one secret and its versions, by `projects/NUMBER/secrets/ID`: one logical
 * operator. Secret Manager names secrets with the project's number in conditions, never its id
 * (iam/docs/conditions-resource-attributes). The rotator gets one such binding per key secret (IAM
 * allows 20 of one role and member: naming.ts, IAM_CONDITION_LIMITS), where one condition naming
 * every secret grew by two operators a secret past IAM's 12; the deployer one, on the OAuth
 * client's secret.
 */
export function oneSecretCondition(
  projectNumber: string,
  secretId: string,
  what = "key-secret",
): Condition {
  const name = `projects/${projectNumber}/secrets/${secretId}`;
  return {
    title: `${what}-${secretId}`.slice(0, 100),
    description: `Only the secret ${secretId} and its versions.`,
    expression: `resource.name == '${name}' || resource.name.startsWith('${name}/')`,
  };
}

/** A custom role's id: letters, digits, `_` and `.`, 3-64 (IAM projects.roles.create). */
export function customRoleId(prefix: string, what: string, environment: string): string {
  return `${prefix}_${what}_${environment}`.replace(/[^A-Za-z0-9_.]/g, "_");
}

/** The predefined roles CI identities hold on their own state bucket and KMS key. */
export const STATE_ROLES = {
  deployer: {
    bucket: "roles/storage.objectUser",
    key: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
  },
  previewer: { bucket: "roles/storage.objectViewer", key: "roles/cloudkms.cryptoKeyDecrypter" },
} as const;

/**
 * What the previewer may read of its environment's state bucket: the bucket itself (listing names,
 * which hold no value), the backend's meta file and each stack's current checkpoint, never
 * `.pulumi/backups/`, `.pulumi/history/` or a checkpoint's `.bak` copy, which may hold what an
 * older checkpoint held. Cloud Storage names objects `projects/_/buckets/BUCKET/objects/NAME` in
 * conditions and the bucket `projects/_/buckets/BUCKET` (iam/docs/conditions-resource-attributes).
 * A condition cannot name an object's generation: a noncurrent generation of a checkpoint stays
 * readable, which is why state that ever held a key is never previewed (docs/ci.md).
 */
export function previewerStateCondition(bucket: string): Condition {
  const objects = `projects/_/buckets/${bucket}/objects/.pulumi`;
  return {
    title: "current-checkpoints-only",
    description: "The bucket, the backend's meta file and each stack's current checkpoint.",
    expression:
      `resource.type == 'storage.googleapis.com/Bucket' || ` +
      `resource.name == '${objects}/meta.yaml' || ` +
      `(resource.name.startsWith('${objects}/stacks/') && resource.name.endsWith('.json'))`,
  };
}

/**
 * What the deployer's verify gate may do with the environment's probe account: mint an access
 * token, nothing else (roles/iam.serviceAccountTokenCreator would add ID tokens, signJwt and
 * signBlob). A custom role in the environment's project, granted on the probe account alone.
 */
export const GATE_PERMISSIONS = ["iam.serviceAccounts.getAccessToken"] as const;

/**
 * The Data Access audit logs the kit turns on (off by default for every service but BigQuery:
 * cloud.google.com/logging/docs/audit/configure-data-access): who read which secret, in each
 * environment's project; who read or decrypted state, in the CI project.
 */
export const AUDITED_READS = {
  environment: ["secretmanager.googleapis.com"],
  ci: ["cloudkms.googleapis.com", "storage.googleapis.com"],
} as const;

/**
 * How long a deleted state object stays restorable (Cloud Storage soft delete; 7 to 90 days, the
 * default 7: cloud.google.com/storage/docs/soft-delete): the longest, since a deployer may delete
 * the versions of its own state.
 */
export const STATE_SOFT_DELETE_SECONDS = 90 * 24 * 3600;

/**
 * The APIs the CI project enables: what the CI accounts call with the CI project as the quota
 * project. Cloud KMS charges its requests to the caller's project (cloud.google.com/kms/quotas), so
 * without it there every CI decryption of state fails with "KMS API has not been used in project".
 */
export const CI_PROJECT_APIS = [
  // The rotator's calls to API Keys and Organization Policy, and the deployer's preflight calls (API Keys, Cloud Billing,
  // Organization Policy, Resource Manager, Service Usage), are charged to the caller's own project
  // (client-based quota: a service account's calls to the project it belongs to).
  "apikeys.googleapis.com",
  "cloudbilling.googleapis.com",
  "cloudkms.googleapis.com",
  "cloudresourcemanager.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "orgpolicy.googleapis.com",
  "secretmanager.googleapis.com",
  "serviceusage.googleapis.com",
  "storage.googleapis.com",
  "sts.googleapis.com",
] as const;
