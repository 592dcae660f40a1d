/**
 * A stack's inventory: every resource a fresh `up` registers, with what decides its identity in the
 * cloud. Pulumi matches a resource to its state by URN (type, name and parent chain), so a renamed or
 * re-parented resource is deleted and created again unless it carries an alias; and the provider
 * replaces a resource when an input it cannot update changes. The committed inventories
 * (inventory/<stack>.json) make both kinds of change visible in review: a test fails when the program
 * no longer produces them, and `npm run inventory` writes them again.
 */

import type { Plan } from "../offline-plan/plan.ts";
import { UNKNOWN } from "../offline-plan/monitor-messages.ts";
import type { RecordedResource } from "../offline-plan/record.ts";
import { shortType } from "./render.ts";

/**
 * The inputs whose change makes the provider replace the resource: ForceNew in terraform-provider-
 * google's schemas, `immutable` in magic-modules' product files, which @pulumi/gcp bridges one to
 * one (read at terraform-provider-google e03b7622, magic-modules d5778440: resourcemanager's
 * project_service, service_account, iam_project and iam_service_account; tpgiamresource's
 * resource_iam_member; secretmanager's Secret.yaml and SecretVersion.yaml; apikeys_key; iambeta's
 * pools and providers; the storage and kms IAM members). Key rings, keys, buckets and custom roles
 * take their ids at creation and cannot rename. Types not listed (the kit's components) have no
 * inputs of their own: their identity is their URN. A secret version's data (secretData, and
 * secretDataWoVersion, the kit's digest of write-only data) also replaces it, but that is a new
 * value under the same name, the designed way to store one, not a move: it is left out.
 */
const IDENTITY_INPUTS: Readonly<Record<string, readonly string[]>> = {
  "gcp:projects/service:Service": ["project", "service"],
  // resource_project_service_identity has no update: both of its inputs are ForceNew.
  "gcp:projects/serviceIdentity:ServiceIdentity": ["project", "service"],
  "gcp:serviceaccount/account:Account": ["project", "accountId"],
  "gcp:projects/iAMMember:IAMMember": ["project", "role", "member", "condition"],
  "gcp:projects/iAMAuditConfig:IAMAuditConfig": ["project", "service"],
  "gcp:serviceaccount/iAMMember:IAMMember": ["serviceAccountId", "role", "member", "condition"],
  "gcp:serviceaccount/key:Key": [
    "serviceAccountId",
    "keepers",
    "keyAlgorithm",
    "privateKeyType",
    "publicKeyType",
    "publicKeyData",
  ],
  "gcp:secretmanager/secret:Secret": ["project", "secretId", "replication", "tags"],
  "gcp:secretmanager/secretVersion:SecretVersion": ["secret", "isSecretDataBase64"],
  "gcp:secretmanager/secretIamMember:SecretIamMember": [
    "project",
    "secretId",
    "role",
    "member",
    "condition",
  ],
  "gcp:projects/apiKey:ApiKey": ["project", "name", "serviceAccountEmail"],
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": ["project", "workloadIdentityPoolId"],
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": [
    "project",
    "workloadIdentityPoolId",
    "workloadIdentityPoolProviderId",
  ],
  "gcp:storage/bucketIAMMember:BucketIAMMember": ["bucket", "role", "member", "condition"],
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": ["cryptoKeyId", "role", "member", "condition"],
  "gcp:kms/keyRing:KeyRing": ["project", "name", "location"],
  "gcp:kms/cryptoKey:CryptoKey": ["keyRing", "name", "purpose"],
  "gcp:storage/bucket:Bucket": ["project", "name", "location"],
  "gcp:projects/iAMCustomRole:IAMCustomRole": ["project", "roleId"],
  // resource_google_project.go: project_id and tags are ForceNew (a parent change moves the
  // project); magic-modules' Lien.yaml is immutable whole; DefaultServiceAccounts' project and
  // action are ForceNew; essentialcontacts Contact.yaml: parent and email immutable; billingbudget
  // Budget.yaml: billingAccount immutable.
  "gcp:organizations/project:Project": ["projectId", "tags"],
  "gcp:resourcemanager/lien:Lien": ["parent", "restrictions", "origin", "reason"],
  "gcp:projects/defaultServiceAccounts:DefaultServiceAccounts": ["project", "action"],
  "gcp:essentialcontacts/contact:Contact": ["parent", "email"],
  "gcp:billing/budget:Budget": ["billingAccount"],
};

interface InventoryEntry {
  urn: string;
  type: string;
  name: string;
  /** The parent's `type name`, or "" for the stack's top-level resources. */
  parent: string;
  /** The identity inputs it sets; secret ones as "[secret]", ones known only after up as "(known after up)". */
  identity: Record<string, unknown>;
  aliases?: string[];
  /** The id of the existing resource `up` imports rather than creates (an adopted project or secret). */
  importId?: string;
}

export interface Inventory {
  stack: string;
  resources: InventoryEntry[];
}

function shown(r: RecordedResource, field: string): unknown {
  if (r.secretInputs.includes(field)) return "[secret]";
  const value = r.inputs[field];
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (v === UNKNOWN ? "(known after up)" : v)),
  ) as unknown;
}

/** The inventory of a plan, its resources sorted by URN so the file diffs cleanly. */
export function inventoryOf(plan: Plan): Inventory {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const resources = plan.resources.map((r): InventoryEntry => {
    const parent = byUrn.get(r.parent);
    const identity: Record<string, unknown> = {};
    for (const field of IDENTITY_INPUTS[r.type] ?? [])
      if (r.inputs[field] !== undefined) identity[field] = shown(r, field);
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: parent === undefined ? "" : `${shortType(parent.type)} ${parent.name}`,
      identity,
      ...(r.aliases.length > 0 ? { aliases: r.aliases } : {}),
      ...(r.importId === undefined ? {} : { importId: r.importId }),
    };
  });
  return {
    stack: plan.stack,
    resources: resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)),
  };
}

/** The file's text: one resource a line, so a review shows each added, removed or changed resource as one line. */
export function inventoryText(inventory: Inventory): string {
  const lines = inventory.resources.map((r) => `    ${JSON.stringify(r)}`);
  return `{\n  "stack": ${JSON.stringify(inventory.stack)},\n  "resources": [\n${lines.join(",\n")}\n  ]\n}\n`;
}

/** What changed between two inventories, one line a resource, for a test failure or the command's output. */
export function inventoryDiff(committed: Inventory, current: Inventory): string[] {
  const before = new Map(committed.resources.map((r) => [r.urn, r]));
  const after = new Map(current.resources.map((r) => [r.urn, r]));
  const lines: string[] = [];
  for (const [urn, r] of before)
    if (!after.has(urn))
      lines.push(
        `- removed (or renamed): ${urn}${r.aliases ? "" : " (a rename that must keep the cloud resource needs an alias)"}`,
      );
  for (const urn of after.keys())
    if (!before.has(urn)) lines.push(`+ added (or renamed to): ${urn}`);
  for (const [urn, r] of after) {
    const old = before.get(urn);
    if (old !== undefined && JSON.stringify(old) !== JSON.stringify(r))
      lines.push(
        `~ changed: ${urn}: ${JSON.stringify(old.identity)} -> ${JSON.stringify(r.identity)}${JSON.stringify(old.aliases) !== JSON.stringify(r.aliases) ? ` (aliases ${JSON.stringify(r.aliases ?? [])})` : ""}`,
      );
  }
  return lines;
}
