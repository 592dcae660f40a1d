/**
 * Requests to Google's JSON APIs with the resilience a readiness check needs: a timeout per request,
 * bounded retries with exponential backoff and jitter on 429, 5xx and network errors (honouring
 * Retry-After), and, when asked, riding out SERVICE_DISABLED until a deadline.
 */

import type { CallContext } from "./errors/context.ts";
import { diagnoseHttp } from "./errors/diagnose.ts";
import { Failure } from "../cli/failure.ts";

/** Time, injected so tests can run retries without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

interface RetryPolicy {
  /** Retries after the first attempt for 429, 5xx, timeouts and network errors. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per request. */
  timeoutMs: number;
  /** Epoch milliseconds until which SERVICE_DISABLED is retried (`--wait`); none: fail at once. */
  waitUntil?: number;
}

const DEFAULT_POLICY: RetryPolicy = {
  retries: 4,
  baseDelayMs: 500,
  maxDelayMs: 16_000,
  timeoutMs: 30_000,
};

/** Everything a request needs from outside. */
export interface Http {
  fetch: typeof fetch;
  clock: Clock;
  policy: RetryPolicy;
  /** Progress lines for long waits; written to stderr by the command. */
  progress: (line: string) => void;
  /** Google's time, as its answers give it; calls that carry a clock keep it up to date. */
  googleClock?: GoogleClock;
}

/**
 * Google's time, read from the Date header of its answers (RFC 9110 section 6.6.1, to the second)
 * and carried forward on the local clock between answers. The rotator measures ages and leases on
 * it, since the times it compares them with (a version's createTime, a key's validAfterTime) are
 * Google's, and two machines' clocks may disagree by minutes.
 */
class GoogleClock {
  #offset: number | undefined;

  observe(date: string | null, local: number): void {
    const at = date === null ? Number.NaN : Date.parse(date);
    // The header holds whole seconds: Google's time was in [at, at + 1 s). The top of that second
    // errs by under a second the way a timer would rather than reading a fresh stamp as the future.
    if (!Number.isNaN(at)) this.#offset = at + 999 - local;
  }

  /** Google's time now, or undefined before any answer carried it. */
  now(local: number): number | undefined {
    return this.#offset === undefined ? undefined : local + this.#offset;
  }
}

/** The transport a command's calls share: its --retries, --timeout and, where it has one, --wait. */
export function commandHttp(
  options: { retries: number; timeoutSeconds: number; waitSeconds?: number },
  deps: Pick<Http, "fetch" | "clock" | "progress">,
): Http {
  return {
    fetch: deps.fetch,
    clock: deps.clock,
    progress: deps.progress,
    googleClock: new GoogleClock(),
    policy: {
      ...DEFAULT_POLICY,
      retries: options.retries,
      timeoutMs: options.timeoutSeconds * 1000,
      waitUntil:
        options.waitSeconds === undefined
          ? undefined
          : deps.clock.now() + options.waitSeconds * 1000,
    },
  };
}

/** One attempt's outcome: a value, or a failure that may be worth another attempt. */
export type Attempt<T> =
  { value: T } | { failure: Failure; transient: boolean; retryAfterMs?: number };

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
/** A Retry-After longer than this is not waited out: the failure is reported with it. */
const LONGEST_RETRY_AFTER_MS = 120_000;

/** Runs `attempt` until it yields a value, retrying transient failures and, within --wait, SERVICE_DISABLED. */
export async function withRetries<T>(
  http: Http,
  label: string,
  attempt: () => Promise<Attempt<T>>,
): Promise<T> {
  const { clock, policy } = http;
  let transientTries = 0;
  let waitTries = 0;
  for (;;) {
    const outcome = await attempt();
    if ("value" in outcome) return outcome.value;
    const { failure } = outcome;
    let delay: number;
    if (outcome.transient && transientTries < policy.retries) {
      delay = Math.max(
        backoff(policy, transientTries++, clock.random()),
        outcome.retryAfterMs ?? 0,
      );
      if (delay > LONGEST_RETRY_AFTER_MS)
        throw new Failure(
          failure.reason,
          `${failure.message.replace(/\.$/, "")}; Google asked to wait ${seconds(delay)} before another try, longer than the ${seconds(LONGEST_RETRY_AFTER_MS)} a run waits.`,
          failure.fix,
          failure.exitCode,
          failure.details,
        );
      http.progress(
        `${label}: ${failure.message} Retrying in ${seconds(delay)} (retry ${transientTries} of ${policy.retries}).`,
      );
    } else if (failure.reason === "SERVICE_DISABLED" && policy.waitUntil !== undefined) {
      const left = policy.waitUntil - clock.now();
      if (left <= 0) throw failure;
      delay = Math.min(backoff(policy, waitTries++, clock.random()), left);
      http.progress(
        `${label}: the API is not enabled yet. Checking again in ${seconds(delay)} (${seconds(left)} left of --wait).`,
      );
    } else {
      throw failure;
    }
    await clock.sleep(delay);
  }
}

function backoff(policy: RetryPolicy, tries: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** tries);
  // "Equal jitter": at least half the step, so retries spread out without collapsing to zero.
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface ApiRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  headers: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

/** One JSON API call with retries; the parsed body, or a diagnosed Failure. */
export async function callJson(
  http: Http,
  context: CallContext,
  request: ApiRequest,
): Promise<unknown> {
  return withRetries(http, context.what, () => attemptJson(http, context, request));
}

/**
 * One attempt of a JSON API call, never retried here: for calls that are not idempotent (creating a
 * key), whose caller must first find out whether a failed attempt took effect.
 */
export async function attemptJson(
  http: Http,
  context: CallContext,
  request: ApiRequest,
): Promise<Attempt<unknown>> {
  const origin = new URL(request.url).origin;
  let response: Response;
  try {
    response = await http.fetch(request.url, {
      method: request.method,
      headers:
        request.body === undefined
          ? request.headers
          : { ...request.headers, "content-type": "application/json" },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(http.policy.timeoutMs),
    });
  } catch (err) {
    if (err instanceof Failure) throw err;
    return { failure: networkFailure(err, origin, http.policy.timeoutMs), transient: true };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    return { failure: networkFailure(err, origin, http.policy.timeoutMs), transient: true };
  }
  http.googleClock?.observe(response.headers.get("date"), http.clock.now());
  const body = parseJson(text);
  if (response.ok) {
    if (body === undefined) throw malformed(context.what, origin, response.status, "is not JSON");
    return { value: body };
  }
  // Google's APIs never redirect (the transport follows none): a 3xx is something else answering.
  if (response.status >= 300 && response.status < 400)
    throw malformed(context.what, origin, response.status, redirectProblem(response.headers));
  const failure = diagnoseHttp(response.status, body, context);
  return {
    failure,
    // A quota of 0 is not exhausted for now but absent: another attempt cannot succeed.
    transient: TRANSIENT_STATUS.has(response.status) && failure.reason !== "QUOTA_ZERO",
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), http.clock.now()),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A response that does not have the documented shape. */
/** What a redirect is said as: where it points, by host only (its path and query may carry anything). */
export function redirectProblem(headers: Headers | undefined): string {
  let host: string | undefined;
  try {
    host = new URL(headers?.get("location") ?? "").host || undefined;
  } catch {
    host = undefined;
  }
  return `is a redirect${host === undefined ? "" : ` to ${host}`}, which Google's APIs never send`;
}

export function malformed(what: string, origin: string, status: number, problem: string): Failure {
  return new Failure(
    "MALFORMED_RESPONSE",
    `${what}: the response from ${origin} (HTTP ${status}) ${problem}.`,
    "Check that the endpoint variables point at Google's API (or your Private Service Connect address); a proxy or captive portal may be answering instead.",
  );
}

/** A timeout or a connection that failed, named by host and cause. */
export function networkFailure(err: unknown, origin: string, timeoutMs: number): Failure {
  // By name, not instanceof: an abort reason is a DOMException, whose Error may be another realm's.
  const name = typeof err === "object" && err !== null && "name" in err ? String(err.name) : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new Failure(
      "TIMEOUT",
      `${origin} did not answer within ${timeoutMs / 1000} s.`,
      "Check the network path to Google (proxy, firewall, Private Service Connect), or raise --timeout.",
    );
  }
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code =
    typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined;
  return new Failure(
    "NETWORK",
    `Could not reach ${origin}${code === undefined ? "" : ` (${code})`}.`,
    "Check the network path to Google (DNS, proxy, firewall), or the endpoint variables if you set any.",
  );
}
