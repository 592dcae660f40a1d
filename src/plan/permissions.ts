/**
 * What `pulumi up` of each resource type the kit registers asks Google to let the caller do: the
 * permissions of creating it, reading it back (the gcp provider, derived from the Terraform Google
 * provider, reads every resource after creating it and on every refresh), changing it in place and
 * deleting it. One table, used twice: CI's deployer is granted what its plane's types need
 * (ci/grants.ts), and preflight tests that the caller holds what a stack's resources need.
 *
 * Sources, per type: each API's REST reference ("Authorization requires the following IAM
 * permission"), cloud.google.com/iam/docs/roles-permissions for the permissions of a resource's
 * methods, and the provider's calls (hashicorp/terraform-provider-google, magic-modules mmv1).
 */

import type { RecordedResource } from "./record.ts";

interface TypePermissions {
  /** Checked on the project the resource is in. */
  project: readonly string[];
  /** Checked on the secret itself (the resource is a secret, or belongs to one). */
  secret?: readonly string[];
  /** Where the list comes from. */
  source: string;
}

const SECRET_VERSIONS = [
  "secretmanager.versions.add",
  "secretmanager.versions.destroy",
  "secretmanager.versions.disable",
  "secretmanager.versions.enable",
  "secretmanager.versions.get",
  "secretmanager.versions.list",
] as const;

/** By Pulumi type token. Component types (gemini-access-kit:index:*) call no API. */
const TYPE_PERMISSIONS: Readonly<Record<string, TypePermissions>> = {
  "gcp:projects/service:Service": {
    // Enabling reads the project through Resource Manager, lists the enabled services, enables in a
    // batch and waits for the operation; disableOnDestroy is false, so nothing disables.
    project: [
      "resourcemanager.projects.get",
      "serviceusage.operations.get",
      "serviceusage.services.enable",
      "serviceusage.services.get",
      "serviceusage.services.list",
    ],
    source:
      "cloud.google.com/service-usage/docs/access-control (services.enable, get, list); magic-modules resource_google_project_service (projects.get, then services.list state:ENABLED)",
  },
  "gcp:serviceaccount/account:Account": {
    project: [
      "iam.serviceAccounts.create",
      "iam.serviceAccounts.delete",
      "iam.serviceAccounts.get",
      "iam.serviceAccounts.update",
    ],
    source:
      "cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts (create, get, patch, delete: iam.serviceAccounts.*)",
  },
  "gcp:projects/iAMMember:IAMMember": {
    project: ["resourcemanager.projects.getIamPolicy", "resourcemanager.projects.setIamPolicy"],
    source:
      "cloudresourcemanager v1 projects.getIamPolicy / setIamPolicy (read, change, write the project's policy)",
  },
  "gcp:serviceaccount/iAMMember:IAMMember": {
    project: ["iam.serviceAccounts.getIamPolicy", "iam.serviceAccounts.setIamPolicy"],
    source:
      "cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/setIamPolicy (and getIamPolicy)",
  },
  "gcp:projects/iAMCustomRole:IAMCustomRole": {
    // A role deleted within the last 7 days is undeleted rather than created again.
    project: [
      "iam.roles.create",
      "iam.roles.delete",
      "iam.roles.get",
      "iam.roles.undelete",
      "iam.roles.update",
    ],
    source:
      "cloud.google.com/iam/docs/reference/rest/v1/projects.roles (create, get, patch, delete, undelete: iam.roles.*)",
  },
  "gcp:secretmanager/secret:Secret": {
    // Creating is checked on the project (the parent); the rest on the secret.
    project: ["secretmanager.secrets.create"],
    secret: [
      "secretmanager.secrets.delete",
      "secretmanager.secrets.get",
      "secretmanager.secrets.update",
    ],
    source:
      'cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create ("permission on the specified resource parent: secretmanager.secrets.create"), get, patch, delete',
  },
  "gcp:secretmanager/secretIamMember:SecretIamMember": {
    project: [],
    secret: ["secretmanager.secrets.getIamPolicy", "secretmanager.secrets.setIamPolicy"],
    source:
      "cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/setIamPolicy (and getIamPolicy)",
  },
  "gcp:secretmanager/secretVersion:SecretVersion": {
    // Written write-only (secretDataWo), so the provider never accesses a version's data.
    project: [],
    secret: SECRET_VERSIONS,
    source:
      "cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions (addVersion, get, list, enable, disable, destroy)",
  },
  "gcp:kms/keyRing:KeyRing": {
    project: ["cloudkms.keyRings.create", "cloudkms.keyRings.get"],
    source:
      "cloud.google.com/kms/docs/reference/rest/v1/projects.locations.keyRings/create (cloudkms.keyRings.create on the parent); key rings cannot be deleted",
  },
  "gcp:kms/cryptoKey:CryptoKey": {
    // Deleting a key destroys its versions (a key itself cannot be deleted).
    project: [
      "cloudkms.cryptoKeyVersions.destroy",
      "cloudkms.cryptoKeyVersions.list",
      "cloudkms.cryptoKeys.create",
      "cloudkms.cryptoKeys.get",
      "cloudkms.cryptoKeys.update",
    ],
    source:
      "cloud.google.com/kms/docs/reference/permissions-and-roles (cryptoKeys.create on the key ring, get, patch; cryptoKeyVersions.list, destroy)",
  },
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": {
    project: ["cloudkms.cryptoKeys.getIamPolicy", "cloudkms.cryptoKeys.setIamPolicy"],
    source:
      "cloud.google.com/kms/docs/reference/permissions-and-roles (cryptoKeys.getIamPolicy, setIamPolicy)",
  },
  "gcp:storage/bucket:Bucket": {
    project: [
      "storage.buckets.create",
      "storage.buckets.delete",
      "storage.buckets.get",
      "storage.buckets.update",
    ],
    source:
      "cloud.google.com/storage/docs/access-control/iam-json (buckets insert, get, patch, delete)",
  },
  "gcp:storage/bucketIAMMember:BucketIAMMember": {
    project: ["storage.buckets.getIamPolicy", "storage.buckets.setIamPolicy"],
    source:
      "cloud.google.com/storage/docs/access-control/iam-json (buckets getIamPolicy, setIamPolicy)",
  },
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": {
    project: [
      "iam.workloadIdentityPools.create",
      "iam.workloadIdentityPools.delete",
      "iam.workloadIdentityPools.get",
      "iam.workloadIdentityPools.update",
    ],
    source:
      'cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create ("iam.workloadIdentityPools.create on the parent"), get, patch, delete',
  },
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": {
    project: [
      "iam.workloadIdentityPoolProviders.create",
      "iam.workloadIdentityPoolProviders.delete",
      "iam.workloadIdentityPoolProviders.get",
      "iam.workloadIdentityPoolProviders.update",
    ],
    source:
      "cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers/create, get, patch, delete",
  },
};

/** What up of one project's resources needs there: on the project, and on each of its secrets by id. */
export interface ProjectNeeds {
  project: string;
  permissions: string[];
  /** Secret id to the permissions needed on it; those held on the project count too. */
  secrets: Map<string, string[]>;
}

/** The permissions of a set of types, for a grant: the project's, and those checked on a secret. */
export function typePermissions(types: readonly string[]): { project: string[]; secret: string[] } {
  const project = new Set<string>();
  const secret = new Set<string>();
  for (const type of types) {
    const entry = TYPE_PERMISSIONS[type];
    if (entry === undefined)
      throw new Error(`No permissions are listed for ${type}: add it to src/plan/permissions.ts.`);
    for (const p of entry.project) project.add(p);
    for (const p of entry.secret ?? []) secret.add(p);
  }
  return { project: [...project].sort(), secret: [...secret].sort() };
}

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;

/** The project a recorded resource is in: its `project` input, else one its parent's id names, else the stack's. */
export function projectOf(r: RecordedResource, fallback: string): string {
  const named = text(r.inputs.project);
  if (named !== undefined) return named;
  for (const field of ["serviceAccountId", "cryptoKeyId", "keyRing", "secretId", "secret"]) {
    const m = /^projects\/([^/]+)\//.exec(text(r.inputs[field]) ?? "");
    if (m !== null && !m[1]!.startsWith("NUMBER-OF-")) return m[1]!;
  }
  return fallback;
}

/** The id of the secret a secret resource is, or belongs to: its secretId input, or the id in its parent's name. */
function secretOf(r: RecordedResource, byUrn: Map<string, RecordedResource>): string | undefined {
  const own = text(r.inputs.secretId);
  if (own !== undefined && r.type === "gcp:secretmanager/secret:Secret") return own;
  const ref = text(r.inputs.secretId) ?? text(r.inputs.secret);
  const m = /secrets\/([^/]+)$/.exec(ref ?? "");
  if (m !== null) return m[1];
  // Planned: the secret's name is not known yet, but the resource depends on exactly one secret.
  const secrets = r.dependencies
    .map((u) => byUrn.get(u))
    .filter((d) => d?.type === "gcp:secretmanager/secret:Secret");
  return secrets.length === 1 ? text(secrets[0]!.inputs.secretId) : undefined;
}

/**
 * Per project, the permissions up of these resources needs: the same table the CI grants use, so a
 * deployer that holds its grants passes, and a caller that lacks one is told which.
 */
export function neededPermissions(
  resources: readonly RecordedResource[],
  stackProject: string,
): ProjectNeeds[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const projects = new Map<
    string,
    { permissions: Set<string>; secrets: Map<string, Set<string>> }
  >();
  for (const r of resources.filter((x) => x.custom)) {
    const entry = TYPE_PERMISSIONS[r.type];
    if (entry === undefined)
      throw new Error(
        `No permissions are listed for ${r.type}: add it to src/plan/permissions.ts.`,
      );
    const project = projectOf(r, stackProject);
    const needs = projects.get(project) ?? {
      permissions: new Set<string>(),
      secrets: new Map<string, Set<string>>(),
    };
    projects.set(project, needs);
    for (const p of entry.project) needs.permissions.add(p);
    if (entry.secret !== undefined) {
      const id = secretOf(r, byUrn);
      if (id === undefined) {
        for (const p of entry.secret) needs.permissions.add(p);
        continue;
      }
      const held = needs.secrets.get(id) ?? new Set<string>();
      for (const p of entry.secret) held.add(p);
      needs.secrets.set(id, held);
    }
  }
  return [...projects]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([project, n]) => ({
      project,
      permissions: [...n.permissions].sort(),
      secrets: new Map(
        [...n.secrets].sort(([a], [b]) => a.localeCompare(b)).map(([id, p]) => [id, [...p].sort()]),
      ),
    }));
}
