/**
 * The fake's OAuth side: the token endpoint (JWT bearer with the RS256 signature checked, refresh
 * tokens, authorization codes with PKCE), the authorization endpoint, and the STS token exchange
 * for Workload Identity Federation, in the shapes of Google's OAuth 2.0 guides
 * (developers.google.com/identity/protocols/oauth2: service-account for the JWT grant, native-app
 * for the loopback redirect and PKCE) and the STS REST reference
 * (cloud.google.com/iam/docs/reference/sts/rest, v1 token). `bearer`, with which every other API's
 * module checks the caller's access token, is here because it reads the tokens these endpoints
 * issue (`issue` is exported for IAM Credentials, the one other issuer).
 */

import { createHash, verify } from "node:crypto";
import type { ServerResponse } from "node:http";
import { accessToken, code as newCode, refreshToken } from "./credentials.ts";
import { json, oauthError } from "./respond.ts";
import type { GoogleState, Token } from "./state.ts";

const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";

export function issue(
  state: GoogleState,
  token: Omit<Token, "expiresAt">,
): { access_token: string; expires_in: number; token_type: string } {
  const value = accessToken();
  state.tokens.set(value, { ...token, expiresAt: Date.now() + state.tokenLifetime * 1000 });
  return { access_token: value, expires_in: state.tokenLifetime, token_type: "Bearer" };
}

/** The caller's token from an Authorization header, if valid and unexpired. */
export function bearer(
  state: GoogleState,
  header: string | undefined,
): { value?: string; token?: Token } {
  const value = /^Bearer (.+)$/.exec(header ?? "")?.[1];
  const token = value === undefined ? undefined : state.tokens.get(value);
  return { value, token: token && token.expiresAt > Date.now() ? token : undefined };
}

const b64url = (text: string): Buffer => Buffer.from(text, "base64url");

function jwtBearer(state: GoogleState, res: ServerResponse, assertion: string): void {
  const [h, p, s] = assertion.split(".");
  if (h === undefined || p === undefined || s === undefined)
    return oauthError(res, 400, "invalid_grant", "Invalid JWT: not three parts.");
  const header = JSON.parse(b64url(h).toString()) as { alg?: string; kid?: string };
  const claims = JSON.parse(b64url(p).toString()) as {
    iss?: string;
    scope?: string;
    aud?: string;
    iat?: number;
    exp?: number;
  };
  const keys = state.accounts.get(claims.iss ?? "");
  if (header.alg !== "RS256")
    return oauthError(res, 400, "invalid_grant", "Invalid JWT: alg must be RS256.");
  if (keys === undefined)
    return oauthError(res, 400, "invalid_grant", "Invalid grant: account not found");
  // Without a kid, Google tries each of the account's active keys.
  const candidates = (
    header.kid === undefined ? [...keys.values()] : [keys.get(header.kid)]
  ).filter((k) => k !== undefined && !k.disabled);
  const key = candidates.find((k) =>
    verify("RSA-SHA256", Buffer.from(`${h}.${p}`), k!.publicKeyPem, b64url(s)),
  );
  if (key === undefined) return oauthError(res, 400, "invalid_grant", "Invalid JWT Signature.");
  // A key IAM made moments ago is not yet known everywhere; Google refuses it as an unknown signature until it is.
  if (key.refusalsLeft > 0) {
    key.refusalsLeft--;
    return oauthError(res, 400, "invalid_grant", "Invalid JWT Signature.");
  }
  const now = Date.now() / 1000;
  if (claims.aud !== GOOGLE_TOKEN_AUDIENCE)
    return oauthError(res, 400, "invalid_grant", "Invalid JWT: audience.");
  if (
    claims.iat === undefined ||
    claims.exp === undefined ||
    claims.exp - claims.iat > 3600 ||
    Math.abs(claims.iat - now) > 300
  ) {
    return oauthError(
      res,
      400,
      "invalid_grant",
      "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
    );
  }
  const scopes = (claims.scope ?? "").split(" ").filter(Boolean);
  if (scopes.length === 0)
    return oauthError(
      res,
      400,
      "invalid_scope",
      "Invalid OAuth scope or ID token audience provided.",
    );
  json(res, 200, issue(state, { principal: claims.iss!, kind: "service_account", scopes }));
}

function clientOk(state: GoogleState, form: URLSearchParams): boolean {
  const id = form.get("client_id");
  return id !== null && state.clients.get(id) === form.get("client_secret");
}

export function tokenEndpoint(state: GoogleState, res: ServerResponse, body: string): void {
  const form = new URLSearchParams(body);
  const grant = form.get("grant_type");
  if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer")
    return jwtBearer(state, res, form.get("assertion") ?? "");
  if (grant !== "refresh_token" && grant !== "authorization_code")
    return oauthError(res, 400, "unsupported_grant_type", `Invalid grant_type: ${grant}`);
  if (!clientOk(state, form))
    return oauthError(res, 401, "invalid_client", "The OAuth client was not found.");
  if (grant === "refresh_token") {
    const saved = state.refreshTokens.get(form.get("refresh_token") ?? "");
    if (saved === undefined || saved.clientId !== form.get("client_id"))
      return oauthError(res, 400, "invalid_grant", "Token has been expired or revoked.");
    return json(res, 200, {
      ...issue(state, { principal: saved.user, kind: "user", scopes: saved.scopes }),
      scope: saved.scopes.join(" "),
    });
  }
  const pending = state.codes.get(form.get("code") ?? "");
  state.codes.delete(form.get("code") ?? "");
  const verifier = form.get("code_verifier") ?? "";
  if (pending === undefined || pending.clientId !== form.get("client_id"))
    return oauthError(res, 400, "invalid_grant", "Malformed auth code.");
  if (pending.redirectUri !== form.get("redirect_uri"))
    return oauthError(res, 400, "redirect_uri_mismatch", "Bad Request");
  if (createHash("sha256").update(verifier).digest("base64url") !== pending.challenge)
    return oauthError(res, 400, "invalid_grant", "Invalid code verifier.");
  const rt = refreshToken();
  state.refreshTokens.set(rt, {
    clientId: pending.clientId,
    scopes: pending.scopes,
    user: pending.user,
  });
  json(res, 200, {
    ...issue(state, { principal: pending.user, kind: "user", scopes: pending.scopes }),
    refresh_token: rt,
    scope: pending.scopes.join(" "),
  });
}

/** The consent screen, answered at once as `state.consent` says: a redirect to the loopback listener. */
export function authorizationEndpoint(
  state: GoogleState,
  res: ServerResponse,
  query: URLSearchParams,
): void {
  const redirect = query.get("redirect_uri") ?? "";
  const clientId = query.get("client_id") ?? "";
  if (!state.clients.has(clientId)) return json(res, 401, { error: "invalid_client" });
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(redirect) || query.get("response_type") !== "code")
    return json(res, 400, { error: "invalid_request" });
  if (query.get("code_challenge_method") !== "S256" || !query.get("code_challenge"))
    return json(res, 400, { error: "invalid_request", error_description: "PKCE S256 required" });
  const target = new URL(redirect);
  target.searchParams.set("state", query.get("state") ?? "");
  if (state.consent.action === "deny") {
    target.searchParams.set("error", "access_denied");
  } else {
    const requested = (query.get("scope") ?? "").split(" ").filter(Boolean);
    const scopes = state.consent.grant ? state.consent.grant(requested) : requested;
    const value = newCode();
    state.codes.set(value, {
      clientId,
      redirectUri: redirect,
      challenge: query.get("code_challenge")!,
      scopes,
      user: state.consent.user,
    });
    target.searchParams.set("code", value);
    target.searchParams.set("scope", scopes.join(" "));
  }
  res.writeHead(302, { location: target.href }).end();
}

export function stsEndpoint(state: GoogleState, res: ServerResponse, body: string): void {
  const form = new URLSearchParams(body);
  const principal = state.federated.get(form.get("subject_token") ?? "");
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:token-exchange")
    return oauthError(res, 400, "invalid_request", "grant_type");
  if (principal === undefined)
    return oauthError(res, 400, "invalid_grant", "The subject token is invalid.");
  const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
  json(res, 200, {
    ...issue(state, { principal, kind: "federated", scopes }),
    issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
  });
}
