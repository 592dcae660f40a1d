/**
 * Resource ids and Google's limits on them. Pure: nothing here touches Pulumi or the network, so
 * config validation can check every id before a single resource is registered.
 */

/** One of Google's naming rules, worded the way an error message needs it. */
export interface NameRule {
  /** The test itself. */
  pattern: RegExp;
  /** What is allowed, as a user should read it. */
  allowed: string;
}

/** A project id: 6-30 characters, lowercase letters, digits and hyphens, starting with a letter. */
export const PROJECT_ID: NameRule = {
  pattern: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
  allowed:
    "6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
};

/**
 * The project a user-managed service account, and its keys, live in: `NAME@PROJECT.iam.gserviceaccount.com`.
 * Undefined for Google's own accounts (`...@developer.gserviceaccount.com` and the like).
 */
export function accountProject(email: string): string | undefined {
  return /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
}

/**
 * Strings Google refuses in a new project's id: "cannot contain restricted strings, such as google
 * and ssl" (cloud.google.com/resource-manager/docs/creating-managing-projects, "Project ID"). An id
 * that exists already passes: only creating one is refused.
 */
export const RESTRICTED_PROJECT_ID_WORDS = ["google", "ssl"] as const;

/** A project's display name (Resource Manager v3 Project.displayName; TPG verify.ValidateProjectName). */
export const PROJECT_DISPLAY_NAME: NameRule = {
  pattern: /^[-A-Za-z0-9'" !]{4,30}$/,
  allowed: "4-30 letters, digits, hyphens, single or double quotes, spaces or exclamation points",
};

/** Where a project is created: a folder or an organization, by its numeric id. */
export const PROJECT_PARENT: NameRule = {
  pattern: /^(folders|organizations)\/[1-9][0-9]{0,19}$/,
  allowed: "folders/N or organizations/N, N the folder's or organization's numeric id",
};

/** A Cloud Billing account id, as `gcloud billing accounts list` shows it. */
export const BILLING_ACCOUNT: NameRule = {
  pattern: /^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/,
  allowed:
    "a billing account id, XXXXXX-XXXXXX-XXXXXX (three groups of six digits or capitals A-F)",
};

/**
 * A label's key and value (cloud.google.com/resource-manager/docs/labels-overview, "Requirements
 * for labels": keys 1-63 characters starting with a lowercase letter, values 0-63, both lowercase
 * letters, digits, underscores and dashes, at most 64 labels a resource). Google also allows
 * international characters; the kit accepts ASCII.
 */
export const LABEL_KEY: NameRule = {
  pattern: /^[a-z][a-z0-9_-]{0,62}$/,
  allowed: "1-63 lowercase letters, digits, underscores or dashes, starting with a letter",
};
export const LABEL: NameRule = {
  pattern: /^[a-z0-9_-]{0,63}$/,
  allowed: "0-63 lowercase letters, digits, underscores or dashes",
};
export const MAX_LABELS = 64;

/** A Cloud Monitoring notification channel, as a budget names it (Budget API, allUpdatesRule). */
export const NOTIFICATION_CHANNEL: NameRule = {
  pattern: /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]+)\/notificationChannels\/[0-9]+$/,
  allowed: "projects/PROJECT/notificationChannels/ID",
};

/** An ISO 4217 currency code, as a budget's amount names it. */
export const CURRENCY: NameRule = {
  pattern: /^[A-Z]{3}$/,
  allowed: "an ISO 4217 code of three capital letters, such as USD or EUR",
};

/** A service-account id (the part of the e-mail before the @), as IAM checks it. */
export const ACCOUNT_ID: NameRule = {
  pattern: /^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/,
  allowed:
    "6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
};

/** A Secret Manager secret id. */
export const SECRET_ID: NameRule = {
  pattern: /^[A-Za-z0-9_-]{1,255}$/,
  allowed: "1-255 letters, digits, hyphens or underscores",
};

/** An API key's resource id (RFC 1034 label). */
export const API_KEY_ID: NameRule = {
  pattern: /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
  allowed:
    "1-63 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
};

/** A label value on Google Cloud resources; also what an environment name must be, since it is one. */
export const LABEL_VALUE: NameRule = {
  pattern: /^[a-z0-9_-]{1,63}$/,
  allowed: "1-63 lowercase letters, digits, hyphens or underscores",
};

/** A key in the serviceAccounts map: it becomes part of account ids, secret ids and resource names. */
export const MAP_KEY: NameRule = {
  pattern: /^[a-z][a-z0-9-]{0,19}$/,
  allowed: "1-20 lowercase letters, digits or hyphens, starting with a letter",
};

/** A prefix for every id the kit creates. */
export const NAME_PREFIX: NameRule = {
  pattern: /^[a-z][a-z0-9-]{0,14}$/,
  allowed: "1-15 lowercase letters, digits or hyphens, starting with a letter",
};

/** A Secret Manager replica location such as europe-west1. */
export const LOCATION: NameRule = {
  pattern: /^[a-z]+-[a-z]+[0-9]+$/,
  allowed: "a Google Cloud region such as europe-west1 or us-central1",
};

export const EMAIL: NameRule = {
  pattern:
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
  allowed: "an e-mail address such as someone@example.com",
};

/** A Workload Identity pool or provider id: IAM reserves the `gcp-` prefix. */
export const WORKLOAD_IDENTITY_ID: NameRule = {
  pattern: /^(?!gcp-)[a-z0-9-]{4,32}$/,
  allowed: "4-32 lowercase letters, digits or hyphens, not starting with gcp-",
};

/** A GitHub repository as `owner/name`. */
export const GITHUB_REPOSITORY: NameRule = {
  pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
  allowed: "owner/name, e.g. acme/gemini-platform",
};

/**
 * A branch or GitHub environment name as the kit writes it into an IAM condition: quotes and
 * backslashes would end the CEL string, so the kit accepts the characters names use in practice.
 */
export const GIT_NAME: NameRule = {
  pattern: /^[A-Za-z0-9._/-]{1,200}$/,
  allowed: "letters, digits, dots, hyphens, underscores and slashes",
};

/** A Cloud Storage bucket name. */
export const BUCKET: NameRule = {
  pattern: /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/,
  allowed: "3-63 lowercase letters, digits, dots, hyphens or underscores",
};

/** The ids one stack derives from its prefix, environment and account keys. */
export interface Names {
  accountId(key: string): string;
  accountEmail(accountId: string): string;
  keySecretId(key: string): string;
  oauthClientSecretId(): string;
  apiKeyId(): string;
  apiKeySecretId(): string;
  vertexApiKeyId(): string;
  vertexApiKeySecretId(): string;
  workloadIdentityPoolId(): string;
  /** The account CI's verify gate acts as: the default account's roles, no consumer (governed environments). */
  probeAccountId(): string;
}

/**
 * Every derived id has the shape `<prefix>-<what>-<environment>`, so two environments can share a
 * project without colliding, and a reader of the console can tell which stack owns what.
 */
export function names(project: string, prefix: string, environment: string): Names {
  return {
    accountId: (key) => `${prefix}-${key}-${environment}`,
    accountEmail: (accountId) => `${accountId}@${project}.iam.gserviceaccount.com`,
    keySecretId: (key) => `${prefix}-${key}-key-${environment}`,
    oauthClientSecretId: () => `${prefix}-oauth-client-${environment}`,
    apiKeyId: () => `${prefix}-gemini-${environment}`,
    apiKeySecretId: () => `${prefix}-api-key-${environment}`,
    vertexApiKeyId: () => `${prefix}-vertex-${environment}`,
    vertexApiKeySecretId: () => `${prefix}-vertex-api-key-${environment}`,
    workloadIdentityPoolId: () => `${prefix}-github-${environment}`,
    probeAccountId: () => `${prefix}-probe-${environment}`,
  };
}

/** The member string IAM expects for a service account. */
export function serviceAccountMember(email: string): string {
  return `serviceAccount:${email}`;
}

/** A member as part of a resource name: stable, readable, and free of the characters URNs reserve. */
export function memberSlug(member: string): string {
  return member.replace(/[^A-Za-z0-9@._-]/g, "-");
}

/** One of Google's limits or quotas the admin plane can run into, with where Google states it. */
export interface GoogleLimit {
  value: number;
  /** What is counted, and within what. */
  counts: string;
  /** A quota Google raises on request (per project), or a limit it never changes. */
  kind: "quota" | "limit";
  /** Google's page that states it, and the entry there. */
  source: string;
}

/**
 * The limits and quotas a CI stack's resources count against, each with its source. What each
 * environment costs against them, and why only the first binds as environments are added, is in
 * docs/ci.md ("Many environments: limits and shards"), which shows this table.
 */
export const FLEET_LIMITS = {
  serviceAccountsPerProject: {
    value: 100,
    counts: "service accounts in one project",
    kind: "quota",
    source:
      'https://cloud.google.com/iam/quotas (Quotas, Service accounts); https://cloud.google.com/iam/docs/service-accounts-create ("each project can have up to 100 service accounts", raised on request)',
  },
  customRolesPerProject: {
    value: 300,
    counts: "custom roles in one project",
    kind: "limit",
    source: "https://cloud.google.com/iam/quotas (Limits, Custom roles for a project)",
  },
  principalsPerAllowPolicy: {
    value: 1500,
    counts:
      "principals in all role bindings of one allow policy, every occurrence counted (one principal in 50 bindings counts 50), at most 250 of them Google groups",
    kind: "limit",
    source:
      "https://cloud.google.com/iam/docs/policies (Limits on all principals); https://cloud.google.com/iam/docs/reference/rest/v1/Policy (bindings)",
  },
  logicalOperatorsPerCondition: {
    value: 12,
    counts: "logical operators in one condition expression",
    kind: "limit",
    source:
      "https://cloud.google.com/iam/quotas (IAM Conditions); https://cloud.google.com/iam/docs/conditions-overview (Limitations)",
  },
  bindingsPerRoleAndMember: {
    value: 20,
    counts:
      "role bindings of one role and one principal in one allow policy that differ only in their condition",
    kind: "limit",
    source:
      "https://cloud.google.com/iam/quotas (IAM Conditions); https://cloud.google.com/iam/docs/conditions-overview (Limitations)",
  },
  providerConditionCharacters: {
    value: 4096,
    counts: "characters in a Workload Identity pool provider's attribute condition",
    kind: "limit",
    source:
      "https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers (attributeCondition)",
  },
  workloadIdentityWritesPerMinute: {
    value: 60,
    counts: "Workload Identity Federation write requests per project per minute",
    kind: "quota",
    source: "https://cloud.google.com/iam/quotas (Quotas, Workload Identity Federation)",
  },
  bucketCreationsPerSecond: {
    value: 0.5,
    counts: "bucket creations and deletions per project per second (about one every two seconds)",
    kind: "limit",
    source: "https://cloud.google.com/storage/quotas (Buckets)",
  },
} as const satisfies Record<string, GoogleLimit>;

/**
 * IAM Conditions' limits (FLEET_LIMITS): a condition's expression holds at most 12 logical
 * operators, and one allow policy holds at most 20 bindings of the same role and principal that
 * differ only in their condition. A setIamPolicy past either fails with INVALID_ARGUMENT, so the
 * config check refuses a stack that would need more.
 */
export const IAM_CONDITION_LIMITS = {
  logicalOperators: FLEET_LIMITS.logicalOperatorsPerCondition.value,
  bindingsPerRoleAndMember: FLEET_LIMITS.bindingsPerRoleAndMember.value,
} as const;

/** The logical operators (`&&`, `||`, `!`) of a CEL expression, outside its string literals. */
export function logicalOperators(expression: string): number {
  const code = expression.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
  return (code.match(/&&|\|\||!(?!=)/g) ?? []).length;
}
