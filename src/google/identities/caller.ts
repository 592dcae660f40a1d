/**
 * What every identity provides to the checks: who it is, and fresh auth headers for a Google call.
 */

import type { AuthClient, JWTOptions } from "google-auth-library";
import type { AuthKind } from "../errors/context.ts";
import { rewritingFetch, type Endpoints } from "../transport/endpoints.ts";
import { Failure } from "../../cli/failure.ts";
import { withRetries, type Http } from "../http.ts";
import type { Redactor } from "../../cli/redact.ts";
import { tokenAttempt, type TokenContext } from "../errors/token-errors.ts";

export interface Identity {
  kind: AuthKind;
  /** An e-mail, "user", or the API key's resource name: never a credential. */
  principal: string;
  /** Where the credential came from: "key file runtime.json", "secret projects/p/secrets/s", ... */
  source: string;
  /** The project the calls are billed to, when known. */
  project?: string;
}

export interface Caller {
  identity: Identity;
  /** Headers that authenticate one Google API call; gets or refreshes a token as needed. */
  headers(): Promise<Record<string, string>>;
}

/** What identities are built from. */
export interface IdentityDeps {
  http: Http;
  endpoints: Endpoints;
  redactor: Redactor;
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  scopes: string[];
  /**
   * The stack's project, when the caller acts for a stack: user credentials bill it when nothing
   * else names a quota project, and reports name it.
   */
  project?: string;
  /** The stack, for naming its file in a fix. */
  stack?: string;
}

export const SCOPES = {
  cloudPlatform: "https://www.googleapis.com/auth/cloud-platform",
  retriever: "https://www.googleapis.com/auth/generative-language.retriever",
  tuning: "https://www.googleapis.com/auth/generative-language.tuning",
  tuningReadonly: "https://www.googleapis.com/auth/generative-language.tuning.readonly",
};

/** The quickstart's scopes, plus tuning ones when tuned models are listed or shared. */
export function scopesFor(options: { tuned: boolean; share: boolean; extra: string[] }): string[] {
  if (options.extra.length > 0) return options.extra;
  const scopes = [SCOPES.cloudPlatform, SCOPES.retriever];
  if (options.share) scopes.push(SCOPES.tuning);
  else if (options.tuned) scopes.push(SCOPES.tuningReadonly);
  return scopes;
}

/**
 * Options for the transporter google-auth-library builds for a client: requests go to the configured
 * endpoints, and the library's own retries are off so the command's retry policy is the only one.
 */
export function transport(
  deps: Pick<IdentityDeps, "endpoints" | "http">,
): NonNullable<JWTOptions["transporterOptions"]> {
  return {
    fetchImplementation: rewritingFetch(deps.endpoints, deps.http.fetch),
    timeout: deps.http.policy.timeoutMs,
    retryConfig: { retry: 0, noResponseRetries: 0 },
  };
}

/** A caller whose headers carry a token from a google-auth-library client. */
export function tokenCaller(
  client: AuthClient,
  identity: Identity,
  deps: Pick<IdentityDeps, "http" | "redactor" | "endpoints">,
  context: TokenContext,
  quotaProject?: string,
): Caller {
  const origin = new URL(deps.endpoints.oauth2Token).origin;
  return {
    identity,
    async headers() {
      const token = await withRetries(deps.http, context.what, () =>
        tokenAttempt(deps.http, context, origin, async () => (await client.getAccessToken()).token),
      );
      if (typeof token !== "string" || token === "") {
        throw new Failure(
          "UNAUTHENTICATED",
          `${context.what}: no access token was returned.`,
          "Check the credential; run again.",
        );
      }
      deps.redactor.add(token);
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (quotaProject !== undefined) headers["x-goog-user-project"] = quotaProject;
      return headers;
    },
  };
}

/** A caller with a fixed bearer token (one issued by IAM Credentials). */
export function bearerCaller(
  identity: Identity,
  token: () => Promise<string>,
  redactor: Redactor,
): Caller {
  return {
    identity,
    async headers() {
      const value = await token();
      redactor.add(value);
      return { authorization: `Bearer ${value}` };
    },
  };
}
