/**
 * A fake Google on 127.0.0.1 for tests and the benchmark: one HTTP server that speaks the documented
 * shapes of the OAuth endpoints, the Gemini API, Secret Manager and IAM Credentials. The command
 * under test reaches it through the endpoint variables, exactly as it would reach a Private Service
 * Connect address.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { accessSecret, createPermission, models, tunedModels } from "./api.ts";
import { authorizationEndpoint, generateAccessToken, stsEndpoint, tokenEndpoint } from "./auth.ts";
import { apiKeyString, desktopClient, refreshToken, serviceAccountKey, type GeneratedClient, type GeneratedKey } from "./credentials.ts";
import { json } from "./respond.ts";
import { initialState, type Fault, type GoogleState, type Recorded, type Route } from "./state.ts";

export interface FakeGoogle {
  url: string;
  state: GoogleState;
  /** The variables that point the verify command here. */
  env: Record<string, string>;
  addServiceAccount(email: string, project: string): GeneratedKey;
  addClient(project: string): GeneratedClient;
  addApiKey(): string;
  addSecret(name: string, value: string, readers: string[]): void;
  /** A refresh token for a user who consented earlier (an authorized_user ADC file holds one). */
  addRefreshToken(clientId: string, user: string, scopes: string[]): string;
  /** The next requests to `route` get these responses, in order. */
  failNext(route: Route, ...faults: Fault[]): void;
  requestsTo(route: Route): Recorded[];
  close(): Promise<void>;
}

function route(method: string, path: string): { route: Route; param?: string } | undefined {
  if (method === "POST" && path === "/token") return { route: "token" };
  if (method === "GET" && path === "/o/oauth2/v2/auth") return { route: "auth" };
  if (method === "POST" && path === "/sts/v1/token") return { route: "sts" };
  if (method === "GET" && path === "/v1beta/models") return { route: "models" };
  if (method === "GET" && path === "/v1beta/tunedModels") return { route: "tunedModels" };
  const permission = /^\/v1beta\/(tunedModels\/[^/]+)\/permissions$/.exec(path);
  if (method === "POST" && permission) return { route: "permissions", param: permission[1] };
  const secret = /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+)\/versions\/latest:access$/.exec(path);
  if (method === "GET" && secret) return { route: "secrets", param: secret[1] };
  const iam = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(path);
  if (method === "POST" && iam) return { route: "iamcredentials", param: decodeURIComponent(iam[1]!) };
  return undefined;
}

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

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const state = initialState();
  const handle = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const matched = route(req.method ?? "GET", url.pathname);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    state.requests.push({ route: matched?.route ?? "other", method: req.method ?? "", path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body });
    if (matched === undefined) return json(res, 404, { error: { code: 404, message: "Not Found", status: "NOT_FOUND" } });
    const fault = state.faults.get(matched.route)?.shift();
    if (fault !== undefined) return applyFault(res, fault);
    switch (matched.route) {
      case "token":
        return tokenEndpoint(state, res, body);
      case "auth":
        return authorizationEndpoint(state, res, url.searchParams);
      case "sts":
        return stsEndpoint(state, res, body);
      case "models":
        return models(state, req, res, url);
      case "tunedModels":
        return tunedModels(state, req, res, url);
      case "permissions":
        return createPermission(state, req, res, url, matched.param!, body);
      case "secrets":
        return accessSecret(state, req, res, matched.param!);
      case "iamcredentials":
        return generateAccessToken(state, res, matched.param!, req.headers.authorization, body);
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString()).catch((err: unknown) => {
        if (!res.headersSent) json(res, 500, { error: { code: 500, message: String(err), status: "INTERNAL" } });
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
    },
    addServiceAccount(email, project) {
      const key = serviceAccountKey(email, project);
      const keys = state.accounts.get(email) ?? new Map<string, string>();
      keys.set(key.keyId, key.publicKeyPem);
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
      state.apiKeys.add(key);
      return key;
    },
    addSecret(name, value, readers) {
      state.secrets.set(name, { value, readers: new Set(readers) });
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
