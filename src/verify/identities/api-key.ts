/**
 * A Gemini API key: the stack's, read from its secret, or GOOGLE_API_KEY / GEMINI_API_KEY (the
 * variables Google's SDKs read; GOOGLE_API_KEY wins when both are set, as there). Always sent in
 * the x-goog-api-key header: a key in a URL ends up in proxy and server logs.
 */

import { badInput } from "../../cli/failure.ts";
import { accessSecret } from "../secrets.ts";
import { adcCaller } from "./adc.ts";
import type { Caller, IdentityDeps } from "./caller.ts";

export async function apiKeyCaller(deps: IdentityDeps): Promise<Caller> {
  let key: string;
  let source: string;
  let principal = "API key";
  const stackKey = deps.facts?.apiKey;
  if (stackKey !== undefined) {
    const reader = await adcCaller(deps);
    key = (
      await accessSecret(
        deps.http,
        deps.endpoints.secretManager,
        () => reader.headers(),
        { name: stackKey.secret, grantKey: "apiKey.readers" },
        { identity: "api-key", principal: reader.identity.principal, stack: deps.facts?.stack },
      )
    ).trim();
    source = `secret ${stackKey.secret}`;
    principal = stackKey.keyName ?? principal;
  } else {
    const variable = ["GOOGLE_API_KEY", "GEMINI_API_KEY"].find(
      (v) => (deps.env[v] ?? "").trim() !== "",
    );
    if (variable === undefined) {
      throw badInput(
        `--auth api-key needs a key: ${deps.facts ? `${deps.facts.source} has no apiKey output, and ` : ""}neither GOOGLE_API_KEY nor GEMINI_API_KEY is set.`,
        "Set GEMINI_API_KEY, or pass --stack for a stack with an apiKey.",
      );
    }
    key = deps.env[variable]!.trim();
    source = `environment variable ${variable}`;
  }
  deps.redactor.add(key);
  if (key === "" || /\s/.test(key))
    throw badInput(
      `The API key from ${source} is empty or contains whitespace.`,
      "Store the key string alone.",
    );
  return {
    identity: { kind: "api-key", principal, source, project: deps.facts?.project },
    headers: () => Promise.resolve({ "x-goog-api-key": key }),
  };
}
