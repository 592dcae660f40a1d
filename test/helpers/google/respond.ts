/** Google's response shapes, shared by the fake's handlers. */

import type { ServerResponse } from "node:http";

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers }).end(JSON.stringify(body));
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
        ? [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: info.reason, domain: info.domain ?? "googleapis.com", metadata: info.metadata ?? {} }]
        : [],
    },
  };
}

/** The token endpoint's error shape: `{"error": "invalid_grant", "error_description": ...}`. */
export function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  json(res, status, { error, error_description: description });
}
