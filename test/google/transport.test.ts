/** The commands' fetch (src/google/transport/fetch.ts): its limits, and the proxy variables (src/google/transport/proxy.ts). */

import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { getCACertificates, setDefaultCACertificates, type TLSSocket } from "node:tls";
import { gzipSync } from "node:zlib";
import { Failure } from "../../src/cli/failure.ts";
import { proxyFor } from "../../src/google/transport/proxy.ts";
import { nodeFetch } from "../../src/google/transport/fetch.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const GEMINI = "https://generativelanguage.googleapis.com/v1beta/models";
const PROXY_VARIABLES = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
];

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const servers: Server[] = [];
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return listen(server);
}

const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  for (const server of servers.splice(0)) server.close();
});

async function failureOf(promise: Promise<unknown>): Promise<Failure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Failure);
  return err as Failure;
}

describe("the commands' fetch", () => {
  test("returns a redirect as it is and does not follow it", async () => {
    let requests = 0;
    const host = await serve((_req, res) => {
      requests++;
      res.writeHead(302, { location: "http://elsewhere.example/" }).end();
    });
    const res = await nodeFetch(`http://${host}/v1beta/models`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://elsewhere.example/");
    expect(requests).toBe(1);
  });

  test("asks for an uncompressed body, and decodes a gzip one a server sends anyway", async () => {
    const asked: (string | undefined)[] = [];
    const host = await serve((req, res) => {
      asked.push(req.headers["accept-encoding"]);
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ models: [{ name: "models/gemini-2.5-flash" }] })));
    });
    const res = await nodeFetch(`http://${host}/v1beta/models`);
    expect(asked).toEqual(["identity"]);
    expect(await res.json()).toEqual({ models: [{ name: "models/gemini-2.5-flash" }] });
    expect(res.headers.get("content-encoding")).toBeNull();
  });

  test("sends a form body with its content type and length", async () => {
    let seen: { type?: string; length?: string; body: string } | undefined;
    const host = await serve((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen = { type: req.headers["content-type"], length: req.headers["content-length"], body };
        res.end("{}");
      });
    });
    await nodeFetch(`http://${host}/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token" }),
    });
    expect(seen).toEqual({
      type: "application/x-www-form-urlencoded;charset=UTF-8",
      length: "24",
      body: "grant_type=refresh_token",
    });
  });

  test("refuses a body larger than 16 MiB by its declared length, before reading it", async () => {
    const host = await serve((_req, res) => {
      res.writeHead(200, { "content-length": String(17 * 1024 * 1024) });
      res.write("{");
    });
    const failure = await failureOf(nodeFetch(`http://${host}/v1beta/models`));
    expect(failure.reason).toBe("RESPONSE_TOO_LARGE");
  });
});

describe("the proxy variables", () => {
  const url = new URL(GEMINI);

  test("HTTPS_PROXY covers https and HTTP_PROXY http, upper case before lower", () => {
    const env = {
      HTTPS_PROXY: "http://proxy.corp:3128",
      https_proxy: "http://other:1",
      HTTP_PROXY: "proxy.corp:8080",
    };
    expect(proxyFor(url, env)?.href).toBe("http://proxy.corp:3128/");
    expect(proxyFor(new URL("http://example.com/"), env)?.href).toBe("http://proxy.corp:8080/");
    expect(proxyFor(url, { https_proxy: "http://lower:3128" })?.host).toBe("lower:3128");
    expect(proxyFor(url, {})).toBeUndefined();
  });

  test.each([
    ["googleapis.com", true],
    [".googleapis.com", true],
    ["*.googleapis.com", true],
    ["generativelanguage.googleapis.com:443", true],
    ["generativelanguage.googleapis.com:8443", false],
    ["apis.com", false],
    ["example.com, *", true],
    ["", false],
  ])("NO_PROXY=%j bypasses the proxy for the Gemini API: %s", (noProxy, bypassed) => {
    expect(
      proxyFor(url, { HTTPS_PROXY: "http://proxy:3128", NO_PROXY: noProxy }) === undefined,
    ).toBe(bypassed);
  });

  test("never proxies a loopback host", () => {
    const env = { HTTPS_PROXY: "http://proxy:3128", HTTP_PROXY: "http://proxy:3128" };
    for (const target of [
      "http://127.0.0.1:8080/",
      "http://localhost/",
      "https://[::1]/",
      "http://api.localhost/",
    ])
      expect(proxyFor(new URL(target), env)).toBeUndefined();
  });

  test("a value that is not an http proxy URL stops the command without printing it", () => {
    const bad = () => proxyFor(url, { HTTPS_PROXY: "http://user:s3cret@[bad" });
    expect(bad).toThrow(Failure);
    expect(bad).toThrow("HTTPS_PROXY is set but is not a proxy URL.");
    expect(() => bad()).not.toThrow(/s3cret/);
    expect(() => proxyFor(url, { HTTPS_PROXY: "https://proxy:3128" })).toThrow(/over http only/);
  });

  test("http through HTTP_PROXY sends the whole URL to the proxy, with its credentials", async () => {
    const seen: { url?: string; host?: string; auth?: string }[] = [];
    const proxy = await serve((req, res) => {
      seen.push({ url: req.url, host: req.headers.host, auth: req.headers["proxy-authorization"] });
      res.end(JSON.stringify({ models: [] }));
    });
    process.env["HTTP_PROXY"] = `http://ci%40corp:p%3Ass@${proxy}`;
    const res = await nodeFetch(
      "http://generativelanguage.googleapis.com/v1beta/models?pageSize=1",
    );
    expect(await res.json()).toEqual({ models: [] });
    expect(seen).toEqual([
      {
        url: "http://generativelanguage.googleapis.com/v1beta/models?pageSize=1",
        host: "generativelanguage.googleapis.com",
        auth: `Basic ${Buffer.from("ci@corp:p:ss").toString("base64")}`,
      },
    ]);
  });

  test("a proxy that refuses the tunnel fails as a network failure naming the proxy, not its credentials", async () => {
    const proxy = createServer();
    servers.push(proxy);
    proxy.on("connect", (_req: IncomingMessage, socket: Socket) => {
      socket.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
    });
    const address = await listen(proxy);
    process.env["HTTPS_PROXY"] = `http://ci:wrong-password@${address}`;
    const failure = await failureOf(nodeFetch(GEMINI));
    expect(failure.reason).toBe("NETWORK");
    expect(failure.message).toBe(
      `The proxy http://${address} (HTTPS_PROXY) answered 407 to a tunnel to generativelanguage.googleapis.com:443.`,
    );
    expect(failure.fix).toContain("http://USER:PASSWORD@HOST:PORT");
    expect(`${failure.message} ${failure.fix}`).not.toContain("wrong-password");
    // An IPv6 host keeps its brackets and gets its port, as a CONNECT target must.
    const v6 = await failureOf(nodeFetch("https://[2001:db8::1]/v1beta/models"));
    expect(v6.message).toContain("to a tunnel to [2001:db8::1]:443.");
  });
});

/** A throwaway certificate for the Gemini API's host, made by openssl, when this machine has it. */
function throwawayCertificate(): { key: string; cert: string } | undefined {
  const dir = tempDir("tls");
  const made = spawnSync(
    "openssl",
    [
      ...[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
      ],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      ...["-subj", "/CN=generativelanguage.googleapis.com"],
      ...["-addext", "subjectAltName=DNS:generativelanguage.googleapis.com"],
    ],
    { encoding: "utf8" },
  );
  if (made.error || made.status !== 0) return undefined;
  return {
    key: readFileSync(join(dir, "key.pem"), "utf8"),
    cert: readFileSync(join(dir, "cert.pem"), "utf8"),
  };
}

const tls = throwawayCertificate();
(tls ? describe : describe.skip)(
  `https through HTTPS_PROXY${tls ? "" : " (skipped: openssl could not make a certificate)"}`,
  () => {
    const defaults = getCACertificates("default");
    beforeAll(() => setDefaultCACertificates([...defaults, tls!.cert]));
    afterAll(() => setDefaultCACertificates(defaults));

    /** A TLS server with the throwaway certificate, and a CONNECT proxy that tunnels to it. */
    async function tunnelled() {
      const google = createHttpsServer({ key: tls!.key, cert: tls!.cert }, (req, res) => {
        const servername = (req.socket as TLSSocket).servername;
        res.end(JSON.stringify({ path: req.url, servername }));
      });
      servers.push(google);
      const googleAddress = await listen(google);
      const tunnels: { target?: string; auth?: string }[] = [];
      const proxy = createServer();
      servers.push(proxy);
      proxy.on("connect", (req: IncomingMessage, client: Socket) => {
        tunnels.push({ target: req.url, auth: req.headers["proxy-authorization"] });
        const [host, port] = googleAddress.split(":");
        const upstream = connect(Number(port), host, () => {
          client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
          upstream.pipe(client).pipe(upstream);
        });
        client.on("error", () => upstream.destroy());
        upstream.on("error", () => client.destroy());
      });
      process.env["HTTPS_PROXY"] = `http://ci:pw@${await listen(proxy)}`;
      return tunnels;
    }

    test("checks the host's certificate through the tunnel: one no trusted authority signed is refused", async () => {
      await tunnelled();
      setDefaultCACertificates(defaults);
      try {
        await expect(nodeFetch(GEMINI)).rejects.toThrow(/self-signed certificate/);
      } finally {
        setDefaultCACertificates([...defaults, tls!.cert]);
      }
    });

    test("opens a CONNECT tunnel to host:443 and speaks TLS to the host inside it: the proxy sees no path", async () => {
      const tunnels = await tunnelled();
      const res = await nodeFetch(`${GEMINI}?pageSize=1`);
      expect(await res.json()).toEqual({
        path: "/v1beta/models?pageSize=1",
        servername: "generativelanguage.googleapis.com",
      });
      expect(tunnels).toEqual([
        {
          target: "generativelanguage.googleapis.com:443",
          auth: `Basic ${Buffer.from("ci:pw").toString("base64")}`,
        },
      ]);
    });
  },
);
