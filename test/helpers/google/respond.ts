/** Google's response shapes, shared by the fake's handlers. */

import type { ServerResponse } from "node:http";
import type { Operation } from "./state.ts";

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers })
    .end(JSON.stringify(body));
}

/** `{"error": {code, message, status, details: [ErrorInfo]}}`, as Google's JSON APIs answer. */
export function googleError(
  code: number,
  status: string,
  message: string,
  info?: { reason: string; domain?: string; metadata?: Record<string, string> },
): unknown {
  return {
    error: {
      code,
      message,
      status,
      details: info
        ? [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: info.reason,
              domain: info.domain ?? "googleapis.com",
              metadata: info.metadata ?? {},
            },
          ]
        : [],
    },
  };
}

/**
 * The same shape with any details: `google.rpc.PreconditionFailure` for an organization policy
 * (`{"@type": ".../google.rpc.PreconditionFailure", "violations": [{type, subject, description}]}`,
 * google/rpc/error_details.proto), or none.
 */
export function googleErrorWith(
  code: number,
  status: string,
  message: string,
  details: unknown[],
): unknown {
  return { error: { code, message, status, details } };
}

/** 403 for a permission the caller lacks, as IAM-checked APIs answer it. */
export function permissionDenied(
  res: ServerResponse,
  permission: string,
  resource: string,
  domain: string,
): void {
  json(
    res,
    403,
    googleError(
      403,
      "PERMISSION_DENIED",
      `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`,
      { reason: "IAM_PERMISSION_DENIED", domain, metadata: { permission, resource } },
    ),
  );
}

/** The token endpoint's error shape: `{"error": "invalid_grant", "error_description": ...}`. */
export function oauthError(
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
): void {
  json(res, status, { error, error_description: description });
}

/**
 * GET of a long-running operation (google.longrunning.Operation): 404 for an unknown one; while its
 * polls last, its name and `pending` (what the API adds to an unfinished one); then done, with its
 * error or its response.
 */
export function answerOperation(
  res: ServerResponse,
  operations: ReadonlyMap<string, Operation>,
  id: string,
  pending: Record<string, unknown> = {},
): void {
  const op = operations.get(`operations/${id}`);
  if (op === undefined)
    return json(res, 404, googleError(404, "NOT_FOUND", `Operation operations/${id} not found.`));
  if (op.pollsLeft > 0) {
    op.pollsLeft--;
    return json(res, 200, { name: op.name, ...pending });
  }
  json(res, 200, {
    name: op.name,
    done: true,
    ...(op.error ? { error: op.error } : { response: op.response!() }),
  });
}
