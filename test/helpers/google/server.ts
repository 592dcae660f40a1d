/**
 * A fake Google on 127.0.0.1 for tests and the benchmark: one HTTP server that speaks the documented
 * shapes of the OAuth endpoints, the Gemini API, Vertex AI, Secret Manager, IAM Credentials, IAM's
 * service-account keys, API Keys v2 and, for preflight, Cloud Resource Manager, Cloud Billing,
 * Organization Policy and Service Usage: one module per API, as the code has, each naming its
 * source (iam-policy.ts is the IAM policy mixin two of them share). The command under test reaches
 * it through the endpoint variables, exactly as it would reach a Private Service Connect address.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createApiKey,
  deleteApiKey,
  getApiKey,
  getKeyString,
  getOperation,
  listApiKeys,
} from "./api-keys.ts";
import {
  countTokens as vertexCountTokens,
  generateContent as vertexGenerateContent,
  VERTEX_PATHS,
} from "./aiplatform.ts";
import { getBillingInfo, testBillingAccountPermissions } from "./billing.ts";
import {
  apiKeyString,
  desktopClient,
  refreshToken,
  serviceAccountKey,
  type GeneratedClient,
  type GeneratedKey,
} from "./credentials.ts";
import { countTokens, createPermission, generateContent, models, tunedModels } from "./gemini.ts";
import { generateAccessToken } from "./iam-credentials.ts";
import { createKey, deleteKey, getKey, listKeys } from "./iam-keys.ts";
import { authorizationEndpoint, stsEndpoint, tokenEndpoint } from "./oauth.ts";
import { getEffectivePolicy } from "./org-policy.ts";
import {
  deleteProject,
  getOperation as getProjectOperation,
  getProject,
  getProjectV3,
  searchProjects,
  testParentPermissions,
  testProjectPermissions,
} from "./resource-manager.ts";
import { json } from "./respond.ts";
import { match, type RouteDef } from "./routes.ts";
import {
  accessVersion,
  addVersion,
  destroyVersion,
  getSecret,
  getVersion,
  listVersions,
  patchSecret,
  testSecretPermissions,
} from "./secret-manager.ts";
import { batchGetServices } from "./service-usage.ts";
import {
  initialState,
  type AccountKey,
  type Fault,
  type GoogleState,
  type Recorded,
  type Route,
} from "./state.ts";

export interface FakeGoogle {
  url: string;
  state: GoogleState;
  /** The variables that point the verify and rotate commands here. */
  env: Record<string, string>;
  /** An account with one key (given to no one: the test writes the file where it needs it). */
  addServiceAccount(email: string, project: string): GeneratedKey;
  addClient(project: string): GeneratedClient;
  addApiKey(): string;
  /** Lets `principal` call Vertex's models in `project` (aiplatform.endpoints.predict, as roles/aiplatform.user grants). */
  allowVertex(principal: string, project: string): void;
  /** A secret whose only version holds `value`, readable by `readers`. */
  addSecret(name: string, value: string | undefined, readers: string[]): void;
  /** A refresh token for a user who consented earlier (an authorized_user ADC file holds one). */
  addRefreshToken(clientId: string, user: string, scopes: string[]): string;
  /** The next requests to `route` get these responses, in order. */
  failNext(route: Route, ...faults: Fault[]): void;
  requestsTo(route: Route): Recorded[];
  close(): Promise<void>;
}

const SECRET = "(projects/[^/]+/secrets/[^/:]+)";
const ACCOUNT = "projects/([^/]+)/serviceAccounts/([^/:]+)";
const API_KEYS = "projects/([^/]+)/locations/global/keys";

/** Every path the fake answers, by method, with the handler that speaks that API's shapes. */
const ROUTES: RouteDef[] = [
  {
    route: "token",
    method: "POST",
    pattern: /^\/token$/,
    handle: (c) => tokenEndpoint(c.state, c.res, c.body),
  },
  {
    route: "auth",
    method: "GET",
    pattern: /^\/o\/oauth2\/v2\/auth$/,
    handle: (c) => authorizationEndpoint(c.state, c.res, c.url.searchParams),
  },
  {
    route: "sts",
    method: "POST",
    pattern: /^\/sts\/v1\/token$/,
    handle: (c) => stsEndpoint(c.state, c.res, c.body),
  },
  {
    route: "models",
    method: "GET",
    pattern: /^\/v1beta\/models$/,
    handle: (c) => models(c.state, c.req, c.res, c.url),
  },
  {
    route: "countTokens",
    method: "POST",
    pattern: /^\/v1beta\/(models\/[^/:]+):countTokens$/,
    handle: (c, [m]) => countTokens(c.state, c.req, c.res, c.url, m!, c.body),
  },
  {
    route: "generateContent",
    method: "POST",
    pattern: /^\/v1beta\/(models\/[^/:]+):generateContent$/,
    handle: (c, [m]) => generateContent(c.state, c.req, c.res, c.url, m!, c.body),
  },
  ...(["countTokens", "generateContent"] as const).flatMap((method): RouteDef[] =>
    [VERTEX_PATHS.project(method), VERTEX_PATHS.express(method)].map((pattern) => ({
      route: `vertex.${method}`,
      method: "POST",
      pattern,
      handle: method === "countTokens" ? vertexCountTokens : vertexGenerateContent,
    })),
  ),
  {
    route: "tunedModels",
    method: "GET",
    pattern: /^\/v1beta\/tunedModels$/,
    handle: (c) => tunedModels(c.state, c.req, c.res, c.url),
  },
  {
    route: "permissions",
    method: "POST",
    pattern: /^\/v1beta\/(tunedModels\/[^/]+)\/permissions$/,
    handle: (c, [m]) => createPermission(c.state, c.req, c.res, c.url, m!, c.body),
  },
  {
    route: "iamcredentials",
    method: "POST",
    pattern: /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/,
    handle: (c, [e]) =>
      generateAccessToken(c.state, c.res, e!, c.req.headers.authorization, c.body),
  },
  {
    route: "secrets",
    method: "GET",
    pattern: new RegExp(`^/v1/${SECRET}/versions/(latest|\\d+):access$`),
    handle: accessVersion,
  },
  {
    route: "versions.list",
    method: "GET",
    pattern: new RegExp(`^/v1/${SECRET}/versions$`),
    handle: listVersions,
  },
  {
    route: "versions.get",
    method: "GET",
    pattern: new RegExp(`^/v1/${SECRET}/versions/(\\d+)$`),
    handle: getVersion,
  },
  {
    route: "versions.add",
    method: "POST",
    pattern: new RegExp(`^/v1/${SECRET}:addVersion$`),
    handle: addVersion,
  },
  {
    route: "versions.destroy",
    method: "POST",
    pattern: new RegExp(`^/v1/${SECRET}/versions/(\\d+):destroy$`),
    handle: destroyVersion,
  },
  { route: "secret.get", method: "GET", pattern: new RegExp(`^/v1/${SECRET}$`), handle: getSecret },
  {
    route: "secret.patch",
    method: "PATCH",
    pattern: new RegExp(`^/v1/${SECRET}$`),
    handle: patchSecret,
  },
  {
    route: "iamKeys.list",
    method: "GET",
    pattern: new RegExp(`^/v1/${ACCOUNT}/keys$`),
    handle: listKeys,
  },
  {
    route: "iamKeys.create",
    method: "POST",
    pattern: new RegExp(`^/v1/${ACCOUNT}/keys$`),
    handle: createKey,
  },
  {
    route: "iamKeys.get",
    method: "GET",
    pattern: new RegExp(`^/v1/${ACCOUNT}/keys/([^/]+)$`),
    handle: getKey,
  },
  {
    route: "iamKeys.delete",
    method: "DELETE",
    pattern: new RegExp(`^/v1/${ACCOUNT}/keys/([^/]+)$`),
    handle: deleteKey,
  },
  {
    route: "apiKeys.list",
    method: "GET",
    pattern: new RegExp(`^/v2/${API_KEYS}$`),
    handle: listApiKeys,
  },
  {
    route: "apiKeys.create",
    method: "POST",
    pattern: new RegExp(`^/v2/${API_KEYS}$`),
    handle: createApiKey,
  },
  {
    route: "apiKeys.keyString",
    method: "GET",
    pattern: new RegExp(`^/v2/${API_KEYS}/([^/]+)/keyString$`),
    handle: getKeyString,
  },
  {
    route: "apiKeys.get",
    method: "GET",
    pattern: new RegExp(`^/v2/${API_KEYS}/([^/]+)$`),
    handle: getApiKey,
  },
  {
    route: "apiKeys.delete",
    method: "DELETE",
    pattern: new RegExp(`^/v2/${API_KEYS}/([^/]+)$`),
    handle: deleteApiKey,
  },
  {
    route: "operations.get",
    method: "GET",
    pattern: /^\/v2\/operations\/([^/]+)$/,
    handle: getOperation,
  },
  {
    route: "projects.get",
    method: "GET",
    pattern: /^\/v1\/projects\/([^/:]+)$/,
    handle: getProject,
  },
  {
    route: "projects.search",
    method: "GET",
    pattern: /^\/v3\/projects:search$/,
    handle: searchProjects,
  },
  {
    route: "projects.delete",
    method: "DELETE",
    pattern: /^\/v3\/projects\/([^/:]+)$/,
    handle: deleteProject,
  },
  {
    route: "projects.operations.get",
    method: "GET",
    pattern: /^\/v3\/operations\/([^/]+)$/,
    handle: getProjectOperation,
  },
  {
    route: "projects.testIamPermissions",
    method: "POST",
    pattern: /^\/v1\/projects\/([^/:]+):testIamPermissions$/,
    handle: testProjectPermissions,
  },
  {
    route: "projects.v3.get",
    method: "GET",
    pattern: /^\/v3\/projects\/([^/:]+)$/,
    handle: getProjectV3,
  },
  {
    route: "parents.testIamPermissions",
    method: "POST",
    pattern: /^\/v3\/(folders|organizations)\/([^/:]+):testIamPermissions$/,
    handle: testParentPermissions,
  },
  {
    route: "billingAccounts.testIamPermissions",
    method: "POST",
    pattern: /^\/v1\/billingAccounts\/([^/:]+):testIamPermissions$/,
    handle: testBillingAccountPermissions,
  },
  {
    route: "secret.testIamPermissions",
    method: "POST",
    pattern: /^\/v1\/projects\/([^/]+)\/secrets\/([^/:]+):testIamPermissions$/,
    handle: testSecretPermissions,
  },
  {
    route: "billingInfo",
    method: "GET",
    pattern: /^\/v1\/projects\/([^/]+)\/billingInfo$/,
    handle: getBillingInfo,
  },
  {
    route: "effectivePolicy",
    method: "GET",
    pattern: /^\/v2\/projects\/([^/]+)\/policies\/([^/:]+):getEffectivePolicy$/,
    handle: getEffectivePolicy,
  },
  {
    route: "services.batchGet",
    method: "GET",
    pattern: /^\/v1\/projects\/([^/]+)\/services:batchGet$/,
    handle: batchGetServices,
  },
];

async function applyFault(res: ServerResponse, fault: Fault): Promise<void> {
  if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault.destroy) {
    res.socket?.destroy();
    return;
  }
  if (fault.raw !== undefined) {
    res.writeHead(fault.status, { "content-type": "text/html", ...fault.headers }).end(fault.raw);
    return;
  }
  json(res, fault.status, fault.body ?? {}, fault.headers);
}

/** A response that is not sent: the handler acts on the state, the fault answers instead. */
function swallowed(res: ServerResponse): ServerResponse {
  return Object.assign(Object.create(res) as ServerResponse, {
    writeHead: () => swallowed(res),
    end: () => swallowed(res),
  });
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const state = initialState();
  const handle = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const matched = match(ROUTES, req.method ?? "GET", url.pathname);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const recorded: Recorded = {
      route: matched?.def.route ?? "other",
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    };
    state.requests.push(recorded);
    if (matched === undefined)
      return json(res, 404, { error: { code: 404, message: "Not Found", status: "NOT_FOUND" } });
    if ((await state.hooks.get(matched.def.route)?.(recorded)) === "drop") {
      res.socket?.destroy();
      return;
    }
    const fault = state.faults.get(matched.def.route)?.shift();
    if (fault !== undefined && !fault.afterHandling) return applyFault(res, fault);
    await matched.def.handle(
      { state, req, res: fault === undefined ? res : swallowed(res), url, body },
      matched.params,
    );
    if (fault !== undefined) return applyFault(res, fault);
  };
  const server = createServer((req, res) => {
    // Every answer carries Google's time (RFC 9110's Date header), which the tests' clock gives.
    res.setHeader("date", new Date(state.now()).toUTCString());
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString()).catch((err: unknown) => {
        if (!res.headersSent)
          json(res, 500, { error: { code: 500, message: String(err), status: "INTERNAL" } });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    env: {
      GOOGLE_GEMINI_BASE_URL: url,
      GEMINI_KIT_OAUTH2_TOKEN_URL: `${url}/token`,
      GEMINI_KIT_OAUTH2_AUTH_URL: `${url}/o/oauth2/v2/auth`,
      GEMINI_KIT_SECRETMANAGER_ENDPOINT: url,
      GEMINI_KIT_IAMCREDENTIALS_ENDPOINT: url,
      GEMINI_KIT_IAM_ENDPOINT: url,
      GEMINI_KIT_APIKEYS_ENDPOINT: url,
      GEMINI_KIT_ORGPOLICY_ENDPOINT: url,
      GEMINI_KIT_CLOUDBILLING_ENDPOINT: url,
      GEMINI_KIT_CLOUDRESOURCEMANAGER_ENDPOINT: url,
      GEMINI_KIT_SERVICEUSAGE_ENDPOINT: url,
      GEMINI_KIT_AIPLATFORM_ENDPOINT: url,
    },
    addServiceAccount(email, project) {
      const key = serviceAccountKey(email, project);
      const keys = state.accounts.get(email) ?? new Map<string, AccountKey>();
      keys.set(key.keyId, {
        keyId: key.keyId,
        validAfterTime: new Date(state.now()).toISOString(),
        publicKeyPem: key.publicKeyPem,
        disabled: false,
        refusalsLeft: 0,
      });
      state.accounts.set(email, keys);
      return key;
    },
    addClient(project) {
      const client = desktopClient(project);
      state.clients.set(client.clientId, client.clientSecret);
      return client;
    },
    addApiKey() {
      const key = apiKeyString();
      state.apiKeys.set(key, undefined);
      return key;
    },
    allowVertex(principal, project) {
      const grants = state.grants.get(principal) ?? [];
      state.grants.set(principal, [
        ...grants,
        { project, permissions: ["aiplatform.endpoints.predict"] },
      ]);
    },
    addSecret(name, value, readers) {
      const versions =
        value === undefined
          ? []
          : [
              {
                number: 1,
                createTime: new Date(state.now()).toISOString(),
                state: "ENABLED" as const,
                data: Buffer.from(value),
              },
            ];
      state.secrets.set(name, {
        name,
        readers: new Set(readers),
        managers: new Set(),
        annotations: {},
        etag: 1,
        versions,
      });
    },
    addRefreshToken(clientId, user, scopes) {
      const token = refreshToken();
      state.refreshTokens.set(token, { clientId, scopes, user });
      return token;
    },
    failNext(r, ...faults) {
      state.faults.set(r, [...(state.faults.get(r) ?? []), ...faults]);
    },
    requestsTo(r) {
      return state.requests.filter((q) => q.route === r);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
