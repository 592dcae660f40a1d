/**
 * Google's error responses read into one shape. The shapes are Google's documented ones:
 * `{"error": {"code", "message", "status", "details": [...]}}`, whose details are the messages of
 * google/rpc/error_details.proto: `ErrorInfo {reason, domain, metadata}`, `QuotaFailure {violations:
 * [{quotaMetric, quotaId, quotaDimensions, quotaValue}]}`, `PreconditionFailure {violations: [{type}]}`
 * and `Help {links: [{description, url}]}`.
 */

import { record } from "../../json.ts";

export interface GoogleError {
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

const list = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
const oneLine = (s: string): string => s.replace(/\r?\n|[\u2028\u2029]/g, " ");
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function readError(body: unknown): GoogleError {
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
    // Google's message goes into one line of a report: a newline in it must not start another.
    message: typeof e.message === "string" ? oneLine(e.message).slice(0, 300) : undefined,
    fullMessage: text(e.message),
    reason: text(info?.reason),
    metadata,
    violations,
    quotas,
    help,
  };
}
