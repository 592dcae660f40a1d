/** Picks and builds the identity a run authenticates as. */

import type { VerifyOptions } from "../args.ts";
import type { AuthKind } from "../diagnose.ts";
import type { StackFacts } from "../facts.ts";
import type { Caller, IdentityDeps } from "./caller.ts";
import { TokenCache, defaultCachePath } from "./token-cache.ts";

export type { Caller, Identity, IdentityDeps } from "./caller.ts";
export { scopesFor } from "./caller.ts";

/** `--auth`, else what the other options and the stack imply. */
export function chooseAuth(options: VerifyOptions, facts: StackFacts | undefined): AuthKind {
  if (options.auth !== undefined) return options.auth;
  if (options.keyFile !== undefined) return "service-account";
  if (options.clientFile !== undefined) return "oauth";
  if (options.impersonate !== undefined) return "impersonate";
  if (facts === undefined) return "adc";
  const accounts = Object.entries(facts.serviceAccounts);
  const chosen = options.account === undefined ? accounts : accounts.filter(([k]) => k === options.account);
  if (chosen.some(([, a]) => a.keySecret !== undefined)) return "service-account";
  if (chosen.length > 0) return "impersonate";
  return facts.apiKey !== undefined ? "api-key" : "adc";
}

export interface InteractiveDeps {
  openBrowser?: (url: string) => Promise<boolean>;
  progress: (line: string) => void;
}

export function tokenCache(options: VerifyOptions, env: Record<string, string | undefined>): TokenCache {
  return new TokenCache(options.tokenCache ?? defaultCachePath(env));
}

/** Builds the identity; each kind's module is loaded only when used, keeping the command's start fast. */
export async function buildCaller(kind: AuthKind, options: VerifyOptions, deps: IdentityDeps, interactive: InteractiveDeps): Promise<Caller> {
  switch (kind) {
    case "service-account":
      return (await import("./service-account.ts")).serviceAccountCaller(deps, { keyFile: options.keyFile, account: options.account });
    case "impersonate":
      return (await import("./impersonate.ts")).impersonateCaller(deps, { account: options.account, email: options.impersonate });
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
