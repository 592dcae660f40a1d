/** Picks and builds the identity a run authenticates as. */

import type { VerifyOptions } from "../args.ts";
import type { AuthKind } from "../diagnose.ts";
import { defaultAuth } from "../../default-account.ts";
import { accountSummaries, pickAccount, type StackFacts } from "../facts.ts";
import type { Caller, IdentityDeps } from "./caller.ts";
import { TokenCache, cacheLocation } from "./token-cache.ts";

export type { Caller, Identity, IdentityDeps } from "./caller.ts";
export { scopesFor } from "./caller.ts";

/** `--auth`, else the identity another option names, else the stack's default consumer (see default-account.ts). */
export function chooseAuth(options: VerifyOptions, facts: StackFacts | undefined): AuthKind {
  if (options.auth !== undefined) return options.auth;
  if (options.keyFile !== undefined) return "service-account";
  if (options.clientFile !== undefined) return "oauth";
  if (options.impersonate !== undefined) return "impersonate";
  if (facts === undefined) return "adc";
  // An --account the stack does not have is an error, never a quiet fall-back to another identity.
  if (options.account !== undefined) pickAccount(facts, options.account);
  return defaultAuth(accountSummaries(facts), facts.apiKey !== undefined, options.account);
}

export interface InteractiveDeps {
  openBrowser?: (url: string) => Promise<boolean>;
  progress: (line: string) => void;
}

export function tokenCache(
  options: VerifyOptions,
  env: Record<string, string | undefined>,
): TokenCache {
  return new TokenCache(cacheLocation(env, options.tokenCache));
}

/** Builds the identity; each kind's module is loaded only when used, keeping the command's start fast. */
export async function buildCaller(
  kind: AuthKind,
  options: VerifyOptions,
  deps: IdentityDeps,
  interactive: InteractiveDeps,
): Promise<Caller> {
  switch (kind) {
    case "service-account":
      return (await import("./service-account.ts")).serviceAccountCaller(deps, {
        keyFile: options.keyFile,
        account: options.account,
      });
    case "impersonate":
      return (await import("./impersonate.ts")).impersonateCaller(deps, {
        account: options.account,
        email: options.impersonate,
      });
    case "api-key":
      return (await import("./api-key.ts")).apiKeyCaller(deps);
    case "adc":
      return (await import("./adc.ts")).adcCaller(deps, { project: options.project });
    case "oauth":
      return (await import("./oauth.ts")).oauthCaller(deps, {
        clientFile: options.clientFile,
        cache: tokenCache(options, deps.env),
        project: options.project,
        openBrowser: options.browser ? interactive.openBrowser : undefined,
        progress: interactive.progress,
        timeoutMs: options.loginTimeoutSeconds * 1000,
      });
  }
}
