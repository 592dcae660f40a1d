/**
 * Vertex AI, v1, now presented as Gemini Enterprise Agent Platform (discovery document aiplatform v1,
 * as googleapis/google-api-go-client carries it in aiplatform/v1/aiplatform-api.json; the messages
 * are google/cloud/aiplatform/v1/prediction_service.proto and content.proto in googleapis/googleapis):
 * projects.locations.publishers.models.countTokens and .generateContent on one of Google's models at
 * a location of a project, and the same two on express mode's project-less path
 * (publishers.models.countTokens and .generateContent, `POST /v1/{model}:METHOD` on the global host:
 * cloud.google.com/vertex-ai/generative-ai/docs/start/express-mode/vertex-ai-express-mode-api-reference),
 * which is how an API key calls Vertex. Answers are checked against their documented shape, so a
 * proxy's page or a cut body is an error, not a crash.
 */

import type { CallContext } from "../errors/context.ts";
import { Failure } from "../../cli/failure.ts";
import { callJson, malformed, type Http } from "../http.ts";
import { aiplatformBase, type Endpoints } from "../transport/endpoints.ts";
import { record } from "../../json.ts";
import { PROBE_TEXT } from "./gemini.ts";

/** Where a Vertex call is made: a location of a project, or express mode (an API key: no project, global only). */
type VertexPlace = { project: string; location: string } | { express: true };

/** Where and as whom to call Vertex. */
export interface VertexTarget {
  place: VertexPlace;
  endpoints: Endpoints;
  headers: () => Promise<Record<string, string>>;
  context: Omit<CallContext, "what" | "service" | "vertex">;
}

/** What countTokens answered for one model. */
export interface VertexCount {
  model: string;
  totalTokens: number;
  /** Characters the request would bill, when Google says (CountTokensResponse.total_billable_characters). */
  totalBillableCharacters?: number;
}

/** What one minimal generateContent answered. */
export interface VertexGeneration {
  model: string;
  method: "generateContent";
  totalTokens: number;
}

/** A Gemini model id as Vertex names it under publishers/google/models/ (`gemini-3.8-flash`, `text-embedding-005`, `x@001`). */
export const VERTEX_MODEL = /^[a-z0-9][a-z0-9._@-]{0,127}$/;

/** The location a call is made at: express mode is global. */
function placeLocation(place: VertexPlace): string {
  return "express" in place ? "global" : place.location;
}

function modelUrl(target: VertexTarget, model: string, method: string): string {
  if (!VERTEX_MODEL.test(model))
    throw new Failure(
      "USAGE",
      `${JSON.stringify(model)} is not a Vertex model id.`,
      "Name a model like gemini-3.8-flash.",
      2,
    );
  const place = target.place;
  const base = aiplatformBase(target.endpoints, placeLocation(place));
  const path =
    "express" in place
      ? ""
      : `/projects/${encodeURIComponent(place.project)}/locations/${place.location}`;
  return `${base}/v1${path}/publishers/google/models/${model}:${method}`;
}

async function modelCall(
  http: Http,
  target: VertexTarget,
  what: string,
  model: string,
  method: "countTokens" | "generateContent",
  request: Record<string, unknown>,
): Promise<{ body: Record<string, unknown>; origin: string }> {
  const url = modelUrl(target, model, method);
  const place = target.place;
  const context: CallContext = {
    ...target.context,
    what,
    service: "aiplatform",
    vertex: {
      model,
      location: placeLocation(place),
      project: "express" in place ? undefined : place.project,
      express: "express" in place,
    },
  };
  const origin = new URL(url).origin;
  const body = record(
    await callJson(http, context, {
      method: "POST",
      url,
      headers: await target.headers(),
      body: request,
    }),
  );
  if (body === undefined) throw malformed(what, origin, 200, "is not a JSON object");
  return { body, origin };
}

/** The one short user turn both calls send. */
const CONTENTS = [{ role: "user", parts: [{ text: PROBE_TEXT }] }];

/**
 * `POST .../publishers/google/models/{model}:countTokens` with `{"contents": [...]}`, answered with
 * CountTokensResponse `{totalTokens, totalBillableCharacters?, promptTokensDetails?}`. It runs the
 * model call's own checks (the caller's aiplatform.endpoints.predict, the vertexai.allowedModels
 * policy, whether the location serves the model, the key's kind in express mode) without generating.
 * Proto3 JSON leaves a zero out, so a missing totalTokens is 0; any other type is malformed.
 */
export async function countTokens(
  http: Http,
  target: VertexTarget,
  model: string,
): Promise<VertexCount> {
  const what = `Count tokens with ${model} on Vertex`;
  const { body, origin } = await modelCall(http, target, what, model, "countTokens", {
    contents: CONTENTS,
  });
  const total = body.totalTokens ?? 0;
  if (typeof total !== "number")
    throw malformed(what, origin, 200, 'has a "totalTokens" that is not a number');
  const billable = body.totalBillableCharacters;
  return {
    model,
    totalTokens: total,
    ...(typeof billable === "number" ? { totalBillableCharacters: billable } : {}),
  };
}

/**
 * `POST .../publishers/google/models/{model}:generateContent` asking for one output token
 * (GenerationConfig max_output_tokens 1, candidate_count 1), answered with GenerateContentResponse
 * `{candidates, usageMetadata: {totalTokenCount}, promptFeedback?}`. Billed: the prompt's few tokens
 * and what the model spends before it stops. A candidate cut off at one token (MAX_TOKENS), or with no
 * text, is still a model that answered; a prompt blocked before any candidate (promptFeedback
 * blockReason, which a Model Armor policy can set) is a refusal.
 */
export async function generateContent(
  http: Http,
  target: VertexTarget,
  model: string,
): Promise<VertexGeneration> {
  const what = `Generate one token with ${model} on Vertex`;
  const { body, origin } = await modelCall(http, target, what, model, "generateContent", {
    contents: CONTENTS,
    generationConfig: { maxOutputTokens: 1, candidateCount: 1 },
  });
  const blocked = record(body.promptFeedback)?.blockReason;
  if (typeof blocked === "string" && !Array.isArray(body.candidates))
    throw new Failure(
      "REQUEST_FAILED",
      `${what}: the prompt was blocked before the model answered (blockReason ${blocked}).`,
      "A safety setting or a Model Armor template or floor setting on the project blocked the probe's text; check them in the console, then run again.",
    );
  if (!Array.isArray(body.candidates))
    throw malformed(what, origin, 200, 'has no "candidates" list');
  const total = record(body.usageMetadata)?.totalTokenCount ?? 0;
  if (typeof total !== "number")
    throw malformed(
      what,
      origin,
      200,
      'has a "usageMetadata.totalTokenCount" that is not a number',
    );
  return { model, method: "generateContent", totalTokens: total };
}
