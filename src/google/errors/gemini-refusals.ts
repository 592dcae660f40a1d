/**
 * The Gemini API's own refusals: a quota (and a quota of 0, which waiting cannot help), the
 * preconditions it names (a location it does not serve, a suspended consumer), and an API key
 * refused for its type, each with the page of Google's documentation that says what to do.
 */

import { Failure } from "../../cli/failure.ts";
import type { CallContext } from "./context.ts";
import type { GoogleError } from "./body.ts";

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
export function quotaFailure(e: GoogleError, context: CallContext, said: string): Failure {
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
export function geminiPrecondition(
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
 * A key sent in x-goog-api-key that is refused as a credential type: Google answers 401
 * UNAUTHENTICATED "Expected OAuth 2 access token, login cookie or other valid authentication
 * credential", with ACCESS_TOKEN_TYPE_UNSUPPORTED or no reason at all (the body as
 * Kilo-Org/kilocode#11763 reports it). Two causes give it: a standard key, which Google's API-key
 * page says the Gemini API rejects "on September 2026" (ai.google.dev/gemini-api/docs/api-key, with
 * no day given: enforcement could not be checked here), and an auth key (`AQ.`) on a call that does
 * not take one, which users report lists models and is refused on generation
 * (discuss.ai.google.dev threads 170430 and 175673). The body does not tell them apart.
 */
export function standardKeyRejected(e: GoogleError, context: CallContext): Failure | undefined {
  if (context.identity !== "api-key" || context.service !== "gemini") return undefined;
  if (
    e.reason !== "ACCESS_TOKEN_TYPE_UNSUPPORTED" &&
    !/Expected OAuth 2 access token/i.test(e.message ?? "")
  )
    return undefined;
  return new Failure(
    "STANDARD_KEY_REJECTED",
    `${context.what}: the Gemini API refused the API key as a credential type: either a standard key, which Google says it rejects from September 2026, or an auth key on a call that does not take one (reported for auth keys that list models and are refused on generation).`,
    "A standard key: replace it with a key bound to a service account (the stack's apiKey is one: apiKey.serviceAccount; verify it with --stack NAME --auth api-key --probe), or an auth key from AI Studio; a key in GOOGLE_API_KEY or GEMINI_API_KEY made before then is a standard key. An auth key already: call as its service account instead (impersonation or its key), and report the refusal to Google.",
  );
}

/** How to get a token with the right scopes, for each way of signing in. */
