/**
 * Turns Google's error responses (read by ./body.ts) into a named reason and the fix; the Gemini
 * API's own refusals are ./gemini-refusals.ts, Vertex's ./vertex-refusals.ts.
 */

import { Failure } from "../../cli/failure.ts";
import { keyCreationWaysOut } from "../../org-policy.ts";
import { readError, type GoogleError } from "./body.ts";
import type { AuthKind, CallContext } from "./context.ts";
import { geminiPrecondition, quotaFailure, standardKeyRejected } from "./gemini-refusals.ts";
import { capacityExhausted, vertexRefusal } from "./vertex-refusals.ts";

/**
 * Google's shared projects that user credentials are billed to when no quota project is set: gcloud's
 * own OAuth client's project, and the one Application Default Credentials default to.
 */
const GOOGLE_SHARED_PROJECTS = new Set(["projects/764086051850", "projects/32555940559"]);

const SCOPE_FIX_SCOPES =
  "cloud-platform and generative-language.retriever (plus generative-language.tuning for tuned models)";

function stackFile(context: CallContext): string {
  return context.stack === undefined ? "the stack file" : `stacks/Pulumi.${context.stack}.yaml`;
}

/** The failure for a non-2xx response. */
export function diagnoseHttp(status: number, body: unknown, context: CallContext): Failure {
  const e = readError(body);
  const said =
    e.message === undefined
      ? `HTTP ${status}`
      : `HTTP ${status} ${e.status ?? ""}: ${e.message}`.replace(" :", ":");
  if (status === 429) return capacityExhausted(e, context, said) ?? quotaFailure(e, context, said);
  const byReason =
    (e.reason === undefined ? undefined : diagnoseReason(e, context)) ??
    orgPolicy(e, context, said) ??
    geminiPrecondition(status, e, context) ??
    vertexRefusal(status, e, context, said);
  if (byReason) return byReason;
  if (status >= 500) {
    return new Failure(
      "SERVER_ERROR",
      `${context.what} failed on Google's side (${said}).`,
      "Run again in a few minutes; check status.cloud.google.com if it persists.",
    );
  }
  if (status === 401) return standardKeyRejected(e, context) ?? unauthenticated(said, context);
  if (context.denied !== undefined && (status === 403 || status === 404)) {
    return new Failure(
      status === 403 ? "PERMISSION_DENIED" : "NOT_FOUND",
      `${context.what} was refused (${said}).`,
      context.denied,
    );
  }
  if (context.service === "secretmanager" && (status === 403 || status === 404))
    return secretDenied(status, said, context);
  if (context.service === "iamcredentials" && status === 403) {
    return new Failure(
      "IMPERSONATION_DENIED",
      `${context.what} was refused (${said}).`,
      `The caller needs roles/iam.serviceAccountTokenCreator on the account: add it to ${context.grantKey ?? "the account's impersonators"} in ${stackFile(context)} and run pulumi up. New grants can take a few minutes to apply.`,
    );
  }
  if (status === 404)
    return new Failure(
      "NOT_FOUND",
      `${context.what}: not found (${said}).`,
      context.service === "aiplatform"
        ? "Check the project, the location and the model id."
        : "Check the name; list what exists with --tuned.",
    );
  if (status === 403) {
    return new Failure(
      "PERMISSION_DENIED",
      `${context.what} was refused (${said}).`,
      `Grant ${context.principal ?? "the caller"} the role the message names.`,
    );
  }
  return new Failure(
    "REQUEST_FAILED",
    `${context.what} failed (${said}).`,
    "Read Google's message above; run with the same options again once it is fixed.",
  );
}

function diagnoseReason(e: GoogleError, context: CallContext): Failure | undefined {
  const service = e.metadata.service ?? "the API";
  switch (e.reason) {
    case "SERVICE_DISABLED": {
      const consumer = e.metadata.consumer ?? "the project";
      if (GOOGLE_SHARED_PROJECTS.has(consumer)) {
        return new Failure(
          "QUOTA_PROJECT_MISSING",
          `User credentials were billed to Google's shared project ${consumer}, because no quota project is set.`,
          "Name the project to bill: pass --project PROJECT (or --stack), or run `gcloud auth application-default set-quota-project PROJECT`.",
        );
      }
      // Older bodies carry the activation address only as a google.rpc.Help link (vertex-ai-samples#476).
      const url = e.metadata.activationUrl ?? e.help.find((u) => u.includes("/apis/api/"));
      return new Failure(
        "SERVICE_DISABLED",
        `${service} is not enabled in ${consumer}.`,
        `Enable it: pulumi up enables it for the stack's project${url ? `, or open ${url}` : ""}. Just enabled? It can take minutes to reach every server: run again with --wait 300.`,
        1,
        { service, consumer },
      );
    }
    case "ACCESS_TOKEN_SCOPE_INSUFFICIENT":
      return new Failure(
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        context.service === "aiplatform"
          ? `${context.what}: the access token does not carry the cloud-platform scope Vertex needs.`
          : `${context.what}: the access token does not carry a Gemini API scope.`,
        scopeFix(context.identity),
      );
    case "ACCESS_TOKEN_TYPE_UNSUPPORTED":
      return (
        standardKeyRejected(e, context) ??
        new Failure(
          "ACCESS_TOKEN_TYPE_UNSUPPORTED",
          `${context.what}: the credential sent as a Bearer token is not an OAuth access token (an API key sent as a Bearer token is refused this way).`,
          "Send an API key in the x-goog-api-key header (use --auth api-key), and OAuth access tokens as Bearer.",
        )
      );
    case "API_KEY_INVALID":
      return new Failure(
        "API_KEY_INVALID",
        `${context.what}: the API key was rejected as not valid.`,
        "The key was deleted, rotated or mistyped: read the current one from the stack's apiKey secret, or make a new one with npm run rotate -- --stack NAME.",
      );
    case "API_KEY_SERVICE_BLOCKED":
      return new Failure(
        "API_KEY_SERVICE_BLOCKED",
        `${context.what}: the API key is restricted to other APIs.`,
        context.service === "aiplatform"
          ? "A key for Vertex must allow aiplatform.googleapis.com: use the stack's vertex.apiKey (the Gemini API key allows generativelanguage.googleapis.com only), or set GOOGLE_API_KEY to an express-mode key."
          : "Restrict the key to generativelanguage.googleapis.com (the kit's apiKey does this), or use the stack's key.",
      );
    case "CONSUMER_SUSPENDED": {
      // Google's message and metadata name the consumer as `api_key:KEY`: neither is repeated here.
      const key = context.identity === "api-key" && context.service === "gemini";
      return new Failure(
        "CONSUMER_SUSPENDED",
        `${context.what}: Google has suspended ${key ? "this API key" : "the calling project"} for ${service} (${e.metadata.consumer?.startsWith("projects/") ? e.metadata.consumer : "its project"}).`,
        key
          ? "Google suspends a key it finds leaked or abused: delete it and make a new one (npm run rotate -- --stack NAME for the stack's key), and find where the old one was exposed. If the project itself is suspended, see its notice in the Cloud console."
          : "Read the suspension notice for the project in the Cloud console (and its e-mail to the project's owners), and appeal there.",
      );
    }
    case "USER_PROJECT_DENIED":
      return new Failure(
        "USER_PROJECT_DENIED",
        `${context.what}: ${context.principal ?? "the caller"} may not bill the quota project.`,
        "Grant roles/serviceusage.serviceUsageConsumer on the quota project, or name a project you may use with --project.",
      );
    default:
      return undefined;
  }
}

/**
 * An organization policy that refuses what the call makes: key creation
 * (`constraints/iam.disableServiceAccountKeyCreation`, or its managed form; the violation as
 * cloud.google.com/iam/docs/troubleshoot-org-policies describes it), or binding an API key to a
 * service account (`iam.managed.disableServiceAccountApiKeyCreation`, from which Google exempts keys
 * restricted to the Gemini API: googleapis/python-genai#2391).
 */
function orgPolicy(e: GoogleError, context: CallContext, said: string): Failure | undefined {
  if (e.violations.some((v) => /disableServiceAccountKeyCreation$/.test(v))) {
    return new Failure(
      "KEY_CREATION_BLOCKED",
      `${context.what}: an organization policy (${e.violations.join(", ")}) refuses service-account keys here (${said}).`,
      keyCreationWaysOut("PROJECT", stackFile(context)),
    );
  }
  if (e.violations.some((v) => /disableServiceAccountApiKeyCreation$/.test(v))) {
    return new Failure(
      "API_KEY_BINDING_BLOCKED",
      `${context.what}: an organization policy (${e.violations.join(", ")}) refuses API keys bound to a service account (${said}).`,
      "Google has said keys restricted to generativelanguage.googleapis.com alone, as the kit makes them, are allowed (googleapis/python-genai#2391), but this one was refused: have an organization policy administrator set iam.managed.disableServiceAccountApiKeyCreation to enforce: false for this project, or drop apiKey from the stack's file and use the keyless path.",
    );
  }
  return undefined;
}

function scopeFix(identity: AuthKind): string {
  switch (identity) {
    case "oauth":
      return `Sign in again and tick every permission on the consent screen: run with --logout, then again. The consent screen's data access must list ${SCOPE_FIX_SCOPES}.`;
    case "adc":
      return "Log in with the project's Desktop client and the Gemini scopes: gcloud auth application-default login --client-id-file=client_secret.json --scopes=https://www.googleapis.com/auth/cloud-platform,https://www.googleapis.com/auth/generative-language.retriever";
    default:
      return `Request ${SCOPE_FIX_SCOPES}; pass --scope for each if your consumer uses others.`;
  }
}

function unauthenticated(said: string, context: CallContext): Failure {
  return new Failure(
    "UNAUTHENTICATED",
    `${context.what}: the credential was rejected as missing, expired or revoked (${said}).`,
    context.identity === "adc"
      ? "Log in again: gcloud auth application-default login."
      : "Run again to get a fresh token; if it repeats, the key or sign-in was revoked.",
  );
}

function secretDenied(status: number, said: string, context: CallContext): Failure {
  if (status === 404) {
    return new Failure(
      "SECRET_NOT_FOUND",
      `${context.what}: the secret or its latest version does not exist (${said}).`,
      "Run pulumi up for the stack, then npm run rotate for a key secret (the rotator writes its first version), or check --stack / --outputs.",
    );
  }
  return new Failure(
    "SECRET_PERMISSION_DENIED",
    `${context.what}: ${context.principal ?? "the caller"} may not read it (${said}).`,
    `Add the caller to ${context.grantKey ?? "the secret's readers"} in ${stackFile(context)} and run pulumi up: that grants roles/secretmanager.secretAccessor on this secret only.`,
  );
}
