/**
 * What the stack makes ready (`target`: the Gemini API, Vertex AI or both) and, for Vertex, where its
 * consumers call it and which models they expect (`vertex`). Pure: the program, the outputs and
 * preflight all read the facts here, so the three cannot drift apart.
 */

import { DEFAULT_VERTEX_MODEL, GEMINI_API, VERTEX_API } from "../rotation.ts";
import { NAMESPACE } from "./keys.ts";
import type { Problems } from "./problems.ts";
import type { RolePolicy } from "./members.ts";
import type { AccountConfig, Target, VertexConfig } from "./types.ts";

const TARGETS: readonly Target[] = ["gemini-api", "vertex", "both"];

export { DEFAULT_VERTEX_MODEL, GEMINI_API, VERTEX_API } from "../rotation.ts";

/**
 * The role the kit grants each account of a Vertex stack: the predefined Vertex AI User ("Agent
 * Platform User"), as Google's Agent Starter Pack and genai-factory grant it. A custom role holding
 * only what generateContent and countTokens need would be narrower, as Google advises, but which
 * permissions those two calls check could not be established from Google's documentation (one
 * public report names aiplatform.endpoints.predict; nothing names countTokens'), and a guessed set
 * would fail consumers' calls in ways the kit could not diagnose. The predefined role is the one
 * Google maintains for calling models; narrow it once the set is documented.
 */
export const VERTEX_USER_ROLE = "roles/aiplatform.user";

/**
 * The role the account a vertex.apiKey is bound to needs for the key to call Vertex AI in express
 * mode (Agent Platform Express User: "aiplatform.endpoints.predict" on Google's models through an API
 * key). The kit grants it with the foundation, as it grants VERTEX_USER_ROLE.
 */
const VERTEX_EXPRESS_ROLE = "roles/aiplatform.expressUser";

/**
 * Where Vertex is called: `global` (Google's advice against 429s, error-code-429), the `us` and `eu`
 * multi-regions, or a region. The same form verify accepts (google/transport/endpoints.ts).
 */
const LOCATION = /^(global|us|eu|[a-z]+-[a-z]+\d{1,2})$/;
/** A model id as Google names it under publishers/google/models/ (aiplatform.ts VERTEX_MODEL). */
const MODEL = /^[a-z0-9][a-z0-9._@-]{0,127}$/;
/** vertexai.allowedModels holds at most 500 values (control-model-access), one per model here. */
const MAX_VERTEX_MODELS = 500;
const DEFAULT_VERTEX_LOCATION = "global";

export function includesVertex(target: Target): boolean {
  return target !== "gemini-api";
}

/** The models a stack's consumers are expected to call: its own list, else the one verify calls. */
export function expectedModels(vertex: VertexConfig): string[] {
  return vertex.models.length > 0 ? vertex.models : [DEFAULT_VERTEX_MODEL];
}

/** The vertexai.allowedModels value that lets a model be called (`predict` covers generateContent). */
export function allowedModelValue(model: string): string {
  return `publishers/google/models/${model}:predict`;
}

function parseTarget(p: Problems, raw: unknown, fix: string): Target {
  const value = p.string("target", raw, fix);
  if (value === undefined) return "gemini-api";
  if ((TARGETS as readonly string[]).includes(value)) return value as Target;
  p.add(
    "target",
    value,
    `is not one of ${TARGETS.join(", ")}`,
    "Set gemini-api (the Gemini API, the default), vertex (Vertex AI) or both.",
  );
  return "gemini-api";
}

function parseModels(p: Problems, raw: unknown, fix: string): string[] {
  const models = p.stringList("vertex.models", raw, fix) ?? [];
  models.forEach((m, i) => {
    if (MODEL.test(m)) return;
    const bare = m.replace(/^publishers\/google\/models\//, "").replace(/:[a-z]+$/, "");
    p.add(
      `vertex.models[${i}]`,
      m,
      "is not a model id; Google names a model like gemini-3.8-flash (lowercase letters, digits, . _ @ -)",
      MODEL.test(bare) ? `Write ${bare}.` : "Write the model's id, e.g. gemini-3.8-flash.",
    );
  });
  p.duplicates("vertex.models", models);
  if (models.length > MAX_VERTEX_MODELS)
    p.add(
      "vertex.models",
      `${models.length} models`,
      `are more than the ${MAX_VERTEX_MODELS} values vertexai.allowedModels can hold`,
      `List at most ${MAX_VERTEX_MODELS}.`,
    );
  return [...new Set(models)];
}

/** `target` and `vertex`: what the stack makes ready, and where and what its consumers call on Vertex. */
export function parseVertex(
  p: Problems,
  v: { target?: unknown; vertex?: unknown; apiKey?: unknown },
  fix: string,
  misplaced: ReadonlySet<string>,
): { target: Target; vertex?: VertexConfig; apiKeyRaw?: unknown } {
  // A target written under a misspelt key is reported once, there; vertex is not measured against a guess.
  if (misplaced.has(`${NAMESPACE}:target`)) return { target: "gemini-api" };
  const target = parseTarget(p, v.target, fix);
  const entry = p.record("vertex", v.vertex, fix);
  if (entry !== undefined && !includesVertex(target)) {
    p.add(
      "vertex",
      entry,
      `is set, but target is gemini-api${v.target === undefined ? " (the default)" : ""}, so nothing of Vertex AI is made ready`,
      "Set gemini-access-kit:target to vertex or both, or remove vertex.",
    );
    return { target };
  }
  if (!includesVertex(target)) return { target };
  if (target === "vertex" && v.apiKey !== undefined)
    p.add(
      "apiKey",
      v.apiKey,
      "makes a Gemini API key, but target is vertex, so the Gemini API is not enabled and Vertex AI refuses such a key",
      "Set target to both, or remove apiKey (an API key for Vertex AI express mode is vertex.apiKey).",
    );
  const fields = entry ?? {};
  p.unknownFields("vertex", fields, ["location", "models", "apiKey"]);
  const location = p.string("vertex.location", fields.location, fix) ?? DEFAULT_VERTEX_LOCATION;
  if (!LOCATION.test(location))
    p.add(
      "vertex.location",
      location,
      "is not a Vertex location; Google allows global, us, eu or a region such as europe-west4",
      "Set global (the default, and Google's advice against 429s), us, eu or a region.",
    );
  return {
    target,
    vertex: { location, models: parseModels(p, fields.models, fix) },
    ...(fields.apiKey !== undefined && { apiKeyRaw: fields.apiKey }),
  };
}

/**
 * The roles policy the accounts of a Vertex stack are checked against. VERTEX_USER_ROLE is the kit's
 * own grant to every account of such a stack, applied with the foundation (by the CI stack for a
 * governed environment), so an administrator never lists it in ci.grantableRoles for it to be
 * granted, and an account that also names it is not refused for want of that listing. The same
 * holds for VERTEX_EXPRESS_ROLE, the kit's grant to the account a vertex.apiKey is bound to.
 */
export function vertexRolePolicy(roles: RolePolicy, target: Target): RolePolicy {
  if (!includesVertex(target) || roles.kind !== "governed") return roles;
  return {
    ...roles,
    grantable: new Set([...roles.grantable, VERTEX_USER_ROLE, VERTEX_EXPRESS_ROLE]),
  };
}

/** Each account with VERTEX_USER_ROLE added when the stack targets Vertex, so its consumers can call it. */
export function withVertexUser(accounts: AccountConfig[], target: Target): AccountConfig[] {
  if (!includesVertex(target)) return accounts;
  return accounts.map((a) =>
    a.roles.includes(VERTEX_USER_ROLE) ? a : { ...a, roles: [...a.roles, VERTEX_USER_ROLE] },
  );
}

/** The account a vertex.apiKey is bound to, with VERTEX_EXPRESS_ROLE added, so its key works in express mode. */
export function withExpressUser(accounts: AccountConfig[], accountKey: string): AccountConfig[] {
  return accounts.map((a) =>
    a.key !== accountKey || a.roles.includes(VERTEX_EXPRESS_ROLE)
      ? a
      : { ...a, roles: [...a.roles, VERTEX_EXPRESS_ROLE] },
  );
}

/**
 * The stack's APIs for its target: Vertex AI's added when it targets Vertex, and the Gemini API's
 * left out when it targets Vertex alone (unless extraApis lists it), so an organization that denies
 * the Gemini API does not fail a stack that never calls it. Sorted, as KitConfig keeps them.
 */
export function targetApis(apis: string[], target: Target, extraApis: unknown): string[] {
  const listed = Array.isArray(extraApis) && extraApis.includes(GEMINI_API);
  const kept = target === "vertex" && !listed ? apis.filter((a) => a !== GEMINI_API) : apis;
  if (!includesVertex(target) || kept.includes(VERTEX_API)) return kept;
  return [...kept, VERTEX_API].sort();
}
