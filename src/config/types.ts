/** The validated, fully resolved config of one stack: every id computed, every default applied. */

import type { ConsentScreen } from "../oauth/consent.ts";

/** A service account the stack creates. */
export interface AccountConfig {
  /** The stable key in the stack's serviceAccounts map; resource names derive from it. */
  key: string;
  /** The id before the @, 6-30 characters. */
  accountId: string;
  /** `<accountId>@<project>.iam.gserviceaccount.com`. */
  email: string;
  displayName: string;
  description: string;
  /** Project-level roles, never basic roles. */
  roles: string[];
  /** IAM members granted serviceAccountTokenCreator on this account: the keyless way to act as it. */
  impersonators: string[];
  /** Whether the account gets keys, routed to the secret store. */
  createKey: boolean;
  /** IAM members granted secretAccessor on the key's secret, resolved from `account:<key>` references. */
  keyReaders: string[];
  /** The Secret Manager secret id that holds the key. */
  keySecretId: string;
}

/** The Desktop OAuth client, once a person has handed its file to the stack. */
interface StoredClient {
  clientId: string;
  /** The file's text as downloaded; secret. */
  json: string;
}

export interface OauthConfig {
  consent: ConsentScreen;
  /** When true, a stack without the client file fails its config check. */
  clientRequired: boolean;
  /** IAM members granted secretAccessor on the client's secret. */
  clientReaders: string[];
  client?: StoredClient;
  secretId: string;
}

export interface ApiKeyConfig {
  /** The prefix of the ids the rotator gives the API keys it makes (see rotation.ts). */
  keyId: string;
  displayName: string;
  /** The serviceAccounts key of the account the API key is bound to. */
  accountKey: string;
  accountEmail: string;
  /** IAM members granted secretAccessor on the key string's secret. */
  readers: string[];
  secretId: string;
  /** The one API the key is restricted to: the Gemini API's, or Vertex AI's for vertex.apiKey. */
  service: string;
}

/**
 * Who applies an environment's foundation (its APIs, service accounts, their project roles and
 * impersonators): the environment's own stack, run by someone who owns the project, or the CI stack,
 * run by an administrator, so that CI's deployer never needs rights over identities.
 */
export type Foundation = "stack" | "ci";

/**
 * How the kit vends the environment's project (the `project` setting). Unset, the project exists
 * and the kit does not manage it.
 */
export type ProjectVending = CreateProject | AdoptProject;

/** The kit creates the project (`project.create`), under a folder or organization, linked to a billing account. */
export interface CreateProject {
  mode: "create";
  /** `folders/N` or `organizations/N`. */
  parent: string;
  /** The billing account's id, `XXXXXX-XXXXXX-XXXXXX`. */
  billingAccount: string;
  /** The project's display name; the project id unless the file names one. */
  displayName: string;
  /** The labels the file sets; the project also carries the kit's own (KitConfig.labels). */
  labels: Record<string, string>;
  /** Essential contacts, sorted by e-mail, each with the notification categories it gets. */
  contacts: { email: string; categories: string[] }[];
  budget?: BudgetConfig;
}

/** A Cloud Billing budget on the project's spend alone. */
export interface BudgetConfig {
  /** In units of the billing account's currency, per month. */
  amount: number;
  /** ISO 4217; unset: the billing account's own. */
  currency?: string;
  /** Fractions of the amount that send an alert (0.5 is 50%), sorted. */
  thresholds: number[];
  /** Cloud Monitoring channels, `projects/P/notificationChannels/ID`. */
  notificationChannels: string[];
}

/** The project exists (made by hand, or by another factory): the kit imports it and never deletes it. */
interface AdoptProject {
  mode: "adopt";
}

/** What a stack makes ready: the Gemini API (generativelanguage), Vertex AI (aiplatform), or both. */
export type Target = "gemini-api" | "vertex" | "both";

/** Where a Vertex stack's consumers call Vertex AI, and the models they expect to call. */
export interface VertexConfig {
  /** `global` (the default), `us`, `eu` or a region. */
  location: string;
  /** Model ids as Google names them (`gemini-3.8-flash`); empty when the stack names none. */
  models: string[];
  /** vertex.apiKey: an API key for Vertex AI express mode, bound to one of the stack's accounts. */
  apiKey?: ApiKeyConfig;
}

export interface KitConfig {
  project: string;
  stack: string;
  environment: string;
  namePrefix: string;
  foundation: Foundation;
  /** A production stack: a passphrase secrets provider is refused for it. */
  production: boolean;
  /** Every API the stack's environment needs enabled, sorted. */
  apis: string[];
  /** Sorted by key, so the order accounts appear in the stack file never matters. */
  accounts: AccountConfig[];
  /** keyRotationDays (default 45): how old a key may grow before the rotator makes the next one. */
  rotationDays: number;
  /** unmanagedKeyGraceHours (default 24): how long a key the rotator did not make may live before it deletes it. */
  unmanagedKeyGraceHours: number;
  /** Secret Manager replica locations; empty for automatic replication. */
  secretLocations: string[];
  /** Labels every secret carries. */
  labels: Record<string, string>;
  oauth?: OauthConfig;
  apiKey?: ApiKeyConfig;
  /** Whether, and how, the kit vends the project; undefined: it exists and the kit leaves it alone. */
  vending?: ProjectVending;
  /** target (default gemini-api): what the stack makes ready. */
  target: Target;
  /** Set exactly when target includes Vertex AI. */
  vertex?: VertexConfig;
}

/** A service account the CI stack creates in the CI project for one job of one environment. */
export interface CiAccount {
  accountId: string;
  email: string;
}

/** One environment the CI stack governs: its stack's config, its state and the identities acting on it. */
export interface CiEnvironment {
  /** The environment stack's name (stacks/Pulumi.<name>.yaml). */
  name: string;
  /** The GitHub environment its deploy job runs in. */
  githubEnvironment: string;
  /** The environment stack's checked config. */
  config: KitConfig;
  /** The environment's state bucket in the CI project (name only). */
  stateBucket: string;
  /** The id of the environment's KMS key, which encrypts its state's secrets. */
  kmsKeyId: string;
  /** Runs `pulumi up` of the environment stack and its verify gate. */
  deployer: CiAccount;
  /** Runs `pulumi preview` of pull requests, for environments that allow cloud previews. */
  previewer?: CiAccount;
  /** Runs `npm run rotate` from the scheduled rotation workflow, for environments whose stack declares keys. */
  rotator?: CiAccount;
  /** The GitHub environment the rotation job runs in: its own, so prod's required reviewers never hold up a daily job. */
  rotationEnvironment: string;
  /**
   * The environment's secrets exist already, made by its own stack under an earlier version of the
   * kit: the CI stack imports them rather than creating them (ci.environments.<name>.adoptSecrets).
   */
  adoptSecrets: boolean;
  /** The environment's stack file holds the OAuth client (encrypted: only its presence is known here). */
  oauthClientSet: boolean;
}

/**
 * The CI stack: applied by an administrator in a dedicated CI project. It holds the Workload
 * Identity pool and provider, each environment's state bucket, KMS key and CI accounts, and applies
 * each governed environment's foundation in that environment's project.
 */
export interface CiConfig {
  /** The CI project. */
  project: string;
  stack: string;
  namePrefix: string;
  /** `owner/name`, for messages and documents; the trust pins the ids below. */
  repository: string;
  /** GitHub's numeric ids: a name can be re-registered after a rename or deletion, an id cannot. */
  repositoryId: string;
  repositoryOwnerId: string;
  deployBranch: string;
  /** The path of the workflow file whose jobs may deploy, e.g. `.github/workflows/pulumi-up.yml`. */
  deployWorkflow: string;
  /** The path of the workflow file whose jobs may rotate keys, e.g. `.github/workflows/rotate-keys.yml`. */
  rotateWorkflow: string;
  /** The region of the state buckets and the KMS key ring. */
  location: string;
  keyRingId: string;
  poolId: string;
  providerId: string;
  /** The project roles environment accounts may hold: the administrator's allow-list. */
  grantableRoles: string[];
  /** Sorted by name. */
  environments: CiEnvironment[];
  labels: Record<string, string>;
}
