/** The validated, fully resolved config of one stack: every id computed, every default applied. */

import type { ConsentScreen } from "../oauth/consent.ts";
import type { KeySlot } from "../rotation.ts";

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

/** How keys rotate, and which key slots exist right now. */
export interface KeyRotation {
  periodDays: number;
  startDate: string;
  /** The period `now` falls in, counted from startDate. */
  period: number;
  /** The slots that exist in this period, the current one last. */
  slots: KeySlot[];
  /** The first day of the next period: the first `up` on or after it rotates the keys. */
  nextRotation: string;
}

/** The Desktop OAuth client, once a person has handed its file to the stack. */
export interface StoredClient {
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
  /** The API key resource's id. */
  keyId: string;
  displayName: string;
  /** The serviceAccounts key of the account the API key is bound to. */
  accountKey: string;
  accountEmail: string;
  /** IAM members granted secretAccessor on the key string's secret. */
  readers: string[];
  secretId: string;
}

export interface KitConfig {
  project: string;
  stack: string;
  environment: string;
  namePrefix: string;
  /** Every API the stack enables, sorted. */
  apis: string[];
  /** Sorted by key, so the order accounts appear in the stack file never matters. */
  accounts: AccountConfig[];
  /** Present when at least one account has keys. */
  keyRotation?: KeyRotation;
  /** Secret Manager replica locations; empty for automatic replication. */
  secretLocations: string[];
  /** Labels every secret carries. */
  labels: Record<string, string>;
  oauth?: OauthConfig;
  apiKey?: ApiKeyConfig;
  ciIdentity?: CiIdentityConfig;
}

/** A service account the CI identity creates for one kind of pipeline job. */
export interface CiAccount {
  accountId: string;
  email: string;
}

/** Keyless CI: a Workload Identity pool that trusts one GitHub repository, and its two accounts. */
export interface CiIdentityConfig {
  /** `owner/name` of the one repository whose workflows may get tokens. */
  repository: string;
  /** GitHub's numeric id of the repository; pins it even if the name is later reused. */
  repositoryId?: string;
  /** The branch deployments run from. */
  deployBranch: string;
  /** The GitHub environment the `up` job runs in, when deployments use environments. */
  deployEnvironment?: string;
  poolId: string;
  providerId: string;
  /** Runs `pulumi up` and the verify gate after it. */
  deployer: CiAccount;
  /** Runs `pulumi preview` on pull requests; reads only. */
  previewer: CiAccount;
  /** The state bucket (name only) both accounts need, when the backend is `gs://`. */
  stateBucket?: string;
  /** The `gcpkms://` secrets provider's key (resource name), when the stack uses one. */
  kmsKey?: string;
}
