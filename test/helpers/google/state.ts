/** What the fake Google knows: accounts and their keys, clients, users, tokens, secrets, API keys, models, and injected faults. */

export interface Token {
  principal: string;
  kind: "service_account" | "user" | "federated";
  scopes: string[];
  expiresAt: number;
}

export interface Fault {
  status: number;
  body?: unknown;
  /** A raw body instead of JSON (a proxy's HTML page, a truncated response). */
  raw?: string;
  headers?: Record<string, string>;
  /** Hold the response this long before answering (timeouts). */
  delayMs?: number;
  /** Drop the connection without answering (network errors). */
  destroy?: boolean;
  /** Carry out the request first, then answer with the fault: a response lost after the server acted. */
  afterHandling?: boolean;
}

export type Route =
  | "token"
  | "auth"
  | "sts"
  | "models"
  | "countTokens"
  | "generateContent"
  | "vertex.countTokens"
  | "vertex.generateContent"
  | "tunedModels"
  | "permissions"
  | "secrets"
  | "iamcredentials"
  | "iamKeys.list"
  | "iamKeys.get"
  | "iamKeys.create"
  | "iamKeys.delete"
  | "secret.get"
  | "secret.patch"
  | "versions.list"
  | "versions.get"
  | "versions.add"
  | "versions.destroy"
  | "apiKeys.list"
  | "apiKeys.create"
  | "apiKeys.get"
  | "apiKeys.keyString"
  | "apiKeys.delete"
  | "operations.get"
  | "projects.get"
  | "projects.testIamPermissions"
  | "projects.search"
  | "projects.delete"
  | "projects.operations.get"
  | "billingInfo"
  | "effectivePolicy"
  | "services.batchGet"
  | "secret.testIamPermissions"
  | "projects.v3.get"
  | "parents.testIamPermissions"
  | "billingAccounts.testIamPermissions";

export interface Recorded {
  route: Route | "other";
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

/** A user-managed service-account key: what IAM's keys.list shows, and the public half the token endpoint checks signatures with. */
export interface AccountKey {
  keyId: string;
  validAfterTime: string;
  publicKeyPem: string;
  disabled: boolean;
  /** Token requests signed with it that are refused before it is accepted (a new key takes a while to reach every server). */
  refusalsLeft: number;
}

export interface SecretVersion {
  number: number;
  createTime: string;
  state: "ENABLED" | "DISABLED" | "DESTROYED";
  /** Gone once destroyed. */
  data?: Buffer;
  destroyTime?: string;
}

export interface StoredSecret {
  /** `projects/PROJECT_ID/secrets/ID`. */
  name: string;
  /** Principals with secretmanager.versions.access (secretAccessor). */
  readers: Set<string>;
  /** Principals with the rotator's rights: secrets.get, secrets.update, versions.add, list, get, destroy. */
  managers: Set<string>;
  annotations: Record<string, string>;
  etag: number;
  versions: SecretVersion[];
}

/** An API key as API Keys v2 describes it (V2Key), with its string. */
export interface ApiKeyRecord {
  keyId: string;
  uid: string;
  displayName: string;
  keyString: string;
  createTime: string;
  updateTime: string;
  deleteTime?: string;
  annotations: Record<string, string>;
  restrictions?: { apiTargets?: { service: string; methods?: string[] }[] };
  serviceAccountEmail?: string;
  /** Gemini requests with it that are refused (API_KEY_INVALID) before it is accepted. */
  refusalsLeft: number;
  /**
   * It lists models but a model call with it is refused (401 ACCESS_TOKEN_TYPE_UNSUPPORTED), as users
   * report of `AQ.` keys: discuss.ai.google.dev threads 170430 and 175673.
   */
  listOnly?: boolean;
}

/** A long-running operation (API Keys v2, Resource Manager v3): done after `pollsLeft` more operations.get calls. */
export interface Operation {
  name: string;
  pollsLeft: number;
  response?: () => Record<string, unknown>;
  error?: { code: number; message: string; status?: string; details?: unknown[] };
}

/** A project as Resource Manager, Cloud Billing, Service Usage and Organization Policy describe it. */
export interface CloudProject {
  projectId: string;
  number: string;
  lifecycleState: "ACTIVE" | "DELETE_REQUESTED";
  parent?: { type: "organization" | "folder"; id: string };
  /** `billingAccounts/ID`, when one is linked. */
  billingAccount?: string;
  billingEnabled: boolean;
  /** The services enabled in it. */
  services: Set<string>;
  /** The effective policy's `spec` of each constraint some policy sets, by bare constraint name. */
  policies: Map<string, Record<string, unknown>>;
  /** Its labels, as Resource Manager v3 shows them (and projects.search matches). */
  labels?: Record<string, string>;
  /** RFC 3339; a fixed day when unset. */
  createTime?: string;
}

/** One role binding's permissions on a project; with `secretPrefix`, an IAM Condition limits it to the secrets whose id starts so. */
interface Grant {
  project: string;
  permissions: string[];
  secretPrefix?: string;
}

/** Vertex as the fake serves it (aiplatform.ts); who may call it is in `grants` (aiplatform.endpoints.predict). */
interface VertexState {
  /** Google's models by id, each with the locations that serve it (`global`, `us`, `eu`, regions). */
  models: Map<string, string[]>;
  /** The allowed values of the effective vertexai.allowedModels policy; undefined: no policy, every model allowed. */
  allowedModels?: string[];
  /** API key strings that work in express mode (keys bound to an account holding roles/aiplatform.expressUser). */
  expressKeys: Set<string>;
  /** The Vertex AI API is off in the project. */
  disabled: boolean;
}

/**
 * The models the fake's Vertex serves: Gemini 3.8 Flash at global and the multi-regions only, as
 * Google's developer guide for it lists (docs.cloud.google.com/gemini-enterprise-agent-platform/
 * models/guides/gemini-3-8-flash), and an older one at global and two regions.
 */
function vertexModels(): Map<string, string[]> {
  return new Map([
    ["gemini-3.8-flash", ["global", "us", "eu"]],
    ["gemini-2.5-flash", ["global", "us-central1", "europe-west4"]],
  ]);
}

/** One role binding's permissions on a folder, an organization or a billing account (`folders/N`, `organizations/N`, `billingAccounts/ID`). */
interface ResourceGrant {
  resource: string;
  permissions: string[];
}

export interface GoogleState {
  /** By project id. */
  cloudProjects: Map<string, CloudProject>;
  /** The folders and organizations that exist, `folders/N` and `organizations/N`. */
  parents: Set<string>;
  /** The billing accounts that exist, by id (`01A2B3-C4D5E6-F7A8B9`). */
  billingAccounts: Set<string>;
  /** Principal to its bindings on folders, organizations and billing accounts. */
  resourceGrants: Map<string, ResourceGrant[]>;
  /** Principal to the bindings it holds (what testIamPermissions, projects.get, billing, org policy and batchGet check). */
  grants: Map<string, Grant[]>;
  /** Service-account e-mail to its user-managed keys, by key id. */
  accounts: Map<string, Map<string, AccountKey>>;
  /** Account e-mail to the principals holding iam.serviceAccountKeyAdmin on it. */
  keyAdmins: Map<string, Set<string>>;
  /** An organization policy that refuses key creation (iam.disableServiceAccountKeyCreation). */
  keyCreationBlocked: boolean;
  /** An organization policy that refuses binding API keys to service accounts (iam.managed.disableServiceAccountApiKeyCreation). */
  apiKeyBindingBlocked: boolean;
  /** How many refusals a key created through the IAM API (or an API key made through API Keys) starts with. */
  newKeyRefusals: number;
  /** API keys made through API Keys from now on list models and are refused on a model call (ApiKeyRecord.listOnly). */
  newApiKeysListOnly: boolean;
  /** The project's tier has no quota for generation: generateContent is refused (429, limit 0); countTokens, quota-exempt, is not. */
  generationQuotaZero: boolean;
  /** Desktop client id to secret. */
  clients: Map<string, string>;
  /** What the authorization endpoint does: the user approves (granting these scopes, default all) or denies. */
  consent: { action: "approve" | "deny"; user: string; grant?: (requested: string[]) => string[] };
  codes: Map<
    string,
    { clientId: string; redirectUri: string; challenge: string; scopes: string[]; user: string }
  >;
  refreshTokens: Map<string, { clientId: string; scopes: string[]; user: string }>;
  tokens: Map<string, Token>;
  /** Federated subject tokens the STS accepts, to the principal they map to. */
  federated: Map<string, string>;
  /** Target account e-mail to the principals allowed to impersonate it. */
  impersonators: Map<string, Set<string>>;
  /** By `projects/PROJECT_ID/secrets/ID`. */
  secrets: Map<string, StoredSecret>;
  /** API key strings the Gemini API accepts, to their record when API Keys made them (undefined for keys a test added). */
  apiKeys: Map<string, ApiKeyRecord | undefined>;
  /** API Keys v2 keys of the project, by key id, deleted ones included (a deleted id stays taken). */
  apiKeyRecords: Map<string, ApiKeyRecord>;
  /** Principals holding the API key rights on the project (create, delete, get, getKeyString, list, operations.get). */
  apiKeyAdmins: Set<string>;
  /** Account e-mail to the principals that may bind API keys to it (iam.serviceAccountApiKeyBindings.create). */
  keyBinders: Map<string, Set<string>>;
  operations: Map<string, Operation>;
  /** How many operations.get calls answer "not done yet" before one answers done. */
  operationPolls: number;
  /** Project numbers to ids, for resource names Google writes with the number. */
  projects: Map<string, string>;
  /** Projects users may name in x-goog-user-project. */
  userProjects: Set<string>;
  /** SERVICE_DISABLED for the Gemini API until this epoch ms (freshly enabled API). */
  disabledUntil: number;
  /** The Gemini API is off in the project (not enabled at all). */
  disabled: boolean;
  models: Record<string, unknown>[];
  vertex: VertexState;
  tunedModels: Record<string, unknown>[];
  permissions: Map<string, Record<string, unknown>[]>;
  /** Answer every models page with the same nextPageToken. */
  repeatPageToken: boolean;
  faults: Map<Route, Fault[]>;
  /** Called when a request to the route arrives, before it is handled (a test ends a command there); "drop" ends it unhandled. */
  hooks: Map<Route, (request: Recorded) => void | "drop" | Promise<void | "drop">>;
  requests: Recorded[];
  /** Issued token lifetime, seconds. */
  tokenLifetime: number;
  /** The time Google stamps on what it creates (createTime, validAfterTime), in epoch ms; tests move it. */
  now: () => number;
  /**
   * How long reads lag writes, in ms (0: they do not). Lists and gets of secret versions, IAM keys
   * and API keys leave out what was made less than this ago, as an eventually consistent read that
   * has not caught up does (cloud.google.com/secret-manager/docs/reference/consistency: only adding
   * a version and accessing it by number is strongly consistent; IAM's and API Keys' reads likewise
   * "typically minutes"). Writes by name (delete, destroy, getKeyString) see everything.
   */
  readLagMs: number;
}

/** Whether a read shows what was made at `iso`: always without lag, else once the lag has passed. */
export function settled(state: GoogleState, iso: string | undefined): boolean {
  if (state.readLagMs === 0 || iso === undefined) return true;
  return Date.parse(iso) <= state.now() - state.readLagMs;
}

export function generateModels(count: number): Record<string, unknown>[] {
  // Models Google serves in late 2026 (ai.google.dev/gemini-api/docs/deprecations), a retired one
  // (models.list still returns those) and an embedding model, which has no generateContent.
  const named = [
    "gemini-3.8-flash",
    "gemini-3.5-flash-lite",
    "gemini-2.5-flash",
    "gemini-embedding-001",
  ];
  return Array.from({ length: count }, (_, i) => {
    const id = named[i] ?? `gemini-test-${String(i).padStart(3, "0")}`;
    return {
      name: `models/${id}`,
      baseModelId: id,
      version: "001",
      displayName: id.replace(/-/g, " "),
      inputTokenLimit: 1048576,
      outputTokenLimit: 65536,
      supportedGenerationMethods: id.includes("embedding")
        ? ["embedContent", "countTextTokens"]
        : ["generateContent", "countTokens"],
    };
  });
}

/** An active project with billing, under an organization, with these services and no policy set. */
export function cloudProject(
  projectId: string,
  number: string,
  services: readonly string[],
): CloudProject {
  return {
    projectId,
    number,
    lifecycleState: "ACTIVE",
    parent: { type: "organization", id: "246813579024" },
    billingAccount: "billingAccounts/01A2B3-C4D5E6-F7A8B9",
    billingEnabled: true,
    services: new Set(services),
    policies: new Map(),
  };
}

/** The number of the project the fake serves (the dev stack's, acme-gemini-dev). */
export const PROJECT_NUMBER = "123456789012";

export function initialState(): GoogleState {
  return {
    cloudProjects: new Map(),
    parents: new Set(),
    billingAccounts: new Set(),
    resourceGrants: new Map(),
    grants: new Map(),
    accounts: new Map(),
    keyAdmins: new Map(),
    keyCreationBlocked: false,
    apiKeyBindingBlocked: false,
    newKeyRefusals: 0,
    newApiKeysListOnly: false,
    generationQuotaZero: false,
    clients: new Map(),
    consent: { action: "approve", user: "dev@example.com" },
    codes: new Map(),
    refreshTokens: new Map(),
    tokens: new Map(),
    federated: new Map(),
    impersonators: new Map(),
    secrets: new Map(),
    apiKeys: new Map(),
    apiKeyRecords: new Map(),
    apiKeyAdmins: new Set(),
    keyBinders: new Map(),
    operations: new Map(),
    operationPolls: 1,
    projects: new Map([[PROJECT_NUMBER, "acme-gemini-dev"]]),
    userProjects: new Set(),
    disabledUntil: 0,
    disabled: false,
    models: generateModels(57),
    vertex: { models: vertexModels(), expressKeys: new Set(), disabled: false },
    tunedModels: [],
    permissions: new Map(),
    repeatPageToken: false,
    faults: new Map(),
    hooks: new Map(),
    requests: [],
    tokenLifetime: 3599,
    now: Date.now,
    readLagMs: 0,
  };
}

/** `projects/NUMBER/...` as `projects/PROJECT_ID/...`, the form the fake keeps names in. */
export function byProjectId(state: GoogleState, name: string): string {
  return name.replace(/^projects\/(\d+)\//, (whole, number: string) => {
    const id = state.projects.get(number);
    return id === undefined ? whole : `projects/${id}/`;
  });
}

/** `projects/PROJECT_ID/...` as `projects/NUMBER/...`, the form Google answers with. */
export function byProjectNumber(state: GoogleState, name: string): string {
  for (const [number, id] of state.projects)
    if (name.startsWith(`projects/${id}/`))
      return `projects/${number}/${name.slice(`projects/${id}/`.length)}`;
  return name;
}
