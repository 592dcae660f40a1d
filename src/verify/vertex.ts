/**
 * The Vertex side of a verify run: which target the run has, where Vertex is called and which
 * models (flags first, then the stack's outputs, then the defaults), and the checks themselves:
 * countTokens on each model as the identity, then, with --probe-generate, one minimal
 * generateContent. An API key calls Vertex in express mode, which is project-less and global.
 */

import { badInput, usage } from "../cli/failure.ts";
import { DEFAULT_VERTEX_MODEL } from "../config/vertex.ts";
import {
  countTokens,
  generateContent,
  type VertexCount,
  type VertexGeneration,
  type VertexTarget,
} from "../google/apis/aiplatform.ts";
import type { ProbeMethod } from "../google/apis/gemini.ts";
import type { Http } from "../google/http.ts";
import type { Caller, Identity } from "../google/identities/caller.ts";
import type { Endpoints } from "../google/transport/endpoints.ts";
import type { StackFacts } from "./facts.ts";
import type { Target, VerifyOptions } from "./options.ts";

/** The model a run calls when neither --model nor the outputs' vertex.models name one; preflight expects the same. */
export { DEFAULT_VERTEX_MODEL };

/** Where Vertex is called when neither --location nor the outputs' vertex.location says: Google's advice against 429s (error-code-429). */
const DEFAULT_LOCATION = "global";

/** What the Vertex checks found, model by model, so a failure midway still shows what passed. */
export interface VertexResult {
  /** Where the models were called: the stack's location, or global in express mode. */
  location: string;
  /** The project whose path was called; none in express mode (the key's own project answers). */
  project?: string;
  /** An API key, which Vertex takes only in express mode. */
  express: boolean;
  /** The identity, when it is not the run's (--target both with an API key: one key per API). */
  identity?: Identity;
  /** Each model that answered countTokens. */
  models: VertexCount[];
  /** With --probe-generate: the one generateContent. */
  probe?: VertexGeneration;
}

/**
 * --target, else the outputs' target, else the Gemini API (what verify did before Vertex). Sharing a
 * tuned model is the Gemini API's alone, whatever the stack's target.
 */
export function chooseTarget(options: VerifyOptions, facts: StackFacts | undefined): Target {
  if (options.command === "share-tuned-model") return "gemini-api";
  return options.target ?? facts?.target ?? "gemini-api";
}

export const includes = (target: Target, api: "gemini-api" | "vertex"): boolean =>
  target === "both" || target === api;

/** Flags that belong to the other API are refused, so a run never passes while ignoring one. */
export function checkTargetFlags(options: VerifyOptions, target: Target): void {
  const gemini = [
    ["--expect-model", options.expectModels.length > 0],
    ["--tuned", options.tuned],
    ["--page-size", options.pageSize !== undefined],
  ] as const;
  const vertex = [
    ["--location", options.location !== undefined],
    ["--model", options.vertexModels.length > 0],
  ] as const;
  const geminiFlag = gemini.find(([, set]) => set)?.[0];
  if (!includes(target, "gemini-api") && geminiFlag !== undefined)
    throw usage(
      `${geminiFlag} checks the Gemini API's model listing, which a run with target ${target} does not read.`,
      "Name the Vertex models to call with --model, or add the Gemini API with --target both.",
    );
  const vertexFlag = vertex.find(([, set]) => set)?.[0];
  if (!includes(target, "vertex") && vertexFlag !== undefined)
    throw usage(
      `${vertexFlag} says where and what Vertex calls, but this run's target is ${target}.`,
      "Add --target vertex (or --target both).",
    );
  if (
    options.command === "share-tuned-model" &&
    options.target !== undefined &&
    options.target !== "gemini-api"
  )
    throw usage(
      "share-tuned-model shares a Gemini API tuned model; it has no Vertex side.",
      "Drop --target.",
    );
}

/** Runs the Vertex checks into `result.vertex`; a refusal is thrown, with what passed before it kept. */
export async function vertexChecks(
  http: Http,
  endpoints: Endpoints,
  caller: Caller,
  run: { options: VerifyOptions; facts: StackFacts | undefined; probe?: ProbeMethod },
  into: (result: VertexResult) => void,
): Promise<void> {
  const { options, facts } = run;
  const express = caller.identity.kind === "api-key";
  const location = options.location ?? facts?.vertex?.location ?? DEFAULT_LOCATION;
  const models =
    options.vertexModels.length > 0
      ? options.vertexModels
      : (facts?.vertex?.models ?? [DEFAULT_VERTEX_MODEL]);
  const project = facts?.project ?? options.project ?? caller.identity.project;
  if (!express && project === undefined)
    throw badInput(
      "Vertex is called in a project, and none is known: no stack, no --project, and the credential names none.",
      "Pass --stack NAME, --outputs FILE or --project PROJECT.",
    );
  if (express && location !== "global")
    http.progress(
      `An API key calls Vertex in express mode, which is global and project-less: ${location} is not what this identity is checked at.`,
    );
  const result: VertexResult = {
    location: express ? "global" : location,
    ...(express ? {} : { project }),
    express,
    models: [],
  };
  into(result);
  const target: VertexTarget = {
    place: express ? { express: true } : { project: project!, location },
    endpoints,
    headers: () => caller.headers(),
    context: {
      identity: caller.identity.kind,
      principal: caller.identity.principal,
      stack: facts?.stack,
    },
  };
  for (const model of models) {
    http.progress(`Calling ${model} on Vertex at ${result.location} (countTokens)...`);
    result.models.push(await countTokens(http, target, model));
  }
  if (run.probe === "generateContent") {
    http.progress(
      `Calling ${models[0]} on Vertex (generateContent of one token: billed, a few tokens)...`,
    );
    result.probe = await generateContent(http, target, models[0]!);
  }
}
