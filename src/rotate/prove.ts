/**
 * The proof that a new key works before it is handed to anyone: authenticate with it as its
 * consumers will and list the Gemini models, as verify does. A new key is not accepted everywhere
 * at once (Google's own samples allow a minute and more: googleapis/google-cloud-cpp
 * iam_samples.cc, "may not be usable for up to 60s after creation. Plus up to 7 minutes for
 * propagation"), so a refusal of the credential is tried again with backoff until a deadline;
 * anything else (the API disabled, the key restricted to another API) fails at once.
 */

import { Failure, type Reason } from "../cli/failure.ts";
import type { Redactor } from "../cli/redact.ts";
import type { Endpoints } from "../google/transport/endpoints.ts";
import { listModels, noModels, type GeminiTarget } from "../google/apis/gemini.ts";
import type { Http } from "../google/http.ts";
import { scopesFor, type Caller } from "../google/identities/caller.ts";
import { keyFileCaller } from "../google/identities/service-account.ts";

export interface ProofDeps {
  http: Http;
  endpoints: Endpoints;
  redactor: Redactor;
  /** How long a new key may take to be accepted, in milliseconds. */
  deadlineMs: number;
  progress: (line: string) => void;
}

export interface Proof {
  models: number;
  attempts: number;
  seconds: number;
}

/** Refusals of a credential that Google has not yet spread to every server: worth another try. */
const NOT_YET = new Set<Reason>([
  "INVALID_GRANT",
  "UNAUTHENTICATED",
  "PERMISSION_DENIED",
  "API_KEY_INVALID",
]);

async function proveWith(
  deps: ProofDeps,
  what: string,
  target: () => GeminiTarget,
): Promise<Proof> {
  const { clock } = deps.http;
  const start = clock.now();
  for (let attempt = 1; ; attempt++) {
    let models;
    try {
      models = await listModels(deps.http, target());
    } catch (err) {
      if (!(err instanceof Failure)) throw err;
      const delay = Math.min(2000 * 2 ** (attempt - 1), 30_000);
      const waited = clock.now() - start;
      if (!NOT_YET.has(err.reason) || waited + delay > deps.deadlineMs) {
        const after =
          attempt === 1 ? "" : ` after ${attempt} attempts in ${Math.round(waited / 1000)} s`;
        throw new Failure(
          "PROOF_FAILED",
          `${what} was not accepted${after}: ${err.message}`,
          `${err.fix} The new key was deleted again and the current one left in place; run again once it is fixed.`,
        );
      }
      deps.progress(
        `${what}: not accepted yet (${err.reason}), as a new key often is for a while; trying again in ${Math.round(delay / 1000)} s.`,
      );
      await clock.sleep(delay);
      continue;
    }
    if (models.length === 0) {
      const none = noModels(deps.endpoints.gemini, target().context.principal ?? "the key");
      throw new Failure(
        "PROOF_FAILED",
        `${what}: ${none.message}`,
        `${none.fix} The new key was deleted again.`,
      );
    }
    return {
      models: models.length,
      attempts: attempt,
      seconds: Math.round((clock.now() - start) / 1000),
    };
  }
}

/** Lists the models as the account of a new key file, with that key. */
export function proveKeyFile(deps: ProofDeps, keyId: string, file: string): Promise<Proof> {
  const scopes = scopesFor({ tuned: false, share: false, extra: [] });
  return proveWith(deps, `The new key ${keyId}`, () => {
    // A client per attempt: nothing the library cached from a refused attempt carries over.
    const { caller } = keyFileCaller({ ...deps, scopes }, file, `new key ${keyId}`);
    return target(deps, caller, "service-account");
  });
}

/** Lists the models with a new API key, in the x-goog-api-key header. */
export function proveApiKey(deps: ProofDeps, keyId: string, keyString: string): Promise<Proof> {
  deps.redactor.add(keyString);
  const caller: Caller = {
    identity: { kind: "api-key", principal: `API key ${keyId}`, source: "the key just made" },
    headers: () => Promise.resolve({ "x-goog-api-key": keyString }),
  };
  return proveWith(deps, `The new API key ${keyId}`, () => target(deps, caller, "api-key"));
}

function target(
  deps: ProofDeps,
  caller: Caller,
  identity: "service-account" | "api-key",
): GeminiTarget {
  return {
    baseUrl: deps.endpoints.gemini,
    headers: () => caller.headers(),
    context: { identity, principal: caller.identity.principal },
  };
}
