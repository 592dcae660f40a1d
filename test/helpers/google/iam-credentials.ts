/**
 * The fake's IAM Credentials v1: projects.serviceAccounts.generateAccessToken, a short-lived token
 * for an account the caller may impersonate, `scope[]` in, `accessToken` and `expireTime` out (REST
 * reference cloud.google.com/iam/docs/reference/credentials/rest, projects.serviceAccounts).
 */

import type { ServerResponse } from "node:http";
import { bearer, issue } from "./oauth.ts";
import { googleError, json } from "./respond.ts";
import type { GoogleState } from "./state.ts";

export function generateAccessToken(
  state: GoogleState,
  res: ServerResponse,
  target: string,
  auth: string | undefined,
  body: string,
): void {
  const { token } = bearer(state, auth);
  if (token === undefined)
    return json(
      res,
      401,
      googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
    );
  if (!state.impersonators.get(target)?.has(token.principal)) {
    return json(
      res,
      403,
      googleError(
        403,
        "PERMISSION_DENIED",
        "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
        { reason: "IAM_PERMISSION_DENIED", domain: "iam.googleapis.com" },
      ),
    );
  }
  const request = JSON.parse(body || "{}") as { scope?: string[] };
  const issued = issue(state, {
    principal: target,
    kind: "service_account",
    scopes: request.scope ?? [],
  });
  json(res, 200, {
    accessToken: issued.access_token,
    expireTime: new Date(Date.now() + 3600_000).toISOString(),
  });
}
