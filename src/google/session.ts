/**
 * The caller a command's calls to Google's resource APIs are made as (rotate, preflight): the
 * user's Application Default Credentials, or an account they impersonate, with the
 * cloud-platform scope. Its credentials are tried once before the first call, so credentials that
 * do not work are one failure, not one per call.
 */

import { usage } from "../cli/failure.ts";
import type { Redactor } from "../cli/redact.ts";
import type { Api } from "./apis/call.ts";
import type { Http } from "./http.ts";
import { adcCaller } from "./identities/adc.ts";
import { SCOPES, type IdentityDeps } from "./identities/caller.ts";
import { impersonateCaller } from "./identities/impersonate.ts";
import { endpointsFromEnv, overrideNotices } from "./transport/endpoints.ts";
import { checkProxyVariables } from "./transport/proxy.ts";

export interface SessionOptions {
  auth: "adc" | "impersonate";
  /** The account to act as, with `auth: "impersonate"`. */
  impersonate?: string;
  /** `--project`: the quota project of user credentials, ahead of the ADC file's own. */
  project?: string;
  /** The stack's project: user credentials bill it when nothing else names a quota project. */
  stackProject?: string;
  /** Who grants the caller what the calls need: ends the fix of a refused call. */
  grantedBy: string;
}

export interface SessionDeps {
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  redactor: Redactor;
  progress: (line: string) => void;
}

export async function openSession(
  options: SessionOptions,
  http: Http,
  deps: SessionDeps,
): Promise<Api> {
  const endpoints = endpointsFromEnv(deps.env);
  checkProxyVariables(deps.env);
  for (const notice of overrideNotices(endpoints)) deps.progress(notice);
  const identity: IdentityDeps = {
    http,
    endpoints,
    redactor: deps.redactor,
    env: deps.env,
    readFile: deps.readFile,
    scopes: [SCOPES.cloudPlatform],
  };
  let caller;
  if (options.auth === "impersonate") {
    if (options.impersonate === undefined)
      throw usage(
        "--auth impersonate needs --impersonate EMAIL: the account to act as.",
        "Pass --impersonate EMAIL, or --auth adc.",
      );
    caller = await impersonateCaller(identity, { email: options.impersonate });
  } else {
    caller = await adcCaller(
      { ...identity, project: options.stackProject },
      { project: options.project },
    );
  }
  await caller.headers();
  return {
    http,
    endpoints,
    headers: () => caller.headers(),
    principal: caller.identity.principal,
    identity: options.auth,
    grantedBy: options.grantedBy,
  };
}
