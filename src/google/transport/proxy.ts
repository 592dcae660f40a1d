/**
 * The proxy variables, for the commands' fetch (./transport.ts): HTTPS_PROXY for https and
 * HTTP_PROXY for http (or their lower-case forms), and NO_PROXY (comma-separated hosts, each with an
 * optional port; `.example.com` and `example.com` both cover subdomains; `*` covers all; address
 * ranges are not read). An https request goes through a CONNECT tunnel, so the proxy sees only the
 * host and port; credentials in the proxy URL are sent as Basic proxy authorization and never
 * printed. Loopback hosts are never proxied, as Go's net/http treats localhost.
 *
 * The protocol is HTTP's own: a CONNECT request whose target is `host:port` (RFC 9110 section
 * 9.3.6), which a 2xx answer turns into a tunnel; credentials in Proxy-Authorization with the
 * Basic scheme (RFC 9110 section 11.7.1, RFC 7617); and a plain http request sent to the proxy
 * with the whole URL as its target (RFC 9112 section 3.2.2, absolute-form).
 */

import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { badInput, Failure } from "../../cli/failure.ts";

type Env = Readonly<Record<string, string | undefined>>;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1"]);

/** A URL's host as a socket wants it: IPv6 without its brackets, lower case. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

export function defaultPort(url: URL): string {
  return url.port || (url.protocol === "https:" ? "443" : "80");
}

/** Whether NO_PROXY (comma-separated hosts, each with an optional port) covers `url`. */
function bypassed(url: URL, noProxy: string): boolean {
  const host = bareHost(url);
  return noProxy
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== "")
    .some((entry) => {
      if (entry === "*") return true;
      const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
      if (withPort && withPort[2] !== defaultPort(url)) return false;
      const domain = (withPort ? withPort[1]! : entry)
        .replace(/^\[(.*)\]$/, "$1")
        .replace(/^\*?\./, "");
      return host === domain || host.endsWith(`.${domain}`);
    });
}

/**
 * The proxy a request to `url` goes through under `env`, or undefined to connect directly:
 * HTTPS_PROXY for https and HTTP_PROXY for http (upper case first, then lower), unless NO_PROXY
 * covers the host or the host is a loopback one.
 */
export function proxyFor(url: URL, env: Env = process.env): URL | undefined {
  const host = bareHost(url);
  if (LOOPBACK.has(host) || host.endsWith(".localhost")) return undefined;
  const name = url.protocol === "https:" ? "HTTPS_PROXY" : "HTTP_PROXY";
  const value = env[name] || env[name.toLowerCase()];
  if (!value) return undefined;
  if (bypassed(url, env["NO_PROXY"] || env["no_proxy"] || "")) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(value.includes("://") ? value : `http://${value}`);
  } catch {
    // The value is not shown: a proxy URL may hold a password.
    throw badInput(
      `${name} is set but is not a proxy URL.`,
      `Set it to http://HOST:PORT (with USER:PASSWORD@ before the host if the proxy wants them), or unset it.`,
    );
  }
  if (proxy.protocol !== "http:") {
    throw badInput(
      `${name} names a ${proxy.protocol.replace(":", "")} proxy; this kit speaks to proxies over http only (an https request is still encrypted end to end through the proxy's tunnel).`,
      `Set it to http://HOST:PORT, or unset it.`,
    );
  }
  return proxy;
}

/**
 * The proxy variables checked before any request, so a value that cannot be used is one usage line
 * (exit 2) naming the variable, not a network failure deep inside a token request.
 */
export function checkProxyVariables(env: Env): void {
  proxyFor(new URL("https://www.googleapis.com/"), env);
  proxyFor(new URL("http://www.googleapis.com/"), env);
}

/** The Proxy-Authorization header for credentials in the proxy URL, if it has any. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === "" && proxy.password === "") return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { "proxy-authorization": `Basic ${Buffer.from(credentials).toString("base64")}` };
}

function proxyRefused(proxy: URL, status: number | undefined, authority: string): Failure {
  return new Failure(
    "NETWORK",
    `The proxy ${proxy.origin} (HTTPS_PROXY) answered ${status ?? "nothing"} to a tunnel to ${authority}.`,
    status === 407
      ? "The proxy wants credentials: put them in the proxy URL (http://USER:PASSWORD@HOST:PORT), or add the host to NO_PROXY."
      : "Check HTTPS_PROXY and that the proxy allows CONNECT to port 443 of Google's API, or add the host to NO_PROXY.",
  );
}

/** A socket to `target` through the proxy's CONNECT tunnel. */
export function tunnel(proxy: URL, target: URL, signal: AbortSignal | undefined): Promise<Socket> {
  // The hostname keeps an IPv6 address's brackets, as CONNECT's host:port target needs them.
  const authority = `${target.hostname}:${defaultPort(target)}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: bareHost(proxy),
      port: defaultPort(proxy),
      method: "CONNECT",
      path: authority,
      headers: { host: authority, ...proxyAuthorization(proxy) },
      signal,
    });
    req.on("connect", (res: IncomingMessage, socket: Socket) => {
      // RFC 9110 9.3.6: any 2xx answer to CONNECT means the tunnel is open.
      if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300)
        return resolve(socket);
      socket.destroy();
      reject(proxyRefused(proxy, res.statusCode, authority));
    });
    req.on("error", reject);
    req.end();
  });
}
