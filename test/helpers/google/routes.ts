/** How the fake's handlers are called: the request, its body, and what the path pattern captured. */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { GoogleState, Route } from "./state.ts";

export interface RequestContext {
  state: GoogleState;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: string;
}

/** Handles one request; `params` are the pattern's captures, URL-decoded. */
export type Handler = (ctx: RequestContext, params: string[]) => void | Promise<void>;

export interface RouteDef {
  route: Route;
  method: string;
  /** Matched against the path; captures become the handler's params. */
  pattern: RegExp;
  handle: Handler;
}

/** The route a request is for, with its params. */
export function match(
  routes: readonly RouteDef[],
  method: string,
  path: string,
): { def: RouteDef; params: string[] } | undefined {
  for (const def of routes) {
    if (def.method !== method) continue;
    const m = def.pattern.exec(path);
    if (m !== null) return { def, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}
