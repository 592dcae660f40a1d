/**
 * vertexai.allowedModels: which Model Garden models may be called in the project. Its values are
 * `publishers/PUBLISHER/models/MODEL:ACTION`, and a call is a `predict` (cloud.google.com/vertex-ai/
 * generative-ai/docs/control-model-access). A model it refuses fails every call with
 * FAILED_PRECONDITION "Organization Policy constraint constraints/vertexai.allowedModels violated".
 */

import { allowedModelValue } from "../../config/vertex.ts";
import { CONSTRAINTS, listAllows, type PolicyRule } from "../../org-policy.ts";
import type { PreflightTarget } from "../targets.ts";
import type { CheckResult } from "./result.ts";
import { policyCheck, type PolicyReader } from "./policy.ts";

/** List values may carry the `is:` prefix orgpolicy v2 accepts; the model's value is matched without it. */
function withoutPrefixes(rules: readonly PolicyRule[]): PolicyRule[] {
  const bare = (values: string[]) => values.map((v) => v.replace(/^is:/, ""));
  return rules.map((r) => ({
    ...r,
    allowedValues: bare(r.allowedValues),
    deniedValues: bare(r.deniedValues),
  }));
}

/** Fails when a model the stack's consumers are expected to call is not allowed for predict. */
export function allowedModelsCheck(read: PolicyReader, t: PreflightTarget): Promise<CheckResult> {
  const { project, models, named } = t.vertex!;
  const constraint = CONSTRAINTS.allowedModels;
  return policyCheck(read, constraint, project, (rules, evidence) => {
    const readable = withoutPrefixes(rules);
    const refused = models.filter((m) => !listAllows(readable, allowedModelValue(m)));
    if (refused.length === 0)
      return {
        status: "pass",
        summary: `${project} may call ${models.join(", ")} on Vertex AI.`,
        evidence,
      };
    const values = refused.map(allowedModelValue);
    return {
      status: "fail",
      summary: `${constraint} does not allow ${refused.join(", ")} in ${project}${named ? "" : " (the model verify calls when the stack names none)"}: every call to ${refused.length === 1 ? "it" : "them"} fails with FAILED_PRECONDITION.`,
      evidence,
      fix: `Have an organization policy administrator add ${values.join(", ")} to the allowed values of constraints/${constraint} for projects/${project} (or the folder or organization that sets it; cloud.google.com/vertex-ai/generative-ai/docs/control-model-access), or ${named ? `remove ${refused.length === 1 ? "it" : "them"} from vertex.models` : "name the models the stack's consumers call in vertex.models"} in ${t.stackFile}.`,
    };
  });
}
