/**
 * What `pulumi up` of each resource type the kit registers asks Google to let the caller do: the
 * permissions of creating it, reading it back (the gcp provider, derived from the Terraform Google
 * provider, reads every resource after creating it and on every refresh), changing it in place and
 * deleting it. One table, used twice: CI's deployer is granted what its plane's types need
 * (ci/grants.ts), and preflight tests that the caller holds what a stack's resources need
 * (preflight/needs.ts).
 *
 * Sources, per type: each API's REST reference ("Authorization requires the following IAM
 * permission"), cloud.google.com/iam/docs/roles-permissions for the permissions of a resource's
 * methods, and the provider's calls (hashicorp/terraform-provider-google, magic-modules mmv1).
 */

interface TypePermissions {
  /** Checked on the project the resource is in. */
  project: readonly string[];
  /** Checked on the secret itself (the resource is a secret, or belongs to one). */
  secret?: readonly string[];
  /** Checked on the folder or organization a project is created under. */
  parent?: readonly string[];
  /** Checked on the billing account a project is linked to, or a budget is on. */
  billingAccount?: readonly string[];
  /** What adopting one that exists (the `import` option) needs instead: reading it. */
  imported?: readonly string[];
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
  "gcp:organizations/project:Project": {
    // Created under its parent, then linked to billing (updateBillingInfo needs both the project's
    // createBillingAssignment and the account's resourceAssociations.create; the provider tests
    // the latter first), read back with its billing, and later updated (name, labels, billing).
    // deletionPolicy PREVENT: never deleted. Creating it also enables Compute Engine and deletes the
    // default network and its firewall rules (autoCreateNetwork false), which the creator may do
    // as its owner (Resource Manager projects.create: a project is "owned by its creator
    // exclusively"); nothing in the project can be tested before it exists.
    project: [
      "resourcemanager.projects.createBillingAssignment",
      "resourcemanager.projects.get",
      "resourcemanager.projects.update",
    ],
    parent: ["resourcemanager.projects.create"],
    billingAccount: ["billing.resourceAssociations.create"],
    // Adopting reads the project and its billing (getBillingInfo needs resourcemanager.projects.get).
    imported: ["resourcemanager.projects.get"],
    source:
      "cloud.google.com/resource-manager/reference/rest/v1/projects/create (resourcemanager.projects.create on the parent), get, update; cloud.google.com/billing/docs/reference/rest/v1/projects/updateBillingInfo; terraform-provider-google resource_google_project.go (the billing pre-check, the default network's deletion)",
  },
  "gcp:resourcemanager/lien:Lien": {
    project: ["resourcemanager.projects.get", "resourcemanager.projects.updateLiens"],
    source:
      "cloud.google.com/resource-manager/docs/project-liens (placing and removing a lien: resourcemanager.projects.updateLiens; listing: resourcemanager.projects.get)",
  },
  "gcp:projects/defaultServiceAccounts:DefaultServiceAccounts": {
    // DEPRIVILEGE lists the accounts and removes the default ones from the project's IAM policy.
    project: [
      "iam.serviceAccounts.list",
      "resourcemanager.projects.getIamPolicy",
      "resourcemanager.projects.setIamPolicy",
    ],
    source:
      "terraform-provider-google resource_google_project_default_service_accounts.go (serviceAccounts.list, projects.getIamPolicy, projects.setIamPolicy)",
  },
  "gcp:essentialcontacts/contact:Contact": {
    project: [
      "essentialcontacts.contacts.create",
      "essentialcontacts.contacts.delete",
      "essentialcontacts.contacts.get",
      "essentialcontacts.contacts.update",
    ],
    source:
      "cloud.google.com/resource-manager/docs/managing-notification-contacts (roles/essentialcontacts.admin: essentialcontacts.contacts.*)",
  },
  "gcp:billing/budget:Budget": {
    project: [],
    billingAccount: [
      "billing.budgets.create",
      "billing.budgets.delete",
      "billing.budgets.get",
      "billing.budgets.update",
    ],
    source:
      "cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets (create, get, patch, delete on the billing account: billing.budgets.*)",
  },
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
  "gcp:projects/serviceIdentity:ServiceIdentity": {
    // The provider only creates it (services.generateServiceIdentity, a long-running operation it
    // waits on); update, read-back and delete are no-ops in it.
    project: ["serviceusage.operations.get", "serviceusage.services.generateServiceIdentity"],
    source:
      "cloud.google.com/service-usage/docs/reference/rest/v1beta1/services/generateServiceIdentity (an Operation); its permission, serviceusage.services.generateServiceIdentity (not in roles/serviceusage.serviceUsageAdmin: src/ci/predefined-roles.json); magic-modules resource_project_service_identity (create only)",
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
  "gcp:projects/iAMAuditConfig:IAMAuditConfig": {
    // The audit configuration is part of the project's IAM policy.
    project: ["resourcemanager.projects.getIamPolicy", "resourcemanager.projects.setIamPolicy"],
    source:
      "cloud.google.com/logging/docs/audit/configure-data-access (auditConfigs in the project's IAM policy: getIamPolicy / setIamPolicy)",
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

/** What up of one resource of `type` needs; a type the table lacks is a bug of the kit's. */
export function permissionsOf(type: string): TypePermissions {
  const entry = TYPE_PERMISSIONS[type];
  if (entry === undefined)
    throw new Error(`No permissions are listed for ${type}: add it to src/permissions.ts.`);
  return entry;
}

/** The permissions of a set of types, for a grant: the project's, and those checked on a secret. */
export function typePermissions(types: readonly string[]): { project: string[]; secret: string[] } {
  const project = new Set<string>();
  const secret = new Set<string>();
  for (const type of types) {
    const entry = permissionsOf(type);
    for (const p of entry.project) project.add(p);
    for (const p of entry.secret ?? []) secret.add(p);
  }
  return { project: [...project].sort(), secret: [...secret].sort() };
}
