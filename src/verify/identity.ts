/**
 * Picks the identity a verify run authenticates as, and where its credential comes from: the file
 * or variable the user names, else what the stack's outputs say (which account, which secret, which
 * config key grants it). The identities themselves are src/google/identities/.
 */

import { badInput } from "../cli/failure.ts";
import { defaultAuth } from "../default-account.ts";
import type { AuthKind } from "../google/errors/context.ts";
import type { ApiKeySource } from "../google/identities/api-key.ts";
import type { Caller, IdentityDeps } from "../google/identities/caller.ts";
import type { ClientSource } from "../google/identities/oauth.ts";
import type { KeySource } from "../google/identities/service-account.ts";
import { TokenCache, cacheLocation } from "../google/identities/token-cache.ts";
import type { Target, VerifyOptions } from "./options.ts";
import { accountSummaries, pickAccount, type StackFacts } from "./facts.ts";

/** `--auth`, else the identity another option names, else the stack's default consumer (see default-account.ts). */
export function chooseAuth(
  options: VerifyOptions,
  facts: StackFacts | undefined,
  target: Target = "gemini-api",
): AuthKind {
  if (options.auth !== undefined) return options.auth;
  if (options.keyFile !== undefined) return "service-account";
  if (options.clientFile !== undefined) return "oauth";
  if (options.impersonate !== undefined) return "impersonate";
  if (facts === undefined) return "adc";
  // An --account the stack does not have is an error, never a quiet fall-back to another identity.
  if (options.account !== undefined) pickAccount(facts, options.account);
  const key = target === "vertex" ? facts.vertex?.apiKey : facts.apiKey;
  return defaultAuth(accountSummaries(facts), key !== undefined, options.account);
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

/**
 * Builds the identity; each kind's module is loaded only when used, keeping the command's start
 * fast. `api` matters only to an API key: the stack keeps one key per API.
 */
export async function buildCaller(
  kind: AuthKind,
  options: VerifyOptions,
  facts: StackFacts | undefined,
  deps: IdentityDeps,
  interactive: InteractiveDeps,
  api: "gemini-api" | "vertex" = "gemini-api",
): Promise<Caller> {
  switch (kind) {
    case "service-account": {
      const from = keySource(options, facts);
      return (await import("../google/identities/service-account.ts")).serviceAccountCaller(
        deps,
        from,
      );
    }
    case "impersonate": {
      const account = impersonated(options, facts);
      return (await import("../google/identities/impersonate.ts")).impersonateCaller(deps, account);
    }
    case "api-key": {
      const { apiKeyCaller, apiKeyVariable } = await import("../google/identities/api-key.ts");
      return apiKeyCaller(deps, apiKeySource(facts, apiKeyVariable(deps.env), api));
    }
    case "adc":
      return (await import("../google/identities/adc.ts")).adcCaller(deps, {
        project: options.project,
      });
    case "oauth": {
      const cache = tokenCache(options, deps.env);
      const client = clientSource(options, facts);
      return (await import("../google/identities/oauth.ts")).oauthCaller(deps, {
        client,
        cache,
        project: options.project,
        openBrowser: options.browser ? interactive.openBrowser : undefined,
        progress: interactive.progress,
        timeoutMs: options.loginTimeoutSeconds * 1000,
      });
    }
  }
}

/** `--key-file`, else the key secret of the stack's account (see default-account.ts). */
function keySource(options: VerifyOptions, facts: StackFacts | undefined): KeySource {
  if (options.keyFile !== undefined) return { keyFile: options.keyFile };
  if (facts === undefined)
    throw badInput(
      "--auth service-account needs a key: --key-file FILE, or --stack / --outputs to read the stack's key secret.",
      "Pass one of them.",
    );
  const [name, account] = pickAccount(facts, options.account, "keySecret");
  return {
    secret: { name: account.keySecret!, grantKey: `serviceAccounts.${name}.keyReaders` },
  };
}

/** `--impersonate EMAIL` (an account outside any stack), else the stack's account. */
function impersonated(options: VerifyOptions, facts: StackFacts | undefined) {
  if (options.impersonate !== undefined) return { email: options.impersonate };
  if (facts === undefined)
    throw badInput(
      "--auth impersonate needs the account: --impersonate EMAIL, or --stack / --outputs.",
      "Pass one of them.",
    );
  const [name, account] = pickAccount(facts, options.account);
  return { email: account.email, grantKey: `serviceAccounts.${name}.impersonators` };
}

/**
 * The stack's key for the API (`apiKey` for the Gemini API, `vertex.apiKey` for Vertex: the Gemini
 * API's key is restricted to generativelanguage, so Vertex would refuse it), else the variable that
 * holds one (GOOGLE_API_KEY or GEMINI_API_KEY).
 */
function apiKeySource(
  facts: StackFacts | undefined,
  variable: string | undefined,
  api: "gemini-api" | "vertex",
): ApiKeySource {
  const stackKey = api === "vertex" ? facts?.vertex?.apiKey : facts?.apiKey;
  const output = api === "vertex" ? "vertex.apiKey" : "apiKey";
  if (stackKey !== undefined)
    return {
      secret: { name: stackKey.secret, grantKey: `${output}.readers` },
      keyName: stackKey.keyName,
    };
  if (variable === undefined)
    throw badInput(
      `--auth api-key needs a key${api === "vertex" ? " for Vertex" : ""}: ${facts ? `${facts.source} has no ${output} output, and ` : ""}neither GOOGLE_API_KEY nor GEMINI_API_KEY is set.`,
      api === "vertex"
        ? "Set GOOGLE_API_KEY to an express-mode key, or pass --stack for a stack with a vertex.apiKey."
        : "Set GEMINI_API_KEY, or pass --stack for a stack with an apiKey.",
    );
  return { variable };
}

/** `--client-file`, else the stack's stored client. */
function clientSource(options: VerifyOptions, facts: StackFacts | undefined): ClientSource {
  if (options.clientFile !== undefined) return { clientFile: options.clientFile };
  const stored = facts?.oauthClient;
  if (facts === undefined)
    throw badInput(
      "--auth oauth needs the Desktop client: --client-file client_secret.json, or --stack / --outputs.",
      "Pass one of them.",
    );
  if (stored?.status === "stored" && stored.secret !== undefined)
    return { secret: { name: stored.secret, grantKey: "oauthClientReaders" } };
  throw badInput(
    `${facts.source} has no stored OAuth client (status: ${stored?.status ?? "not-configured"}).`,
    stored?.status === "pending"
      ? "Do the stack's manualSteps (pulumi stack output manualSteps), set the client file, run pulumi up; or pass --client-file."
      : "Configure oauthConsent for the stack, or pass --client-file client_secret.json.",
  );
}
