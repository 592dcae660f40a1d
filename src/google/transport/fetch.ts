/**
 * `fetch` over node:http and node:https, for the calls the commands make to Google (verify, rotate,
 * preflight). Node's built-in fetch compiles its HTTP parser to WebAssembly on the first request,
 * about 30 ms of a command whose whole budget is a few hundred; node:http uses the parser compiled
 * into Node. It returns standard `Response` objects, so google-auth-library's transporter takes it
 * as its fetch implementation unchanged.
 *
 * What it does, and does not do, each tested in test/google/transport.test.ts:
 * - Bodies: sends string, URLSearchParams and byte bodies; refuses streams and FormData.
 * - Redirects: never followed. A 3xx comes back as it is, Location and all: Google's APIs do not
 *   redirect, so one means something else is answering.
 * - Compression: asks for none (`accept-encoding: identity` unless the caller set one), and decodes
 *   a gzip, deflate or br body anyway, as a proxy may compress regardless.
 * - Size: reads at most MAX_RESPONSE_BYTES of a body.
 * - Proxies: HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as ./proxy.ts describes.
 */

import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { Failure } from "../../cli/failure.ts";
import { bareHost, defaultPort, proxyAuthorization, proxyFor, tunnel } from "./proxy.ts";

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

/** The decoder for a body sent compressed although identity was asked for, if it is. */
function decoderFor(encoding: string | undefined) {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

export const nodeFetch: typeof fetch = (input, init) => {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : input instanceof URL ? input.href : input);
  const headers = new Headers(init?.headers ?? request?.headers);
  const method = init?.method ?? request?.method ?? "GET";
  const body = bodyOf(init?.body, headers);
  if (body !== undefined) headers.set("content-length", String(body.length));
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  const signal = init?.signal ?? request?.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    // A bad proxy variable throws here, which rejects the promise.
    const proxy = proxyFor(url);
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const decoder = decoderFor(res.headers["content-encoding"]);
      const stream: Readable = decoder ? res.pipe(decoder) : res;
      const stop = () => {
        res.destroy();
        decoder?.destroy();
        reject(tooLarge(url));
      };
      if (Number(res.headers["content-length"] ?? 0) > MAX_RESPONSE_BYTES) return stop();
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) stop();
        else chunks.push(chunk);
      });
      res.on("error", reject);
      decoder?.on("error", reject);
      stream.on("end", () => {
        const status = res.statusCode ?? 502;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          // A decoded body no longer has the encoding or the length the server sent.
          if (decoder && (name === "content-encoding" || name === "content-length")) continue;
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
    };
    const options = { method, headers: Object.fromEntries(headers), signal };
    const send = (req: ClientRequest) => {
      req.on("error", (err: Error) => reject(signal?.aborted ? (signal.reason as Error) : err));
      req.end(body);
    };
    if (proxy === undefined) {
      send((url.protocol === "https:" ? httpsRequest : httpRequest)(url, options, onResponse));
    } else if (url.protocol === "https:") {
      // The tunnel first, then TLS to Google inside it: the proxy sees the host and port only.
      tunnel(proxy, url, signal).then((socket) => {
        const createConnection = () => tlsConnect({ socket, servername: bareHost(url) });
        send(httpsRequest(url, { ...options, createConnection }, onResponse));
      }, reject);
    } else {
      // A plain http request goes to the proxy with the whole URL as its target.
      const headers = { ...options.headers, host: url.host, ...proxyAuthorization(proxy) };
      const target = {
        ...options,
        host: bareHost(proxy),
        port: defaultPort(proxy),
        path: url.href,
      };
      send(httpRequest({ ...target, headers }, onResponse));
    }
  });
};
