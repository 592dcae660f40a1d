/**
 * The read-only calls preflight makes go through these: the verify transport (timeouts,
 * retries, Google's error bodies diagnosed), and a refusal becomes a Failure whose fix says which
 * permission the caller lacks. Each call is in the request and response shapes of its API's
 * reference (sources with each call).
 */

import { record } from "../../json.ts";
import type { CallContext } from "../../verify/diagnose.ts";
import { callJson, malformed } from "../../verify/http.ts";
import type { Api } from "../../rotate/google/api.ts";

/** What a refused read needs, named for the fix. */
export function needs(permission: string, role: string): string {
  return `The caller needs ${permission} on the project (${role} has it; CI's deployer holds it through its preflight role), or the project does not exist.`;
}

export function ctx(
  api: Api,
  what: string,
  service: CallContext["service"],
  denied: string,
): CallContext {
  return { what, service, identity: api.identity, principal: api.principal, denied };
}

export async function get(
  api: Api,
  context: CallContext,
  url: string,
): Promise<Record<string, unknown>> {
  const body = record(
    await callJson(api.http, context, { method: "GET", url, headers: await api.headers() }),
  );
  if (body === undefined)
    throw malformed(context.what, new URL(url).origin, 200, "is not a JSON object");
  return body;
}

export async function post(
  api: Api,
  context: CallContext,
  url: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const body = record(
    await callJson(api.http, context, {
      method: "POST",
      url,
      headers: await api.headers(),
      body: payload,
    }),
  );
  if (body === undefined)
    throw malformed(context.what, new URL(url).origin, 200, "is not a JSON object");
  return body;
}

export const text = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;

/** The strings of a JSON array; none for anything else. */
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
