/**
 * Every config key the kit reads, in the `gemini-access-kit` namespace. Pulumi.yaml declares the
 * same keys with the same descriptions (a test keeps the two equal), and docs/configuration.md
 * documents them (a test checks that too).
 */

export const NAMESPACE = "gemini-access-kit";

/**
 * The value's shape. Pulumi hands strings to the program as they are and everything else as JSON
 * text; Pulumi.yaml can type all but objects, which it declares with a description only.
 */
type KeyKind = "string" | "boolean" | "integer" | "array" | "object";

export interface KeyDeclaration {
  kind: KeyKind;
  description: string;
  secret?: boolean;
}

export const CONFIG_KEYS = {
  environment: {
    kind: "string",
    description: "Environment name used in resource ids and labels; defaults to the stack name.",
  },
  namePrefix: {
    kind: "string",
    description:
      "Prefix of every id the kit creates (accounts, secrets, API key); defaults to gemini.",
  },
  extraApis: {
    kind: "array",
    description: "More APIs to enable besides the Gemini API and the ones the kit itself needs.",
  },
  serviceAccounts: {
    kind: "object",
    description:
      "Map of service accounts, keyed by a stable short name: displayName, description, accountId, roles, impersonators, createKey, keyReaders.",
  },
  keyRotationDays: {
    kind: "integer",
    description:
      "Days the newest key may age before the rotator makes the next, 1-90 (default 45); the key it replaces stays valid one more period.",
  },
  unmanagedKeyGraceHours: {
    kind: "integer",
    description:
      "Hours a key of the stack's accounts that the rotator did not make may live before the rotator deletes it, 1-720 (default 24); every run that finds one fails with an alarm.",
  },
  secretLocations: {
    kind: "array",
    description: "Secret Manager replica regions; empty or unset for automatic replication.",
  },
  oauthConsent: {
    kind: "object",
    description:
      "The OAuth consent screen to configure by hand: appName, supportEmail, audience, testUsers, scopes, developerContacts.",
  },
  oauthClientRequired: {
    kind: "boolean",
    description:
      "Fail the config check until the Desktop OAuth client file has been set (default false).",
  },
  oauthClientReaders: {
    kind: "array",
    description: "IAM members that may read the OAuth client's secret.",
  },
  oauthClientJson: {
    kind: "string",
    secret: true,
    description:
      "The downloaded client_secret.json of the Desktop OAuth client; always set with --secret.",
  },
  apiKey: {
    kind: "object",
    description:
      "Create a Gemini API key bound to a service account: serviceAccount, readers, displayName.",
  },
  target: {
    kind: "string",
    description:
      "What the stack makes ready: gemini-api (the Gemini API, the default), vertex (Vertex AI) or both.",
  },
  vertex: {
    kind: "object",
    description:
      "With target vertex or both: location (global, the default, us, eu or a region), models (model ids such as gemini-3.8-flash) and apiKey (an express-mode API key: serviceAccount, readers, displayName).",
  },
  foundation: {
    kind: "string",
    description:
      "Who applies the environment's foundation (APIs, service accounts, their roles, impersonators): this stack (stack, the default) or the CI stack (ci).",
  },
  production: {
    kind: "boolean",
    description:
      "A production stack: its secrets provider must be a KMS key, never a passphrase (default false).",
  },
  project: {
    kind: "object",
    description:
      "Vend the project gcp:project names: create (parent, billingAccount, name, labels, contacts, budget) or adopt ({}); unset, the project exists and the kit leaves it alone.",
  },
  privilegedRoles: {
    kind: "array",
    description:
      "Roles that can grant IAM or act as accounts, allowed for this stack's accounts by whoever owns this file (stacks whose foundation is their own).",
  },
  ci: {
    kind: "object",
    description:
      "Makes this the CI stack, applied by an administrator: repository, repositoryId, repositoryOwnerId, deployBranch, deployWorkflow, rotateWorkflow, location, stateBucketPrefix, grantableRoles, previews, environments, poolId, providerId, serviceAccountQuota.",
  },
} as const satisfies Record<string, KeyDeclaration>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export const KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];
