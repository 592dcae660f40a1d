/**
 * The Gemini API, v1beta (the Generative Language API; discovery document generativelanguage
 * v1beta, reference ai.google.dev/api): models.list (every page), models.countTokens and
 * models.generateContent of one token (the probes), tunedModels.list, and sharing a tuned model (the quickstart's REST appendix). Responses are
 * checked against their documented shape, so a proxy's HTML page or a truncated body is an error,
 * not a crash.
 */

import type { CallContext } from "../errors/context.ts";
import { Failure } from "../../cli/failure.ts";
import { callJson, malformed, type Http } from "../http.ts";
import { record } from "../../json.ts";

export interface Model {
  name: string;
  displayName?: string;
  version?: string;
  baseModelId?: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  supportedGenerationMethods?: string[];
}

export interface TunedModel {
  name: string;
  displayName?: string;
  state?: string;
  baseModel?: string;
}

/** Where and as whom to call: the base URL and a function that yields fresh auth headers. */
export interface GeminiTarget {
  baseUrl: string;
  headers: () => Promise<Record<string, string>>;
  context: Omit<CallContext, "what" | "service">;
}

const MAX_PAGES = 1000;

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number";
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** Every item of a paged list, following nextPageToken until it is empty. */
async function listAll<T>(
  http: Http,
  target: GeminiTarget,
  path: string,
  field: string,
  parse: (item: Record<string, unknown>) => T | undefined,
  pageSize?: number,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token = "";
  const what = `List ${field === "models" ? "models" : "tuned models"}`;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL(`${target.baseUrl}${path}`);
    if (pageSize !== undefined) url.searchParams.set("pageSize", String(pageSize));
    if (token !== "") url.searchParams.set("pageToken", token);
    const body = record(
      await callJson(
        http,
        { ...target.context, what, service: "gemini" },
        { method: "GET", url: url.href, headers: await target.headers() },
      ),
    );
    const origin = url.origin;
    if (body === undefined) throw malformed(what, origin, 200, "is not a JSON object");
    const list = body[field] ?? [];
    if (!Array.isArray(list))
      throw malformed(what, origin, 200, `has a "${field}" that is not a list`);
    for (const entry of list) {
      const item = record(entry);
      const parsed = item && parse(item);
      if (parsed === undefined)
        throw malformed(
          what,
          origin,
          200,
          `lists an entry without a valid "name" (page ${page + 1})`,
        );
      items.push(parsed);
    }
    const next = body.nextPageToken ?? "";
    if (typeof next !== "string")
      throw malformed(what, origin, 200, 'has a "nextPageToken" that is not a string');
    if (next === "") return items;
    if (seen.has(next)) {
      throw new Failure(
        "REPEATED_PAGE_TOKEN",
        `${what}: page ${page + 2} was asked for with a page token already used, so the listing would never end (${items.length} items so far).`,
        "Report it to whoever runs the endpoint (a proxy that caches pages can cause this); run again.",
      );
    }
    seen.add(next);
    token = next;
  }
  throw malformed(what, target.baseUrl, 200, `still had more pages after ${MAX_PAGES}`);
}

/**
 * A listed item: its `name` must have the resource's prefix; each other field is kept when it has the
 * documented type and dropped otherwise, so one odd field never fails a whole listing.
 */
function parseNamed<T extends { name: string }>(
  prefix: string,
  fields: Record<Exclude<keyof T, "name">, (v: unknown) => boolean>,
) {
  return (item: Record<string, unknown>): T | undefined => {
    if (typeof item.name !== "string" || !item.name.startsWith(prefix)) return undefined;
    const parsed: Record<string, unknown> = { name: item.name };
    for (const [field, check] of Object.entries<(v: unknown) => boolean>(fields))
      if (check(item[field])) parsed[field] = item[field];
    return parsed as T;
  };
}

const parseModel = parseNamed<Model>("models/", {
  displayName: isString,
  version: isString,
  baseModelId: isString,
  inputTokenLimit: isNumber,
  outputTokenLimit: isNumber,
  supportedGenerationMethods: isStrings,
});
const parseTuned = parseNamed<TunedModel>("tunedModels/", {
  displayName: isString,
  state: isString,
  baseModel: isString,
});

/** `GET /v1beta/models`, every page. */
export function listModels(http: Http, target: GeminiTarget, pageSize?: number): Promise<Model[]> {
  return listAll(http, target, "/v1beta/models", "models", parseModel, pageSize);
}

/**
 * Google lists dozens of models to anyone allowed to call the API; an empty answer (Google omits an
 * empty list, so `{}`) means something else answered, or the listing is broken: never a pass.
 */
export function noModels(baseUrl: string, principal: string): Failure {
  return new Failure(
    "NO_MODELS",
    `${baseUrl} listed no models to ${principal}.`,
    "Check that GOOGLE_GEMINI_BASE_URL (if set) points at the Gemini API or your Private Service Connect address, then run again.",
  );
}

/** How the probe calls a model: countTokens (free, quota-exempt) or generateContent (one output token, billed, counts against quota). */
export type ProbeMethod = "countTokens" | "generateContent";

/** What the probe proved: the identity called a model, and what the model answered. */
export interface Probe {
  model: string;
  method: ProbeMethod;
  totalTokens: number;
}

/** The text the probe counts: a few tokens, the same on every run. */
export const PROBE_TEXT = "gemini-access-kit probe";

/**
 * `POST /v1beta/{model}:countTokens` with `{"contents": [{"parts": [{"text": ...}]}]}`, answered with
 * `{"totalTokens": N}` (ai.google.dev/api/tokens). It runs the model's own checks of the caller, its
 * location and the key's type, so a pass proves the identity can call a model, not only list them.
 * It is free and exempt from the inference quota (Firebase's Count Tokens page: "no charge or quota
 * restriction", up to 3,000 RPM), so a project whose quota for the model is 0 passes it: only
 * generateContent proves that. Proto3 JSON leaves a zero out, so a missing totalTokens is 0; any
 * other type is malformed.
 */
export async function countTokens(http: Http, target: GeminiTarget, model: string): Promise<Probe> {
  const what = `Count tokens with ${model}`;
  const url = `${target.baseUrl}/v1beta/${model}:countTokens`;
  const body = await probeCall(http, target, what, url, {
    contents: [{ parts: [{ text: PROBE_TEXT }] }],
  });
  const total = body.totalTokens ?? 0;
  if (!isNumber(total))
    throw malformed(what, new URL(url).origin, 200, 'has a "totalTokens" that is not a number');
  return { model, method: "countTokens", totalTokens: total };
}

/**
 * `POST /v1beta/{model}:generateContent` asking for one output token
 * (`generationConfig.maxOutputTokens: 1`; ai.google.dev/api/generate-content), answered with
 * `candidates` and `usageMetadata.totalTokenCount`. Billed and counted against the model's quota,
 * which is what it proves: a quota of 0 refuses it (429, QUOTA_ZERO). A candidate cut off at one
 * token (finishReason MAX_TOKENS), or with no text at all, is still a model that answered.
 */
export async function generateOneToken(
  http: Http,
  target: GeminiTarget,
  model: string,
): Promise<Probe> {
  const what = `Generate one token with ${model}`;
  const url = `${target.baseUrl}/v1beta/${model}:generateContent`;
  const body = await probeCall(http, target, what, url, {
    contents: [{ role: "user", parts: [{ text: PROBE_TEXT }] }],
    generationConfig: { maxOutputTokens: 1, candidateCount: 1 },
  });
  const origin = new URL(url).origin;
  if (!Array.isArray(body.candidates))
    throw malformed(what, origin, 200, 'has no "candidates" list');
  const usage = record(body.usageMetadata) ?? {};
  const total = usage.totalTokenCount ?? 0;
  if (!isNumber(total))
    throw malformed(
      what,
      origin,
      200,
      'has a "usageMetadata.totalTokenCount" that is not a number',
    );
  return { model, method: "generateContent", totalTokens: total };
}

/** One probe request: its JSON object answer, or MALFORMED_RESPONSE. */
async function probeCall(
  http: Http,
  target: GeminiTarget,
  what: string,
  url: string,
  request: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const body = record(
    await callJson(
      http,
      { ...target.context, what, service: "gemini" },
      { method: "POST", url, headers: await target.headers(), body: request },
    ),
  );
  if (body === undefined) throw malformed(what, new URL(url).origin, 200, "is not a JSON object");
  return body;
}

const FLASH = /^models\/gemini-(\d+(?:\.\d+)?)-flash$/;

/**
 * The model the probe calls when no --expect-model names one: the newest stable Flash model listed
 * (`models/gemini-N-flash` with the highest N), since models.list also returns retired models and
 * nothing in an entry marks one retired, and the newest is the last to be retired. Failing that, the
 * first listed `models/gemini-` model, by name, that supports the method; undefined if none does.
 */
export function defaultProbeModel(
  models: Model[],
  method: ProbeMethod = "countTokens",
): string | undefined {
  const counts = (m: Model) =>
    m.supportedGenerationMethods === undefined || m.supportedGenerationMethods.includes(method);
  const usable = models.filter(counts);
  let best: { name: string; version: number[] } | undefined;
  for (const m of usable) {
    const match = FLASH.exec(m.name);
    if (match === null) continue;
    const version = match[1]!.split(".").map(Number);
    if (best === undefined || newer(version, best.version)) best = { name: m.name, version };
  }
  if (best !== undefined) return best.name;
  return usable
    .map((m) => m.name)
    .filter((n) => n.startsWith("models/gemini-"))
    .sort()[0];
}

/** Whether version a (e.g. 3.10 as [3, 10]) is later than b. */
function newer(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return false;
}

/** `GET /v1beta/tunedModels`, every page. */
export function listTunedModels(
  http: Http,
  target: GeminiTarget,
  pageSize?: number,
): Promise<TunedModel[]> {
  return listAll(http, target, "/v1beta/tunedModels", "tunedModels", parseTuned, pageSize);
}

export type GranteeType = "USER" | "GROUP" | "EVERYONE";
export type PermissionRole = "READER" | "WRITER" | "OWNER";

export interface Permission {
  name: string;
  granteeType?: string;
  emailAddress?: string;
  role?: string;
}

const parsePermission = parseNamed<Permission>("", {
  granteeType: isString,
  emailAddress: isString,
  role: isString,
});

/** `POST /v1beta/{tunedModel}/permissions`: share a tuned model with a user, a group or everyone. */
export async function shareTunedModel(
  http: Http,
  target: GeminiTarget,
  model: string,
  grant: { granteeType: GranteeType; emailAddress?: string; role: PermissionRole },
): Promise<Permission> {
  const what = `Share ${model}`;
  const url = `${target.baseUrl}/v1beta/${model}/permissions`;
  const body = record(
    await callJson(
      http,
      { ...target.context, what, service: "gemini" },
      { method: "POST", url, headers: await target.headers(), body: grant },
    ),
  );
  const permission = body && parsePermission(body);
  if (permission === undefined)
    throw malformed(what, new URL(url).origin, 200, 'has no permission "name"');
  return permission;
}
