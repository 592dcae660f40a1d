/**
 * What every call to one of Google's resource APIs shares: the caller (`Api`: the transport, the
 * endpoints and whose headers), the context its failure is explained in, and the JSON shapes the
 * answers come in (an object, a paged list). The calls themselves are one module per API beside
 * this one.
 */

import { record } from "../../json.ts";
import type { AuthKind, CallContext } from "../errors/context.ts";
import { callJson, malformed, type ApiRequest, type Http } from "../http.ts";
import type { Endpoints } from "../transport/endpoints.ts";

export interface Api {
  http: Http;
  endpoints: Endpoints;
  /** The caller's auth headers: the command's identity (or yours), never a key it makes. */
  headers: () => Promise<Record<string, string>>;
  /** Who the caller is, for messages. */
  principal: string;
  identity: AuthKind;
  /** Who grants the caller what a call needs, ending the fix of a refused call: differs by command. */
  grantedBy: string;
}

/** The context a call's failure is explained in: `needs` says what Google checks, `api.grantedBy` who grants it. */
export function context(
  api: Api,
  what: string,
  service: CallContext["service"],
  needs: string,
): CallContext {
  return {
    what,
    service,
    identity: api.identity,
    principal: api.principal,
    denied: `${needs} ${api.grantedBy}`,
  };
}

/** `GET url`, whose answer must be a JSON object. */
export function getObject(
  api: Api,
  ctx: CallContext,
  url: string,
): Promise<Record<string, unknown>> {
  return objectCall(api, ctx, { method: "GET", url });
}

/** `POST url` with a JSON body, whose answer must be a JSON object. */
export function postObject(
  api: Api,
  ctx: CallContext,
  url: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  return objectCall(api, ctx, { method: "POST", url, body: payload });
}

async function objectCall(
  api: Api,
  ctx: CallContext,
  request: Omit<ApiRequest, "headers">,
): Promise<Record<string, unknown>> {
  const body = record(await callJson(api.http, ctx, { ...request, headers: await api.headers() }));
  if (body === undefined)
    throw malformed(ctx.what, new URL(request.url).origin, 200, "is not a JSON object");
  return body;
}

const MAX_PAGES = 100;

/** Every item of a paged list (`field`, then `nextPageToken` as `pageToken` until it is empty), each parsed. */
export async function listPages<T>(
  api: Api,
  ctx: CallContext,
  base: URL,
  field: string,
  parse: (item: unknown, origin: string) => T,
): Promise<T[]> {
  const items: T[] = [];
  let token = "";
  for (let page = 0; page < MAX_PAGES; page++) {
    const u = new URL(base);
    if (token !== "") u.searchParams.set("pageToken", token);
    const body = await getObject(api, ctx, u.href);
    for (const item of Array.isArray(body[field]) ? (body[field] as unknown[]) : [])
      items.push(parse(item, u.origin));
    token = typeof body.nextPageToken === "string" ? body.nextPageToken : "";
    if (token === "") return items;
  }
  throw malformed(ctx.what, base.origin, 200, `still had more pages after ${MAX_PAGES}`);
}

/** A non-empty string field; undefined for anything else. */
export const text = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;

/**
 * An RFC 3339 timestamp, as Google writes one (`2026-12-07T15:00:00.123456Z`, or with an offset);
 * undefined for anything else, which a caller reads as a malformed answer, never as a date.
 */
export function timestamp(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return undefined;
  return Number.isNaN(Date.parse(v)) ? undefined : v;
}

/** The strings of a JSON array; none for anything else. */
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** A JSON object's string fields (annotations, labels). */
export function stringFields(v: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [k, value] of Object.entries(record(v) ?? {}))
    if (typeof value === "string") fields[k] = value;
  return fields;
}

/** What a read of a project needs, for the fix of a refused one (Google refuses a missing project alike). */
export function onProject(permission: string, role: string): string {
  return `The caller needs ${permission} on the project (${role} has it), or the project does not exist.`;
}
