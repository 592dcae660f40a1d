/**
 * A Gemini API key: read from the secret a stack keeps it in, or from GOOGLE_API_KEY /
 * GEMINI_API_KEY (the variables Google's SDKs read; GOOGLE_API_KEY wins when both are set, as
 * there). Always sent in the x-goog-api-key header: a key in a URL ends up in proxy and server logs.
 */

import { badInput } from "../../cli/failure.ts";
import type { SecretSource } from "../apis/secret-manager.ts";
import { readWithAdc } from "./adc.ts";
import type { Caller, IdentityDeps } from "./caller.ts";

/** Where the key is: a stack's secret (with the key's resource name, for reports), or a variable. */
export type ApiKeySource = { secret: SecretSource; keyName?: string } | { variable: string };

/** The variable of Google's SDKs that holds a key, if one is set. */
export function apiKeyVariable(env: Record<string, string | undefined>): string | undefined {
  return ["GOOGLE_API_KEY", "GEMINI_API_KEY"].find((v) => (env[v] ?? "").trim() !== "");
}

export async function apiKeyCaller(deps: IdentityDeps, from: ApiKeySource): Promise<Caller> {
  let key: string;
  let source: string;
  let principal = "API key";
  if ("secret" in from) {
    key = (await readWithAdc(deps, from.secret, "api-key")).trim();
    source = `secret ${from.secret.name}`;
    principal = from.keyName ?? principal;
  } else {
    key = (deps.env[from.variable] ?? "").trim();
    source = `environment variable ${from.variable}`;
  }
  deps.redactor.add(key);
  if (key === "" || /\s/.test(key))
    throw badInput(
      `The API key from ${source} is empty or contains whitespace.`,
      "Store the key string alone.",
    );
  return {
    identity: { kind: "api-key", principal, source, project: deps.project },
    headers: () => Promise.resolve({ "x-goog-api-key": key }),
  };
}
