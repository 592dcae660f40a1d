/**
 * IAM Service Account Credentials v1 (discovery document iamcredentials v1):
 * projects.serviceAccounts.generateAccessToken, a short-lived token of another account, which
 * needs roles/iam.serviceAccountTokenCreator (iam.serviceAccounts.getAccessToken) on that account.
 */

import { record } from "../../json.ts";
import type { CallContext } from "../errors/context.ts";
import { callJson, malformed, type Http } from "../http.ts";

/** `POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken`, as the caller whose headers are given. */
export async function generateAccessToken(
  http: Http,
  endpoint: string,
  headers: Record<string, string>,
  request: { email: string; scopes: string[]; lifetimeSeconds: number },
  context: Omit<CallContext, "service">,
): Promise<string> {
  const url = `${endpoint}/v1/projects/-/serviceAccounts/${encodeURIComponent(request.email)}:generateAccessToken`;
  const body = await callJson(
    http,
    { ...context, service: "iamcredentials" },
    {
      method: "POST",
      url,
      headers,
      body: { scope: request.scopes, lifetime: `${request.lifetimeSeconds}s` },
    },
  );
  const accessToken = record(body)?.accessToken;
  if (typeof accessToken !== "string" || accessToken === "")
    throw malformed(context.what, new URL(url).origin, 200, "has no accessToken");
  return accessToken;
}
