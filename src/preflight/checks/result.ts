/**
 * What every preflight check returns: what it asked Google (the REST call it names), what Google
 * answered (the evidence), and a verdict with the fix. A check that cannot get its answer (the API
 * is not enabled in the quota project, the caller may not read it) is a warning that says why,
 * never a crash (couldNot). The checks, by what they look at, are the other files here.
 */

import { Failure } from "../../cli/failure.ts";

export type Status = "pass" | "warn" | "fail";

export interface CheckResult {
  /** Stable, for --json readers: "project", "billing", "org-policy", "permissions", "apis", "api-keys", "oauth". */
  id: string;
  /** The constraint, for an org-policy check. */
  constraint?: string;
  project?: string;
  status: Status;
  /** One line: what was found. */
  summary: string;
  /** What Google answered, line by line. */
  evidence: string[];
  fix?: string;
  /** The REST calls the check made. */
  calls: string[];
}

export const GEMINI = "generativelanguage.googleapis.com";

/** How a host of one of the endpoints is shown in a call line (Google's, whatever the override). */
export const HOSTS = {
  crm: "cloudresourcemanager.googleapis.com",
  billing: "cloudbilling.googleapis.com",
  orgpolicy: "orgpolicy.googleapis.com",
  serviceusage: "serviceusage.googleapis.com",
  apikeys: "apikeys.googleapis.com",
  secretmanager: "secretmanager.googleapis.com",
};

/** Refusals that say the caller may not read something, or that the call's project cannot be billed: not Google failing to answer. */
const REFUSED = new Set([
  "PERMISSION_DENIED",
  "SERVICE_DISABLED",
  "QUOTA_PROJECT_MISSING",
  "USER_PROJECT_DENIED",
  "NOT_FOUND",
]);

/**
 * A check that could not get Google's answer: a warning with the reason and what would let it run.
 * A core check (whether up can succeed at all: the project, billing, permissions, APIs) that Google
 * did not answer (a 5xx, a timeout, a network error, an answer that was not Google's) fails
 * instead: a gate that checked nothing must not pass.
 */
export function couldNot(
  base: Omit<CheckResult, "status" | "summary" | "evidence" | "fix">,
  what: string,
  err: unknown,
  core = false,
): CheckResult {
  if (!(err instanceof Failure) || err.exitCode === 2) throw err;
  const service = typeof err.details?.service === "string" ? err.details.service : undefined;
  const consumer = typeof err.details?.consumer === "string" ? err.details.consumer : undefined;
  const fix =
    err.reason === "SERVICE_DISABLED" && service !== undefined && consumer !== undefined
      ? `Enable ${service} in ${consumer}, the project these calls are billed to: gcloud services enable ${service} --project ${consumer.replace(/^projects\//, "")}. With user credentials you may name another project to bill instead: --project PROJECT.`
      : err.fix;
  const unanswered = core && !REFUSED.has(err.reason);
  return {
    ...base,
    status: unanswered ? "fail" : "warn",
    summary: `Could not ${what}: ${err.message}`,
    evidence: [`${err.reason}: ${err.message}`],
    fix: unanswered
      ? `${fix} Until Google answers, preflight cannot say whether up would succeed: run it again.`
      : fix,
  };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
