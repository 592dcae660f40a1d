/**
 * The organization policy constraints that decide what a stack may create, and how an effective
 * policy's rules read for each (google/cloud/orgpolicy/v2/orgpolicy.proto PolicyRule; the
 * constraints' descriptions at cloud.google.com/resource-manager/docs/organization-policy/org-policy-constraints).
 * Pure: preflight judges every constraint here, the rotator the key-creation ones before it makes a key.
 */

/** One rule of an effective policy (orgpolicy v2 PolicyRule): exactly one of enforce, allowAll, denyAll, values. */
export interface PolicyRule {
  enforce?: boolean;
  allowAll?: boolean;
  denyAll?: boolean;
  allowedValues: string[];
  deniedValues: string[];
  /** A managed constraint's parameters (orgpolicy.proto PolicyRule.parameters), shown as evidence. */
  parameters?: Record<string, unknown>;
}

export const CONSTRAINTS = {
  keyCreation: "iam.disableServiceAccountKeyCreation",
  keyCreationManaged: "iam.managed.disableServiceAccountKeyCreation",
  apiKeyBinding: "iam.managed.disableServiceAccountApiKeyCreation",
  keyExpiry: "iam.serviceAccountKeyExpiryHours",
  memberDomains: "iam.allowedPolicyMemberDomains",
  /** The managed counterpart: enforce, with parameters allowedMemberSubjects and allowedPrincipalSets. */
  memberDomainsManaged: "iam.managed.allowedPolicyMembers",
  serviceUsage: "gcp.restrictServiceUsage",
  /** Which Model Garden models Vertex AI may call, as `publishers/P/models/M:ACTION` values. */
  allowedModels: "vertexai.allowedModels",
  defaultGrants: "iam.automaticIamGrantsForDefaultServiceAccounts",
  /** The managed counterpart: default service accounts may not be granted Owner or Editor. */
  defaultGrantsManaged: "iam.managed.preventPrivilegedBasicRolesForDefaultServiceAccounts",
} as const;

/**
 * Whether each boolean constraint is enforced where no policy sets it: Google's managed default.
 * iam.managed.disableServiceAccountApiKeyCreation is among the constraints Google enforces by
 * default ("Automatically enforced constraints", org-policy-constraints); the others are not, though
 * organizations created since 2024-05-03 set policies enforcing the key-creation ones and
 * automaticIamGrantsForDefaultServiceAccounts (cloud.google.com/resource-manager/docs/secure-by-default-organizations),
 * which an effective policy shows as rules.
 */
const ENFORCED_BY_DEFAULT: Readonly<Record<string, boolean>> = {
  [CONSTRAINTS.keyCreation]: false,
  [CONSTRAINTS.keyCreationManaged]: false,
  [CONSTRAINTS.apiKeyBinding]: true,
  [CONSTRAINTS.defaultGrants]: false,
  [CONSTRAINTS.defaultGrantsManaged]: false,
  [CONSTRAINTS.memberDomainsManaged]: false,
};

export interface BooleanReading {
  enforced: boolean;
  /** No policy sets it: the reading is the constraint's default. */
  byDefault: boolean;
  /** The enforcing rule's parameters (a managed constraint's), shown and read where documented. */
  parameters?: Record<string, unknown>;
}

/** A boolean constraint: one rule without a condition decides it (`enforce`); none, its default. */
export function readBoolean(constraint: string, rules: readonly PolicyRule[]): BooleanReading {
  const deciding = rules.filter((r) => r.enforce !== undefined);
  if (deciding.length === 0)
    return { enforced: ENFORCED_BY_DEFAULT[constraint] ?? false, byDefault: true };
  // Conditions are already evaluated in an effective policy; if several rules remain, any enforcing one wins.
  const enforcing = deciding.find((r) => r.enforce === true);
  return {
    enforced: enforcing !== undefined,
    byDefault: false,
    ...(enforcing?.parameters ? { parameters: enforcing.parameters } : {}),
  };
}

/** A list parameter of an enforcing rule (a managed constraint's), its strings; [] when absent. */
export function parameterList(reading: BooleanReading, name: string): string[] {
  const value = reading.parameters?.[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** A list constraint: whether `value` is allowed by the merged rules (allowAll, denyAll, allowed and denied values). */
export function listAllows(rules: readonly PolicyRule[], value: string): boolean {
  if (rules.some((r) => r.denyAll === true)) return false;
  if (rules.some((r) => r.deniedValues.includes(value))) return false;
  if (rules.some((r) => r.allowAll === true)) return true;
  const allowLists = rules.filter((r) => r.allowedValues.length > 0);
  return allowLists.length === 0 || allowLists.some((r) => r.allowedValues.includes(value));
}

/** A list constraint restricts anything at all: some rule denies all, or lists values. */
export function listRestricts(rules: readonly PolicyRule[]): boolean {
  if (
    rules.some((r) => r.allowAll === true) &&
    !rules.some((r) => r.denyAll === true || r.deniedValues.length > 0)
  )
    return false;
  return rules.some(
    (r) => r.denyAll === true || r.allowedValues.length > 0 || r.deniedValues.length > 0,
  );
}

/**
 * The key lifetime iam.serviceAccountKeyExpiryHours allows, in hours: its one allowed value
 * ("720h"; a bare number is read as hours too), or none when the constraint sets no limit.
 */
export function keyExpiryHours(rules: readonly PolicyRule[]): number | undefined {
  const hours = rules
    .flatMap((r) => r.allowedValues)
    .map((v) => /^(\d+)h?$/.exec(v.trim())?.[1])
    .filter((h): h is string => h !== undefined)
    .map(Number);
  return hours.length === 0 ? undefined : Math.max(...hours);
}

/**
 * How long a key the rotator makes is in use, in hours: newest for one period, then kept as the
 * previous key one period more, then deleted by the next daily run (up to a day later).
 */
export function keyLifetimeHours(periodDays: number): number {
  return (2 * periodDays + 1) * 24;
}

/** The longest keyRotationDays whose keys outlive no expiry of `hours`; 0 when none does. */
export function longestPeriodFor(hours: number): number {
  return Math.max(0, Math.floor((hours / 24 - 1) / 2));
}

/**
 * Services gcp.restrictServiceUsage never restricts: "essential services" such as IAM, Cloud
 * Logging and Cloud Monitoring (cloud.google.com/resource-manager/docs/organization-policy/restricting-resources).
 */
export const ALWAYS_ALLOWED_SERVICES = new Set([
  "iam.googleapis.com",
  "logging.googleapis.com",
  "monitoring.googleapis.com",
]);

/** The key-creation constraints: either one enforced refuses every service-account key. */
export const KEY_CREATION_CONSTRAINTS: readonly [string, string] = [
  CONSTRAINTS.keyCreation,
  CONSTRAINTS.keyCreationManaged,
];

/**
 * Both ways past an enforced key-creation constraint: the keyless path, or an exception for the
 * project. `where` names the stack file, or how to find it.
 */
export function keyCreationWaysOut(project: string, where: string, accounts = 1): string {
  return (
    `Either take the keyless path: in ${where} set createKey: false for ${accounts === 1 ? "the account" : "each account"} and list its consumers as impersonators (they act as it with short-lived tokens, nothing to leak). ` +
    `Or have an organization policy administrator (roles/orgpolicy.policyAdmin) make an exception for this project: gcloud org-policies reset ${CONSTRAINTS.keyCreation} --project ${project}, and the same for ${CONSTRAINTS.keyCreationManaged}.`
  );
}
