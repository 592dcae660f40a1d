/** What every call of the rotator to Google shares: the transport, the endpoints and the caller. */

import type { AuthKind, CallContext } from "../../verify/diagnose.ts";
import type { Endpoints } from "../../verify/endpoints.ts";
import type { Http } from "../../verify/http.ts";

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
export function context(api: Api, what: string, service: CallContext["service"], denied: string): CallContext {
  return { what, service, identity: api.identity, principal: api.principal, denied };
}

/** Where a refused call's grant comes from. */
export const GRANTED_BY = "The CI stack grants it to the environment's rotator (npm run deploy -- --stack ci applies it); running as yourself, you need the same.";
