/**
 * Failures while getting an access token through google-auth-library, which reports the token
 * endpoint's `{"error": "invalid_grant", "error_description": ...}` inside a GaxiosError.
 */

import type { AuthKind } from "./context.ts";
import { Failure } from "../../cli/failure.ts";
import {
  malformed,
  networkFailure,
  parseRetryAfter,
  redirectProblem,
  type Attempt,
  type Http,
} from "../http.ts";
import { record } from "../../json.ts";

export interface TokenContext {
  identity: AuthKind;
  /** What the token is for, e.g. "Get a token for runtime@p.iam.gserviceaccount.com". */
  what: string;
  /** The client is a user's (oauth, or an authorized_user ADC file). */
  user: boolean;
}

interface TokenErrorShape {
  status?: number;
  error?: string;
  description?: string;
  retryAfter: string | null;
  headers?: Headers;
}

function read(err: unknown): TokenErrorShape {
  const response =
    typeof err === "object" && err !== null && "response" in err
      ? (err.response as Record<string, unknown> | undefined)
      : undefined;
  const data = response?.data;
  const fields = record(data) ?? {};
  const headers = response?.headers;
  return {
    status: typeof response?.status === "number" ? response.status : undefined,
    error: typeof fields.error === "string" ? fields.error : undefined,
    description:
      typeof fields.error_description === "string"
        ? fields.error_description.slice(0, 200)
        : undefined,
    retryAfter: headers instanceof Headers ? headers.get("retry-after") : null,
    ...(headers instanceof Headers ? { headers } : {}),
  };
}

/** Gets a token once, as an Attempt for `withRetries`: 429, 5xx and network errors are transient. */
export async function tokenAttempt<T>(
  http: Http,
  context: TokenContext,
  origin: string,
  get: () => Promise<T>,
): Promise<Attempt<T>> {
  try {
    return { value: await get() };
  } catch (err) {
    if (err instanceof Failure) throw err;
    // google-auth-library's transport (gaxios) wraps what its fetch threw as the error's cause.
    if (err instanceof Error && err.cause instanceof Failure) throw err.cause;
    const shape = read(err);
    if (shape.status === undefined) {
      if (
        err instanceof Error &&
        /fetch failed|timeout|ECONN|ENOTFOUND|aborted/i.test(`${err.message} ${String(err.cause)}`)
      ) {
        return {
          failure: networkFailure(err.cause ?? err, origin, http.policy.timeoutMs),
          transient: true,
        };
      }
      throw new Failure(
        "REQUEST_FAILED",
        `${context.what} failed: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}.`,
        "Check the credential and the network path to Google.",
      );
    }
    // The token endpoint never redirects: a 3xx is a proxy or a captive portal, not a refused credential.
    if (shape.status >= 300 && shape.status < 400)
      throw malformed(context.what, origin, shape.status, redirectProblem(shape.headers));
    if (shape.status === 429 || shape.status >= 500) {
      return {
        failure: new Failure(
          shape.status === 429 ? "RATE_LIMITED" : "SERVER_ERROR",
          `${context.what}: the token endpoint answered HTTP ${shape.status}.`,
          "Run again in a few minutes.",
        ),
        transient: true,
        retryAfterMs: parseRetryAfter(shape.retryAfter, http.clock.now()),
      };
    }
    throw diagnoseTokenError(shape, context);
  }
}

function diagnoseTokenError(shape: TokenErrorShape, context: TokenContext): Failure {
  const said = `${shape.error ?? `HTTP ${shape.status}`}${shape.description ? `: ${shape.description}` : ""}`;
  switch (shape.error) {
    case "invalid_grant":
      if (context.identity === "oauth") {
        return new Failure(
          "INVALID_GRANT",
          `${context.what}: the saved sign-in was refused (${said}). It has been removed.`,
          "Run again to sign in. An External app in Testing status expires refresh tokens 7 days after consent; publish the app (In production) or make it Internal to stop this.",
        );
      }
      if (context.user) {
        return new Failure(
          "INVALID_GRANT",
          `${context.what}: the user's refresh token was refused (${said}).`,
          "Log in again: gcloud auth application-default login --client-id-file=client_secret.json --scopes=... (an app in Testing status expires refresh tokens after 7 days).",
        );
      }
      return new Failure(
        "INVALID_GRANT",
        `${context.what}: the service-account key was refused (${said}).`,
        "The key was deleted or disabled (the rotator deletes a key one period after a newer one replaced it): use the key secret's latest version. Also check this machine's clock.",
      );
    case "invalid_client":
    case "unauthorized_client":
      return new Failure(
        "INVALID_CLIENT",
        `${context.what}: the OAuth client was refused (${said}).`,
        "The client was deleted or its secret reset: download the Desktop client's JSON again and store it with the stack's set-client command.",
      );
    case "invalid_scope":
      return new Failure(
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        `${context.what}: a requested scope was refused (${said}).`,
        "Check --scope values; the consent screen must list every scope the kit asks for.",
      );
    default:
      return new Failure(
        "UNAUTHENTICATED",
        `${context.what}: the token endpoint refused the credential (${said}).`,
        "Check the credential is current and belongs to the right project.",
      );
  }
}
