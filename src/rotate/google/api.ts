/** What every call of the rotator to Google shares: the transport, the endpoints and the caller. */

import { record } from "../../json.ts";
import type { AuthKind, CallContext } from "../../verify/diagnose.ts";
import type { Endpoints } from "../../verify/endpoints.ts";
import { callJson, malformed, type Http } from "../../verify/http.ts";

export interface Api {
  http: Http;
  endpoints: Endpoints;
  /** The caller's auth headers: the rotator's identity (or yours), never the keys it makes. */
  headers: () => Promise<Record<string, string>>;
  /** Who the caller is, for messages. */
  principal: string;
  identity: AuthKind;
}

/** The context a call's failure is explained in. */
export function context(
  api: Api,
  what: string,
  service: CallContext["service"],
  denied: string,
): CallContext {
  return { what, service, identity: api.identity, principal: api.principal, denied };
}

/** Where a refused call's grant comes from. */
export const GRANTED_BY =
  "The CI stack grants it to the environment's rotator (npm run deploy -- --stack ci applies it); running as yourself, you need the same.";

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
    const body = record(
      await callJson(api.http, ctx, { method: "GET", url: u.href, headers: await api.headers() }),
    );
    if (body === undefined) throw malformed(ctx.what, u.origin, 200, "is not a JSON object");
    for (const item of Array.isArray(body[field]) ? (body[field] as unknown[]) : [])
      items.push(parse(item, u.origin));
    token = typeof body.nextPageToken === "string" ? body.nextPageToken : "";
    if (token === "") return items;
  }
  throw malformed(ctx.what, base.origin, 200, `still had more pages after ${MAX_PAGES}`);
}
