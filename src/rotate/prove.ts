/**
 * The proof that a new key works before it is handed to anyone: authenticate with it as its
 * consumers will, list the Gemini models, and call one (`countTokens` on the model verify's
 * `--probe` calls), since a key can list models and still be refused on a model call (users report
 * `AQ.` keys that do: discuss.ai.google.dev threads 170430 and 175673). A new key is not accepted
 * everywhere at once (Google: "After you create a key, you might need to wait for 60 seconds or more
 * before you perform another operation with the key", cloud.google.com/iam/docs/keys-create-delete;
 * googleapis/google-cloud-cpp iam_samples.cc: "may not be usable for up to 60s after creation"), so
 * a refusal of the credential is tried again with backoff until a deadline; anything else (the API
 * disabled, the key restricted to another API, a key type the model refuses) fails at once. A Vertex
 * API key is proved the same way with Vertex's countTokens in express mode.
 */

import { Failure, type Reason } from "../cli/failure.ts";
import type { Redactor } from "../cli/redact.ts";
import type { Endpoints } from "../google/transport/endpoints.ts";
import {
  countTokens,
  defaultProbeModel,
  listModels,
  noModels,
  type GeminiTarget,
} from "../google/apis/gemini.ts";
import { countTokens as vertexCountTokens } from "../google/apis/aiplatform.ts";
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
  /** The models the new key listed; none for a Vertex key, since express mode lists no models. */
  models?: number;
  /** The model the new key called. */
  model: string;
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
  call: () => Promise<{ models?: number; model: string }>,
): Promise<Proof> {
  const { clock } = deps.http;
  const start = clock.now();
  for (let attempt = 1; ; attempt++) {
    let called: { models?: number; model: string };
    try {
      called = await call();
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
    return { ...called, attempts: attempt, seconds: Math.round((clock.now() - start) / 1000) };
  }
}

/** Lists the models with the new key, then calls the probe model: both as its consumers will. */
async function listAndCall(
  deps: ProofDeps,
  target: GeminiTarget,
): Promise<{ models: number; model: string }> {
  const models = await listModels(deps.http, target);
  if (models.length === 0)
    throw noModels(deps.endpoints.gemini, target.context.principal ?? "the key");
  const model = defaultProbeModel(models);
  if (model === undefined)
    throw new Failure(
      "NO_PROBE_MODEL",
      `None of the ${models.length} models it lists is a Gemini model that supports countTokens, so none can be called to prove it.`,
      "Check that GOOGLE_GEMINI_BASE_URL (if set) points at the Gemini API.",
    );
  await countTokens(deps.http, target, model);
  return { models: models.length, model };
}

/** Lists the models and calls one as the account of a new key file, with that key. */
export function proveKeyFile(deps: ProofDeps, keyId: string, file: string): Promise<Proof> {
  const scopes = scopesFor({ tuned: false, share: false, extra: [] });
  return proveWith(deps, `The new key ${keyId}`, () => {
    // A client per attempt: nothing the library cached from a refused attempt carries over.
    const { caller } = keyFileCaller({ ...deps, scopes }, file, `new key ${keyId}`);
    return listAndCall(deps, target(deps, caller, "service-account"));
  });
}

/** Lists the models and calls one with a new API key, in the x-goog-api-key header. */
export function proveApiKey(deps: ProofDeps, keyId: string, keyString: string): Promise<Proof> {
  const caller = keyCaller(deps, keyId, keyString);
  return proveWith(deps, `The new API key ${keyId}`, () =>
    listAndCall(deps, target(deps, caller, "api-key")),
  );
}

/**
 * Calls countTokens on `model` with a new Vertex API key in express mode (project-less, global), as
 * its consumers will. Express mode lists no models, so the proof calls the one the stack expects
 * (its first vertex.models entry, else the one verify calls).
 */
export function proveVertexApiKey(
  deps: ProofDeps,
  keyId: string,
  keyString: string,
  model: string,
): Promise<Proof> {
  const caller = keyCaller(deps, keyId, keyString);
  return proveWith(deps, `The new Vertex API key ${keyId}`, async () => {
    await vertexCountTokens(
      deps.http,
      {
        place: { express: true },
        endpoints: deps.endpoints,
        headers: () => caller.headers(),
        context: { identity: "api-key", principal: caller.identity.principal },
      },
      model,
    );
    return { model };
  });
}

/** A new API key as its consumers send it, in the x-goog-api-key header; its string is redacted. */
function keyCaller(deps: ProofDeps, keyId: string, keyString: string): Caller {
  deps.redactor.add(keyString);
  return {
    identity: { kind: "api-key", principal: `API key ${keyId}`, source: "the key just made" },
    headers: () => Promise.resolve({ "x-goog-api-key": keyString }),
  };
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
