/**
 * The fake's Vertex AI v1 (discovery document aiplatform v1; google/cloud/aiplatform/v1/
 * prediction_service.proto): projects.locations.publishers.models.countTokens and .generateContent,
 * and express mode's project-less publishers.models.countTokens and .generateContent. Google serves
 * each location on its own host; the fake answers them all on 127.0.0.1 through
 * GEMINI_KIT_AIPLATFORM_ENDPOINT, and reads the location from the path, where Google's requests carry
 * it too (express mode is global). It checks what Google checks, in Google's shapes
 * (test/fixtures/vertex-errors.ts cites each body): the credential (a token with cloud-platform, or
 * an API key, which only an express-mode key passes), the API being on, the caller's
 * aiplatform.endpoints.predict in the project (`grants`), whether the location serves the model, and
 * the vertexai.allowedModels policy.
 */

import type { IncomingMessage } from "node:http";
import {
  apiKeysNotSupported,
  modelNotAllowed,
  predictDenied,
  publisherModelNotFound,
  vertexDisabled,
} from "../../fixtures/vertex-errors.ts";
import type { ErrorFixture } from "../../fixtures/gemini-errors.ts";
import { holds } from "./iam-policy.ts";
import { bearer } from "./oauth.ts";
import { googleError, json } from "./respond.ts";
import type { Handler, RequestContext } from "./routes.ts";
import { PROJECT_NUMBER, type GoogleState } from "./state.ts";

const AIPLATFORM = "aiplatform.googleapis.com";
const CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";
type Method = "countTokens" | "generateContent";

/** The paths, a project's and express mode's; the captures are project, location, model (or model alone). */
export const VERTEX_PATHS = {
  project: (method: Method) =>
    new RegExp(
      `^/v1/projects/([^/]+)/locations/([^/]+)/publishers/google/models/([^/:]+):${method}$`,
    ),
  express: (method: Method) => new RegExp(`^/v1/publishers/google/models/([^/:]+):${method}$`),
};

const send = (ctx: RequestContext, fixture: ErrorFixture) =>
  json(ctx.res, fixture.status, fixture.body);

/** The principal the call is made as (a key's is "api-key"), or undefined once the refusal is sent. */
function caller(ctx: RequestContext, method: Method): string | undefined {
  const { state, req } = ctx;
  const key = req.headers["x-goog-api-key"] ?? ctx.url.searchParams.get("key") ?? undefined;
  if (typeof key === "string") return keyCaller(ctx, key, method);
  const { value, token } = bearer(state, req.headers.authorization);
  if (token === undefined) {
    json(
      ctx.res,
      401,
      googleError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        {
          reason: value ? "ACCESS_TOKEN_EXPIRED" : "CREDENTIALS_MISSING",
        },
      ),
    );
    return undefined;
  }
  // The discovery document's scope for both methods.
  if (!token.scopes.includes(CLOUD_PLATFORM)) {
    json(
      ctx.res,
      403,
      googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", {
        reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        metadata: { service: AIPLATFORM },
      }),
    );
    return undefined;
  }
  const quota = userProject(req);
  if (token.kind === "user" && quota !== undefined && !state.userProjects.has(quota)) {
    json(
      ctx.res,
      403,
      googleError(
        403,
        "PERMISSION_DENIED",
        `Caller does not have required permission to use project ${quota}.`,
        {
          reason: "USER_PROJECT_DENIED",
          metadata: { consumer: `projects/${quota}`, service: AIPLATFORM },
        },
      ),
    );
    return undefined;
  }
  return token.principal;
}

function userProject(req: IncomingMessage): string | undefined {
  const header = req.headers["x-goog-user-project"];
  return typeof header === "string" ? header : undefined;
}

/** An API key: known, allowed to call Vertex by its restrictions, and an express-mode key. */
function keyCaller(ctx: RequestContext, key: string, method: Method): string | undefined {
  const { state } = ctx;
  const record = state.apiKeys.get(key);
  if (!state.apiKeys.has(key) || record?.deleteTime !== undefined) {
    json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", {
        reason: "API_KEY_INVALID",
        metadata: { service: AIPLATFORM },
      }),
    );
    return undefined;
  }
  const targets = record?.restrictions?.apiTargets ?? [];
  if (targets.length > 0 && !targets.some((t) => t.service === AIPLATFORM)) {
    const rpc = method === "countTokens" ? "CountTokens" : "GenerateContent";
    json(
      ctx.res,
      403,
      googleError(
        403,
        "PERMISSION_DENIED",
        `Requests to this API ${AIPLATFORM} method google.cloud.aiplatform.v1.PredictionService.${rpc} are blocked.`,
        {
          reason: "API_KEY_SERVICE_BLOCKED",
          metadata: { service: AIPLATFORM, consumer: `projects/${PROJECT_NUMBER}` },
        },
      ),
    );
    return undefined;
  }
  if (!state.vertex.expressKeys.has(key)) {
    send(ctx, apiKeysNotSupported(method === "countTokens" ? "CountTokens" : "GenerateContent"));
    return undefined;
  }
  return "api-key";
}

/** The project id a path names (by id or number), if the fake has it. */
function projectId(state: GoogleState, named: string): string | undefined {
  const id = state.projects.get(named) ?? named;
  return [...state.projects.values()].includes(id) ? id : undefined;
}

/**
 * Everything a model call checks before it answers; the request's texts, or undefined once the
 * refusal is sent. `where` is the path's project and location (express mode: the key's, global).
 */
function modelCall(
  ctx: RequestContext,
  method: Method,
  where: { project: string; location: string; express: boolean },
  model: string,
): { texts: string[]; request: Record<string, unknown> } | undefined {
  const { state } = ctx;
  const principal = caller(ctx, method);
  if (principal === undefined) return undefined;
  if (state.vertex.disabled) return void send(ctx, vertexDisabled(PROJECT_NUMBER));
  const project = projectId(state, where.project);
  if (
    principal !== "api-key" &&
    (project === undefined || !holds(state, principal, project, "aiplatform.endpoints.predict"))
  )
    return void send(ctx, predictDenied(where.project, where.location, model));
  const served = state.vertex.models.get(model);
  if (served === undefined || !served.includes(where.location))
    return void send(ctx, publisherModelNotFound(where.project, where.location, model));
  const allowed = state.vertex.allowedModels;
  if (allowed !== undefined && !allowed.includes(`publishers/google/models/${model}:predict`))
    return void send(ctx, modelNotAllowed(PROJECT_NUMBER, model));
  let request: { contents?: { parts?: { text?: unknown }[] }[] } & Record<string, unknown>;
  try {
    request = JSON.parse(ctx.body) as typeof request;
  } catch {
    return void json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received."),
    );
  }
  const texts = (request.contents ?? []).flatMap((c) => c.parts ?? []).map((p) => p.text);
  // The kit never sends a request without text; this wording is the fake's own.
  if (texts.length === 0 || texts.some((t) => typeof t !== "string"))
    return void json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", "contents has no text parts."),
    );
  return { texts: texts as string[], request };
}

/** One token per word: the fake's tokenizer. */
const tokens = (texts: string[]) =>
  texts.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);

/** Where a request is made: a project's path names project and location; express mode is the key's project, global. */
function place(ctx: RequestContext, params: string[]) {
  if (params.length === 3)
    return {
      where: { project: params[0]!, location: params[1]!, express: false },
      model: params[2]!,
    };
  const project = ctx.state.projects.get(PROJECT_NUMBER) ?? PROJECT_NUMBER;
  return { where: { project, location: "global", express: true }, model: params[0]! };
}

/** CountTokensResponse: totalTokens, totalBillableCharacters, promptTokensDetails (ModalityTokenCount). */
export const countTokens: Handler = (ctx, params) => {
  const { where, model } = place(ctx, params);
  const call = modelCall(ctx, "countTokens", where, model);
  if (call === undefined) return;
  const total = tokens(call.texts);
  json(ctx.res, 200, {
    totalTokens: total,
    totalBillableCharacters: call.texts.join("").replace(/\s/g, "").length,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: total }],
  });
};

/**
 * GenerateContentResponse: candidates of at most generationConfig.maxOutputTokens tokens (cut off
 * with finishReason MAX_TOKENS), usageMetadata, modelVersion, responseId.
 */
export const generateContent: Handler = (ctx, params) => {
  const { where, model } = place(ctx, params);
  const call = modelCall(ctx, "generateContent", where, model);
  if (call === undefined) return;
  const config = (call.request.generationConfig ?? {}) as { maxOutputTokens?: unknown };
  const max = typeof config.maxOutputTokens === "number" ? config.maxOutputTokens : 8192;
  const answer = ["Probe", "received", "and", "answered."];
  const out = answer.slice(0, Math.max(1, max));
  const prompt = tokens(call.texts);
  json(ctx.res, 200, {
    candidates: [
      {
        content: { role: "model", parts: [{ text: out.join(" ") }] },
        finishReason: out.length < answer.length ? "MAX_TOKENS" : "STOP",
      },
    ],
    usageMetadata: {
      promptTokenCount: prompt,
      candidatesTokenCount: out.length,
      totalTokenCount: prompt + out.length,
      trafficType: "ON_DEMAND",
    },
    modelVersion: model,
    responseId: `fake-${ctx.state.requests.length}`,
  });
};
