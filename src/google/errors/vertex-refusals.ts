/**
 * Vertex's own refusals of a model call (countTokens, generateContent), each read from the body
 * Google sends and explained with the fix. The bodies, as seen in the field:
 *
 * - an organization policy: 400 FAILED_PRECONDITION "Organization Policy constraint
 *   constraints/vertexai.allowedModels violated for `projects/N` attempting to use a disallowed Gen AI
 *   model M. Please contact your organization administrator to fix this violation by adding
 *   `publishers/google/models/M:predict` to the allowed values." (a google-genai ClientError printed
 *   in public code; the same wording for partner models in microsoft/vscode#308871); the constraint
 *   and its value form: cloud.google.com/vertex-ai/generative-ai/docs/control-model-access.
 * - the caller's IAM: 403 PERMISSION_DENIED "Permission 'aiplatform.endpoints.predict' denied on
 *   resource '//aiplatform.googleapis.com/projects/P/locations/L/publishers/google/models/M' (or it
 *   may not exist).", ErrorInfo IAM_PERMISSION_DENIED with the permission and resource
 *   (ShishirPatil/gorilla#234, rpurinton/gemini-php#2, rhel-lightspeed/linux-mcp-server#450).
 * - a key that is not an express-mode key: 401 UNAUTHENTICATED "API keys are not supported by this
 *   API. Expected OAuth2 access token or other authentication credentials that assert a principal.",
 *   ErrorInfo CREDENTIALS_MISSING for aiplatform.googleapis.com (a2aproject/a2a-samples#43 on the
 *   express path; google-gemini/gemini-cli#5739 on a project's path).
 * - dynamic shared quota: 429 RESOURCE_EXHAUSTED "Resource exhausted. Please try again later. Please
 *   refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details."
 *   (google-gemini/gemini-cli#14831, #15498); older wordings "Resource has been exhausted (e.g. check
 *   quota)." (#14811) and "the service is temporarily out of capacity" (googleapis/google-cloud-java#11195).
 * - a model the location does not serve: 404 NOT_FOUND "Publisher Model
 *   `projects/P/locations/L/publishers/google/models/M` was not found or your project does not have
 *   access to it." (google-gemini/gemini-cli#14262, a model served only at global asked for at
 *   us-central1; googleapis/python-genai#664, an alias not served at global). Google answers a
 *   misspelt or retired model the same way, so the fix says both.
 */

import { Failure } from "../../cli/failure.ts";
import type { CallContext } from "./context.ts";
import type { GoogleError } from "./body.ts";

const ALLOWED_MODELS_DOC =
  "https://cloud.google.com/vertex-ai/generative-ai/docs/control-model-access";
const ERROR_429_DOC = "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429";
const LOCATIONS_DOC =
  "https://docs.cloud.google.com/gemini-enterprise-agent-platform/resources/locations";
const MODEL_VERSIONS_DOC =
  "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions";

function stackFile(context: CallContext): string {
  return context.stack === undefined ? "the stack file" : `stacks/Pulumi.${context.stack}.yaml`;
}

/** Who a grant is for, in words (an e-mail, or the person signed in), and as an IAM member. */
function grantee(context: CallContext): { name: string; member: string } {
  const p = context.principal;
  if (p === undefined || !p.includes("@"))
    return {
      name: p === "user" ? "the signed-in user" : (p ?? "the caller"),
      member: "user:EMAIL",
    };
  return {
    name: p,
    member: `${p.endsWith(".gserviceaccount.com") ? "serviceAccount" : "user"}:${p}`,
  };
}

/** A refusal of a Vertex model call that Google explains in its message or ErrorInfo; undefined for any other. */
export function vertexRefusal(
  status: number,
  e: GoogleError,
  context: CallContext,
  said: string,
): Failure | undefined {
  const v = context.vertex;
  if (context.service !== "aiplatform" || v === undefined) return undefined;
  const text = e.fullMessage ?? "";
  if (
    e.violations.some((t) => /vertexai\.allowedModels$/.test(t)) ||
    /constraints\/vertexai\.allowedModels\b/.test(text)
  ) {
    const value = `publishers/google/models/${v.model}:predict`;
    return new Failure(
      "MODEL_NOT_ALLOWED",
      `${context.what}: the organization policy constraints/vertexai.allowedModels does not allow ${v.model} in ${v.project === undefined ? "the key's project" : `project ${v.project}`} (${said}).`,
      `Have an organization policy administrator add ${value} to the allowed values of vertexai.allowedModels where the policy is set (the project, its folder or the organization; a deny higher up wins over an allow below it), or verify a model the policy allows (vertex.models in ${stackFile(context)}, or --model for one run). See ${ALLOWED_MODELS_DOC}`,
    );
  }
  if (
    status === 403 &&
    (e.metadata.permission === "aiplatform.endpoints.predict" ||
      /aiplatform\.endpoints\.predict/.test(text))
  )
    return predictDenied(context, said);
  if (status === 401 && /API keys are not supported/i.test(text)) {
    return new Failure(
      "API_KEYS_NOT_SUPPORTED",
      `${context.what}: Vertex refused the API key: it is not an express-mode key (a standard key, or a key whose project has no express mode) (${said}).`,
      `An API key reaches Vertex only in express mode: use a key bound to a service account that holds roles/aiplatform.expressUser (the stack's vertex.apiKey), or one made on the Agent Platform's express-mode page; or verify keyless, as the consumers' account: --auth impersonate.`,
    );
  }
  if (status === 404 && /Publisher Model/.test(text)) {
    const elsewhere =
      v.location === "global"
        ? "a region the model's page lists (not every model or alias is served at global)"
        : "global, which serves the current Gemini models, or a region the model's page lists";
    return new Failure(
      "LOCATION_NOT_SUPPORTED",
      `${context.what}: Vertex does not serve ${v.model} at ${v.location}, or does not know the model at all (Google answers both alike) (${said}).`,
      `Name a location that serves it: ${elsewhere} (vertex.location in ${stackFile(context)}, or --location for one run; ${LOCATIONS_DOC}). A misspelt or retired model is refused the same way: check the id against ${MODEL_VERSIONS_DOC}.`,
    );
  }
  return undefined;
}

function predictDenied(context: CallContext, said: string): Failure {
  const v = context.vertex!;
  const project = v.project === undefined ? "the key's project" : `project ${v.project}`;
  if (context.identity === "api-key")
    return new Failure(
      "PREDICT_DENIED",
      `${context.what}: the service account the API key is bound to lacks aiplatform.endpoints.predict in ${project} (${said}).`,
      `Grant that account roles/aiplatform.expressUser (or roles/aiplatform.user) on ${project}; the account the stack's vertex.apiKey is bound to is granted it by pulumi up. New grants take a few minutes.`,
    );
  const { name, member } = grantee(context);
  return new Failure(
    "PREDICT_DENIED",
    `${context.what}: ${name} lacks aiplatform.endpoints.predict in ${project} (${said}).`,
    `Grant ${name} roles/aiplatform.user on ${project}, or the kit's prediction role: pulumi up grants it to the stack's consumers when its target includes vertex (${stackFile(context)}); for anyone else: gcloud projects add-iam-policy-binding ${v.project ?? "PROJECT"} --member=${member} --role=roles/aiplatform.user. New grants take a few minutes.`,
  );
}

/**
 * A 429 from Vertex's dynamic shared quota: pay-as-you-go requests share Google's capacity, with no
 * per-project limit to raise (cloud.google.com/vertex-ai/generative-ai/docs/error-code-429). Google's
 * answer names no quota metric; a 429 that does (a per-project quota, as partner models have) is
 * left to the quota diagnosis. It is retried with backoff like any 429 before it is reported.
 */
export function capacityExhausted(
  e: GoogleError,
  context: CallContext,
  said: string,
): Failure | undefined {
  const v = context.vertex;
  if (context.service !== "aiplatform" || v === undefined) return undefined;
  if (e.quotas.some((q) => q.metric !== undefined) || e.metadata.quota_metric !== undefined)
    return undefined;
  if (!/resource (has been )?exhausted|out of capacity/i.test(e.fullMessage ?? ""))
    return undefined;
  const global =
    v.location === "global"
      ? ""
      : ` Prefer location global (vertex.location: global in ${stackFile(context)}, or --location global): Google spreads it across regions and says it has fewer 429s; keep a region only when data must be processed there.`;
  return new Failure(
    "SHARED_CAPACITY_EXHAUSTED",
    `${context.what}: Vertex's shared capacity for ${v.model} at ${v.location} was exhausted (${said}).`,
    `Pay-as-you-go Vertex traffic runs on dynamic shared quota, with no per-project limit to raise, and verify retries it with backoff (--retries, 4 by default): run again later, with more --retries if it persists.${global} For capacity that is guaranteed, buy Provisioned Throughput for the model. See ${ERROR_429_DOC}`,
  );
}
