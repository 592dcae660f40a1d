/**
 * The fake's Gemini API (REST reference ai.google.dev/api): models.list / models.countTokens /
 * models.generateContent / tunedModels.list / permissions.create, checking credentials
 * the way Google does (OAuth tokens, or API keys in x-goog-api-key with their API restrictions) and
 * answering with Google's error shapes.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { bearer } from "./oauth.ts";
import { quotaZero } from "../../fixtures/gemini-errors.ts";
import { googleError, json } from "./respond.ts";
import { PROJECT_NUMBER, type GoogleState, type Token } from "./state.ts";

const GEMINI = "generativelanguage.googleapis.com";
/** The shared project Google bills user credentials to when no quota project is sent. */
const GCLOUD_SHARED_PROJECT = "764086051850";

function serviceDisabled(res: ServerResponse, consumer: string): void {
  json(
    res,
    403,
    googleError(
      403,
      "PERMISSION_DENIED",
      `Generative Language API has not been used in project ${consumer} before or it is disabled.`,
      {
        reason: "SERVICE_DISABLED",
        metadata: {
          service: GEMINI,
          consumer: `projects/${consumer}`,
          activationUrl: `https://console.developers.google.com/apis/api/${GEMINI}/overview?project=${consumer}`,
        },
      },
    ),
  );
}

/** Who is calling the Gemini API, or the error response already sent. */
function geminiCaller(
  state: GoogleState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Token | "api-key" | undefined {
  const key = req.headers["x-goog-api-key"] ?? url.searchParams.get("key") ?? undefined;
  let caller: Token | "api-key";
  if (typeof key === "string") {
    // The shape seen in the field for a wrong, deleted or not-yet-propagated key (400 INVALID_ARGUMENT, ErrorInfo API_KEY_INVALID).
    const record = state.apiKeys.get(key);
    const unknown = !state.apiKeys.has(key) || record?.deleteTime !== undefined;
    if (unknown || (record !== undefined && record.refusalsLeft > 0)) {
      if (!unknown && record !== undefined) record.refusalsLeft--;
      json(
        res,
        400,
        googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", {
          reason: "API_KEY_INVALID",
          metadata: { service: GEMINI },
        }),
      );
      return undefined;
    }
    const targets = record?.restrictions?.apiTargets;
    if (targets !== undefined && targets.length > 0 && !targets.some((t) => t.service === GEMINI)) {
      json(
        res,
        403,
        googleError(
          403,
          "PERMISSION_DENIED",
          `Requests to this API ${GEMINI} method google.ai.generativelanguage.v1beta.ModelService.ListModels are blocked.`,
          {
            reason: "API_KEY_SERVICE_BLOCKED",
            metadata: { service: GEMINI, consumer: `projects/${PROJECT_NUMBER}` },
          },
        ),
      );
      return undefined;
    }
    caller = "api-key";
  } else {
    const { value, token } = bearer(state, req.headers.authorization);
    if (value !== undefined && state.apiKeys.has(value)) {
      json(
        res,
        401,
        googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", {
          reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        }),
      );
      return undefined;
    }
    if (token === undefined) {
      json(
        res,
        401,
        googleError(
          401,
          "UNAUTHENTICATED",
          "Request had invalid authentication credentials. Expected OAuth 2 access token.",
          { reason: value ? "ACCESS_TOKEN_EXPIRED" : "CREDENTIALS_MISSING" },
        ),
      );
      return undefined;
    }
    if (
      !token.scopes.some((s) => s.startsWith("https://www.googleapis.com/auth/generative-language"))
    ) {
      json(
        res,
        403,
        googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", {
          reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
          metadata: { service: GEMINI },
        }),
      );
      return undefined;
    }
    if (token.kind === "user") {
      const project = req.headers["x-goog-user-project"];
      if (typeof project !== "string") {
        serviceDisabled(res, GCLOUD_SHARED_PROJECT);
        return undefined;
      }
      if (!state.userProjects.has(project)) {
        json(
          res,
          403,
          googleError(
            403,
            "PERMISSION_DENIED",
            `Caller does not have required permission to use project ${project}.`,
            { reason: "USER_PROJECT_DENIED", metadata: { consumer: `projects/${project}` } },
          ),
        );
        return undefined;
      }
    }
    caller = token;
  }
  if (state.disabled || Date.now() < state.disabledUntil) {
    serviceDisabled(res, PROJECT_NUMBER);
    return undefined;
  }
  return caller;
}

function page(
  state: GoogleState,
  items: Record<string, unknown>[],
  url: URL,
  field: string,
): Record<string, unknown> {
  const size = Math.min(Number(url.searchParams.get("pageSize") ?? 50) || 50, 1000);
  const token = url.searchParams.get("pageToken");
  const offset =
    token && !state.repeatPageToken
      ? (JSON.parse(Buffer.from(token, "base64url").toString()) as { o: number }).o
      : 0;
  const next =
    offset + size < items.length
      ? Buffer.from(JSON.stringify({ o: offset + size })).toString("base64url")
      : undefined;
  return {
    [field]: items.slice(offset, offset + size),
    ...(state.repeatPageToken ? { nextPageToken: "repeat" } : next ? { nextPageToken: next } : {}),
  };
}

export function models(
  state: GoogleState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  if (geminiCaller(state, req, res, url) === undefined) return;
  json(res, 200, page(state, state.models, url, "models"));
}

/**
 * What a model call (countTokens, generateContent) checks before it answers, in Google's shapes: the
 * caller (geminiCaller), an `AQ.` key that may list but not call, a model that is not listed or does
 * not support the method (Google's 404 message for an unknown model), and a body with text parts.
 * The texts, or undefined when the error response was sent.
 */
function modelCall(
  state: GoogleState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  model: string,
  method: "countTokens" | "generateContent",
  body: string,
): { texts: string[]; request: Record<string, unknown> } | undefined {
  if (geminiCaller(state, req, res, url) === undefined) return undefined;
  const key = req.headers["x-goog-api-key"];
  if (typeof key === "string" && state.apiKeys.get(key)?.listOnly === true) {
    // The body as users report it for an `AQ.` key on a model call (Kilo-Org/kilocode#11763).
    json(
      res,
      401,
      googleError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        { reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED", metadata: { service: GEMINI } },
      ),
    );
    return undefined;
  }
  const listed = state.models.find((m) => m.name === model);
  const methods = listed?.supportedGenerationMethods;
  if (listed === undefined || (Array.isArray(methods) && !methods.includes(method))) {
    json(
      res,
      404,
      googleError(
        404,
        "NOT_FOUND",
        `${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
      ),
    );
    return undefined;
  }
  let request: { contents?: { parts?: { text?: unknown }[] }[] } & Record<string, unknown>;
  try {
    request = JSON.parse(body) as typeof request;
  } catch {
    json(res, 400, googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received."));
    return undefined;
  }
  const texts = (request.contents ?? []).flatMap((c) => c.parts ?? []).map((p) => p.text);
  if (texts.length === 0 || texts.some((t) => typeof t !== "string")) {
    const name = method === "countTokens" ? "CountTokensRequest" : "GenerateContentRequest";
    json(
      res,
      400,
      googleError(400, "INVALID_ARGUMENT", `* ${name}.contents: contents is not specified`),
    );
    return undefined;
  }
  return { texts: texts as string[], request };
}

/** One token per word: the fake's tokenizer. */
function tokens(texts: string[]): number {
  return texts.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
}

/**
 * `POST /v1beta/{model}:countTokens` (ai.google.dev/api/tokens): `{"contents": [{"parts": [{"text"}]}]}`
 * in, `{"totalTokens": N}` out. Free and exempt from the inference quota (Firebase's Count Tokens
 * page: "no charge or quota restriction"), so a project whose quota is 0 (generationQuotaZero) is
 * answered all the same.
 */
export function countTokens(
  state: GoogleState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  model: string,
  body: string,
): void {
  const call = modelCall(state, req, res, url, model, "countTokens", body);
  if (call === undefined) return;
  json(res, 200, { totalTokens: tokens(call.texts) });
}

/**
 * `POST /v1beta/{model}:generateContent` (ai.google.dev/api/generate-content): a candidate of at most
 * `generationConfig.maxOutputTokens` tokens (cut off with finishReason MAX_TOKENS) and usageMetadata.
 * Billed and counted against the model's quota: with generationQuotaZero, Google's 429 for a tier
 * with no quota for the model (test/fixtures/gemini-errors.ts quotaZero: gemini-cli#22486, #8437).
 */
export function generateContent(
  state: GoogleState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  model: string,
  body: string,
): void {
  const call = modelCall(state, req, res, url, model, "generateContent", body);
  if (call === undefined) return;
  if (state.generationQuotaZero) {
    const refusal = quotaZero(model.replace(/^models\//, ""));
    json(res, refusal.status, refusal.body);
    return;
  }
  const config = (call.request.generationConfig ?? {}) as { maxOutputTokens?: unknown };
  const max = typeof config.maxOutputTokens === "number" ? config.maxOutputTokens : 8192;
  const answer = ["Probe", "received", "and", "answered."];
  const out = answer.slice(0, Math.max(1, max));
  const prompt = tokens(call.texts);
  json(res, 200, {
    candidates: [
      {
        content: { role: "model", parts: [{ text: out.join(" ") }] },
        finishReason: out.length < answer.length ? "MAX_TOKENS" : "STOP",
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: prompt,
      candidatesTokenCount: out.length,
      totalTokenCount: prompt + out.length,
    },
    modelVersion: model.replace(/^models\//, ""),
  });
}

export function tunedModels(
  state: GoogleState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const caller = geminiCaller(state, req, res, url);
  if (caller === undefined) return;
  if (
    caller === "api-key" ||
    !caller.scopes.some((s) => s.includes("generative-language.tuning"))
  ) {
    json(
      res,
      403,
      googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", {
        reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
      }),
    );
    return;
  }
  json(res, 200, page(state, state.tunedModels, url, "tunedModels"));
}

export function createPermission(
  state: GoogleState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  model: string,
  body: string,
): void {
  const caller = geminiCaller(state, req, res, url);
  if (caller === undefined) return;
  if (!state.tunedModels.some((m) => m.name === model)) {
    json(res, 404, googleError(404, "NOT_FOUND", `Tuned model ${model} does not exist.`));
    return;
  }
  const grant = JSON.parse(body) as Record<string, unknown>;
  if (
    !["USER", "GROUP", "EVERYONE"].includes(String(grant.granteeType)) ||
    !["READER", "WRITER", "OWNER"].includes(String(grant.role))
  ) {
    json(res, 400, googleError(400, "INVALID_ARGUMENT", "Invalid granteeType or role."));
    return;
  }
  const list = state.permissions.get(model) ?? [];
  const permission = { name: `${model}/permissions/p${list.length + 1}`, ...grant };
  state.permissions.set(model, [...list, permission]);
  json(res, 200, permission);
}
