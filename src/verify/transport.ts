/**
 * `fetch` over node:http and node:https, for the calls the verify command makes (small JSON and
 * form bodies, no redirects, bodies capped at MAX_RESPONSE_BYTES). Node's built-in fetch compiles its HTTP parser to WebAssembly on the
 * first request, about 30 ms of a command whose whole budget is a few hundred; node:http uses the
 * parser compiled into Node. It returns standard `Response` objects, so google-auth-library's
 * transporter takes it as its fetch implementation unchanged.
 */

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Failure } from "../cli/failure.ts";

/**
 * The largest response body read. A page of 1,000 models is about 1 MiB; a body far beyond that is
 * not Google's answer, and reading it whole would cost the process gigabytes of memory.
 */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function tooLarge(url: URL): Failure {
  return new Failure(
    "RESPONSE_TOO_LARGE",
    `The response from ${url.origin} is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB, so it is not a Google API answer; it was not read.`,
    "Check that the endpoint variables point at Google's API (or your Private Service Connect address); a proxy may be answering instead.",
  );
}

function bodyOf(body: unknown, headers: Headers): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof URLSearchParams) {
    if (!headers.has("content-type"))
      headers.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
    return Buffer.from(body.toString());
  }
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new TypeError("This fetch sends only string, URLSearchParams and byte bodies.");
}

const NO_BODY = new Set([101, 204, 205, 304]);

export const nodeFetch: typeof fetch = (input, init) => {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : input instanceof URL ? input.href : input);
  const headers = new Headers(init?.headers ?? request?.headers);
  const method = init?.method ?? request?.method ?? "GET";
  const body = bodyOf(init?.body, headers);
  if (body !== undefined) headers.set("content-length", String(body.length));
  const signal = init?.signal ?? request?.signal ?? undefined;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(
      url,
      { method, headers: Object.fromEntries(headers), signal },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const stop = () => {
          res.destroy();
          reject(tooLarge(url));
        };
        if (Number(res.headers["content-length"] ?? 0) > MAX_RESPONSE_BYTES) return stop();
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) stop();
          else chunks.push(chunk);
        });
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 502;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
              responseHeaders.append(name, v);
          }
          resolve(
            new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), {
              status,
              statusText: res.statusMessage,
              headers: responseHeaders,
            }),
          );
        });
      },
    );
    req.on("error", (err: Error) => reject(signal?.aborted ? (signal.reason as Error) : err));
    req.end(body);
  });
};
