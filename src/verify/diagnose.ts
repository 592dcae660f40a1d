/**
 * Turns Google's error responses into a named reason and the fix. The shapes are Google's documented
 * ones: `{"error": {"code", "message", "status", "details": [...]}}`, whose details are the messages of
 * google/rpc/error_details.proto: `ErrorInfo {reason, domain, metadata}`, `QuotaFailure {violations:
 * [{quotaMetric, quotaId, quotaDimensions, quotaValue}]}`, `PreconditionFailure {violations: [{type}]}`
 * and `Help {links: [{description, url}]}`.
 */

import { Failure } from "../cli/failure.ts";
import { record } from "../json.ts";

export type AuthKind = "service-account" | "oauth" | "adc" | "impersonate" | "api-key";

/** What a request was for, so its failure can be explained in the user's terms. */
export interface CallContext {
  /** "List models", "Read secret projects/p/secrets/s", ... */
  what: string;
  service:
    | "gemini"
    | "secretmanager"
    | "iamcredentials"
    | "iam"
    | "apikeys"
    | "orgpolicy"
    | "cloudbilling"
    | "cloudresourcemanager"
    | "serviceusage";
  identity: AuthKind;
  /** The principal making the call, when known (an e-mail). */
  principal?: string;
  /** The stack config key that grants what this call needs, e.g. `serviceAccounts.runtime.keyReaders`. */
  grantKey?: string;
  /** The stack, for naming its file in a fix. */
  stack?: string;
  /** The fix when the call is refused (403) or its resource is not found (404), where the grant is not a stack key's (the rotator's). */
  denied?: string;
}

interface GoogleError {
  status?: string;
  /** Google's message, cut to a length a report line can carry. */
  message?: string;
  /** The whole message, for matching (the quota limits are listed after the first 300 characters). */
  fullMessage?: string;
  reason?: string;
  metadata: Record<string, string>;
  /** The `type` of each google.rpc.PreconditionFailure violation, e.g. `constraints/iam.disableServiceAccountKeyCreation`. */
  violations: string[];
  /** Each google.rpc.QuotaFailure violation. */
  quotas: QuotaViolation[];
  /** The https:// links of google.rpc.Help. */
  help: string[];
}

interface QuotaViolation {
  metric?: string;
  model?: string;
  /** The limit that was hit (`quotaValue`, an int64 and so a string in JSON), when Google sends it. */
  limit?: number;
}

/**
 * Google's shared projects that user credentials are billed to when no quota project is set: gcloud's
 * own OAuth client's project, and the one Application Default Credentials default to.
 */
const GOOGLE_SHARED_PROJECTS = new Set(["projects/764086051850", "projects/32555940559"]);

const SCOPE_FIX_SCOPES =
  "cloud-platform and generative-language.retriever (plus generative-language.tuning for tuned models)";

const list = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function readError(body: unknown): GoogleError {
  const e = record(record(body)?.error);
  if (e === undefined) return { metadata: {}, violations: [], quotas: [], help: [] };
  const details = list(e.details).map(record);
  const detail = (type: string) =>
    details.find((d) => d !== undefined && String(d["@type"]).endsWith(`google.rpc.${type}`));
  const info = detail("ErrorInfo");
  const violations = list(detail("PreconditionFailure")?.violations)
    .map((v) => record(v)?.type)
    .filter((t): t is string => typeof t === "string");
  const quotas = list(detail("QuotaFailure")?.violations).map((raw): QuotaViolation => {
    const v = record(raw) ?? {};
    const limit =
      typeof v.quotaValue === "string" || typeof v.quotaValue === "number"
        ? Number(v.quotaValue)
        : undefined;
    return {
      metric: text(v.quotaMetric),
      model: text(record(v.quotaDimensions)?.model),
      limit: Number.isFinite(limit) ? limit : undefined,
    };
  });
  const help = list(detail("Help")?.links)
    .map((l) => text(record(l)?.url))
    .filter((u): u is string => u !== undefined && u.startsWith("https://"));
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(info?.metadata) ?? {}))
    if (typeof v === "string") metadata[k] = v;
  return {
    status: text(e.status),
    message: typeof e.message === "string" ? e.message.slice(0, 300) : undefined,
    fullMessage: text(e.message),
    reason: text(info?.reason),
    metadata,
    violations,
    quotas,
    help,
  };
}

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
  if (status === 429) return quotaFailure(e, context, said);
  const byReason =
    (e.reason === undefined ? undefined : diagnoseReason(e, context)) ??
    orgPolicy(e, context, said) ??
    geminiPrecondition(status, e, context);
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
      "Check the name; list what exists with --tuned.",
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
      const url = e.metadata.activationUrl;
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
        `${context.what}: the access token does not carry a Gemini API scope.`,
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
        "Restrict the key to generativelanguage.googleapis.com (the kit's apiKey does this), or use the stack's key.",
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
      "Use the keyless path instead: list the consumers as the account's impersonators and set createKey: false. Or have an organization policy administrator exempt this project: gcloud org-policies reset iam.disableServiceAccountKeyCreation --project PROJECT (and the managed constraint iam.managed.disableServiceAccountKeyCreation).",
    );
  }
  if (e.violations.some((v) => /disableServiceAccountApiKeyCreation$/.test(v))) {
    return new Failure(
      "API_KEY_BINDING_BLOCKED",
      `${context.what}: an organization policy (${e.violations.join(", ")}) refuses API keys bound to a service account (${said}).`,
      "Google exempts keys restricted to generativelanguage.googleapis.com alone, which is how the kit makes them; if this one is refused, have an organization policy administrator allow the binding for this project (iam.managed.disableServiceAccountApiKeyCreation).",
    );
  }
  return undefined;
}

/** ai.google.dev/gemini-api/docs/rate-limits: the limits of each tier, and how a project moves up. */
const RATE_LIMITS_DOC = "https://ai.google.dev/gemini-api/docs/rate-limits";
/** ai.google.dev/gemini-api/docs/billing: a project reaches the paid tiers through "Set up billing" in AI Studio, then prepay. */
const BILLING_DOC = "https://ai.google.dev/gemini-api/docs/billing";
const AI_STUDIO_KEYS = "https://aistudio.google.com/apikey";
const AVAILABLE_REGIONS_DOC = "https://ai.google.dev/gemini-api/docs/available-regions";

/**
 * A 429. When the Gemini API's limit that was hit is 0, the project's tier has no quota for the
 * model at all (a free-tier project calling a paid-only model, or a tier that needs billing and
 * prepay set up in AI Studio): waiting cannot help, so it is not retried. Google sends the limit in
 * the QuotaFailure's quotaValue, in the older ErrorInfo's `quota_limit_value`, and in its message
 * ("limit: 0").
 */
function quotaFailure(e: GoogleError, context: CallContext, said: string): Failure {
  const gemini = context.service === "gemini";
  const zero =
    gemini &&
    (e.quotas.some((q) => q.limit === 0) ||
      e.metadata.quota_limit_value === "0" ||
      /\blimit: 0\b/.test(e.fullMessage ?? ""));
  const quota = e.quotas.find((q) => q.metric !== undefined) ?? {
    metric: e.metadata.quota_metric,
    model: undefined,
  };
  const named =
    quota.metric === undefined
      ? ""
      : ` (${quota.metric}${quota.model ? ` for ${quota.model}` : ""})`;
  if (zero) {
    const help = e.help.find((u) => u !== RATE_LIMITS_DOC);
    return new Failure(
      "QUOTA_ZERO",
      `${context.what}: the project's quota for this${named} is 0, so no call can succeed, however long you wait.`,
      `The project's tier gives it no quota for this model: the free tier does not cover it, or the tier needs billing and prepay set up. In AI Studio (${AI_STUDIO_KEYS}), click Set up billing for the project and prepay (${BILLING_DOC}), or call a model the tier includes (for the probe: --expect-model NAME); the limits of each tier: ${RATE_LIMITS_DOC}${help ? `; Google's help: ${help}` : ""}.`,
    );
  }
  return new Failure(
    "RATE_LIMITED",
    `${context.what} was rate limited${named} (${said}).`,
    gemini
      ? `Wait and run again; if it persists, compare the project's usage with its tier's limits (${RATE_LIMITS_DOC}) and the quotas in the Cloud console.`
      : "Wait and run again; if it persists, check the project's quota for the API in the Cloud console.",
  );
}

/** A 400 FAILED_PRECONDITION that the Gemini API sends without an ErrorInfo: where the call came from. */
function geminiPrecondition(
  status: number,
  e: GoogleError,
  context: CallContext,
): Failure | undefined {
  if (
    status !== 400 ||
    e.status !== "FAILED_PRECONDITION" ||
    !/location is not supported/i.test(e.message ?? "")
  )
    return undefined;
  return new Failure(
    "LOCATION_UNSUPPORTED",
    `${context.what}: the Gemini API does not serve the location this request came from ("${e.message}").`,
    `Google decides by where the request reaches it from (this machine's address, or its proxy's, VPN's or cloud region's). Run from a country on ${AVAILABLE_REGIONS_DOC}; for CI, pick runners there.`,
  );
}

/**
 * A key sent in x-goog-api-key that is refused as an authentication type: since September 2026 the
 * Gemini API takes only auth keys, which are bound to a service account (standard keys with an API
 * restriction were accepted until then; unrestricted ones since June 19, 2026 were not). Google
 * answers 401 UNAUTHENTICATED "Expected OAuth 2 access token, login cookie or other valid
 * authentication credential", with ACCESS_TOKEN_TYPE_UNSUPPORTED or no reason at all
 * (ai.google.dev/gemini-api/docs/api-key; the body as Kilo-Org/kilocode#11763 reports it).
 */
function standardKeyRejected(e: GoogleError, context: CallContext): Failure | undefined {
  if (context.identity !== "api-key" || context.service !== "gemini") return undefined;
  if (
    e.reason !== "ACCESS_TOKEN_TYPE_UNSUPPORTED" &&
    !/Expected OAuth 2 access token/i.test(e.message ?? "")
  )
    return undefined;
  return new Failure(
    "STANDARD_KEY_REJECTED",
    `${context.what}: the Gemini API refused the API key's type: since September 2026 it accepts only auth keys, which are bound to a service account, and this one is a standard key.`,
    "Replace it with a key bound to a service account: the stack's apiKey is one (apiKey.serviceAccount; verify it with --stack NAME --auth api-key), or create an auth key in AI Studio. A key in GOOGLE_API_KEY or GEMINI_API_KEY made before then is a standard key.",
  );
}

/** How to get a token with the right scopes, for each way of signing in. */
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
