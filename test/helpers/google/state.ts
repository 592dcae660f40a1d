/** What the fake Google knows: accounts, clients, users, tokens, secrets, models, and injected faults. */

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
}

export type Route = "token" | "auth" | "sts" | "models" | "tunedModels" | "permissions" | "secrets" | "iamcredentials";

export interface Recorded {
  route: Route | "other";
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

export interface GoogleState {
  /** Service-account e-mail to its keys' public halves, by key id. */
  accounts: Map<string, Map<string, string>>;
  /** Desktop client id to secret. */
  clients: Map<string, string>;
  /** What the authorization endpoint does: the user approves (granting these scopes, default all) or denies. */
  consent: { action: "approve" | "deny"; user: string; grant?: (requested: string[]) => string[] };
  codes: Map<string, { clientId: string; redirectUri: string; challenge: string; scopes: string[]; user: string }>;
  refreshTokens: Map<string, { clientId: string; scopes: string[]; user: string }>;
  tokens: Map<string, Token>;
  /** Federated subject tokens the STS accepts, to the principal they map to. */
  federated: Map<string, string>;
  /** Target account e-mail to the principals allowed to impersonate it. */
  impersonators: Map<string, Set<string>>;
  /** Secret name (projects/P/secrets/S) to its latest value and who may read it. */
  secrets: Map<string, { value: string; readers: Set<string> }>;
  apiKeys: Set<string>;
  /** Projects users may name in x-goog-user-project. */
  userProjects: Set<string>;
  /** SERVICE_DISABLED for the Gemini API until this epoch ms (freshly enabled API). */
  disabledUntil: number;
  /** The Gemini API is off in the project (not enabled at all). */
  disabled: boolean;
  models: Record<string, unknown>[];
  tunedModels: Record<string, unknown>[];
  permissions: Map<string, Record<string, unknown>[]>;
  /** Answer every models page with the same nextPageToken. */
  repeatPageToken: boolean;
  faults: Map<Route, Fault[]>;
  requests: Recorded[];
  /** Issued token lifetime, seconds. */
  tokenLifetime: number;
}

export function generateModels(count: number): Record<string, unknown>[] {
  const named = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash", "text-embedding-004"];
  return Array.from({ length: count }, (_, i) => {
    const id = named[i] ?? `gemini-test-${String(i).padStart(3, "0")}`;
    return {
      name: `models/${id}`,
      baseModelId: id,
      version: "001",
      displayName: id.replace(/-/g, " "),
      inputTokenLimit: 1048576,
      outputTokenLimit: 65536,
      supportedGenerationMethods: ["generateContent", "countTokens"],
    };
  });
}

export function initialState(): GoogleState {
  return {
    accounts: new Map(),
    clients: new Map(),
    consent: { action: "approve", user: "dev@example.com" },
    codes: new Map(),
    refreshTokens: new Map(),
    tokens: new Map(),
    federated: new Map(),
    impersonators: new Map(),
    secrets: new Map(),
    apiKeys: new Set(),
    userProjects: new Set(),
    disabledUntil: 0,
    disabled: false,
    models: generateModels(57),
    tunedModels: [],
    permissions: new Map(),
    repeatPageToken: false,
    faults: new Map(),
    requests: [],
    tokenLifetime: 3599,
  };
}
