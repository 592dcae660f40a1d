/**
 * The Gemini API side of a verify run: list every model, check the expected ones, then the probe
 * (countTokens, or one generated token with --probe-generate).
 */

import { Failure } from "../cli/failure.ts";
import {
  countTokens,
  defaultProbeModel,
  generateOneToken,
  listModels,
  listTunedModels,
  noModels,
  type GeminiTarget,
  type Model,
  type Probe,
  type ProbeMethod,
} from "../google/apis/gemini.ts";
import type { Http } from "../google/http.ts";
import type { VerifyOptions } from "./options.ts";
import type { VerifyResult } from "./result.ts";

/** The Gemini API's checks: list every model, check the expected ones, then the probe. */
export async function geminiChecks(
  options: VerifyOptions,
  http: Http,
  target: GeminiTarget,
  principal: string,
  result: VerifyResult,
): Promise<void> {
  result.models = await listModels(http, target, options.pageSize);
  if (result.models.length === 0) throw noModels(target.baseUrl, principal);
  if (options.tuned) result.tunedModels = await listTunedModels(http, target, options.pageSize);
  const names = new Set(result.models.map((m) => m.name));
  result.expectedModels = options.expectModels.map((name) => ({ name, found: names.has(name) }));
  const missing = result.expectedModels.filter((m) => !m.found).map((m) => m.name);
  if (missing.length > 0) {
    throw new Failure(
      "MODEL_MISSING",
      `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not among the ${result.models.length} models ${principal} can list.`,
      "Check the name against the list above (names change as models are retired), and the project's region and access.",
    );
  }
  if (options.probe !== undefined)
    result.probe = await probe(
      http,
      target,
      result.models,
      options.probe,
      options.expectModels[0],
      principal,
    );
}

/** The probe on the model asked for, or on the default one; no model to call is a failure, never a pass. */
async function probe(
  http: Http,
  target: GeminiTarget,
  models: Model[],
  method: ProbeMethod,
  expected: string | undefined,
  principal: string,
): Promise<Probe> {
  const model = expected ?? defaultProbeModel(models, method);
  const flag = method === "countTokens" ? "--probe" : "--probe-generate";
  if (model === undefined) {
    throw new Failure(
      "NO_PROBE_MODEL",
      `None of the ${models.length} models ${principal} can list is a Gemini model that supports ${method}, so ${flag} has nothing to call.`,
      "Name the model to call with --expect-model NAME.",
    );
  }
  if (method === "countTokens") {
    http.progress(`Calling ${model} (countTokens: free, and exempt from the model's quota)...`);
    return countTokens(http, target, model);
  }
  http.progress(`Calling ${model} (generateContent of one token: billed, counts against quota)...`);
  return generateOneToken(http, target, model);
}
