/**
 * The verify command line as a user meets it: help and exit codes, usage errors (one line on stderr,
 * or JSON with --json), identity flags that disagree, bad input files, endpoint variables, and output
 * that stays clean whatever the server or the library says.
 */

import { generateKeyPairSync } from "node:crypto";
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT, type Failure } from "../../src/cli/failure.ts";
import { Redactor } from "../../src/cli/redact.ts";
import { endpointsFromEnv } from "../../src/google/transport/endpoints.ts";
import { crc32c } from "../../src/google/apis/crc32c.ts";
import { apiKeyString, accessToken } from "../helpers/google/credentials.ts";
import { cleanEnv, ROOT, runCli, type CliResult } from "../helpers/verify-cli.ts";
import { verifyCommand } from "../helpers/verify-run.ts";
import { expectNoSecrets, RUNTIME, startWorld, type World } from "../helpers/verify-world.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.google.close());

/**
 * The command against the fake Google, with the deployer's key as ADC, in this process (or as a
 * process of its own, `spawned`, for what only a process shows); no secret may leak.
 */
async function verify(
  args: string[],
  env: Record<string, string> = {},
  spawned = false,
): Promise<CliResult> {
  const full = cleanEnv({
    ...world.google.env,
    GOOGLE_APPLICATION_CREDENTIALS: world.files.callerKey,
    ...env,
  });
  const result = spawned ? await runCli(args, { env: full }) : await verifyCommand(args, full);
  expectNoSecrets(world, result.stdout, result.stderr);
  return result;
}

const keyFile = (name: string, change: (key: Record<string, string>) => void): string => {
  const key = JSON.parse(world.runtimeKey.file) as Record<string, string>;
  change(key);
  const path = join(world.dir, name);
  writeFileSync(path, JSON.stringify(key));
  return path;
};

describe("help and exit codes", () => {
  test("`npm run verify -- --help` prints the options and every exit code, and exits 0", () => {
    const out = execFileSync("npm", ["run", "-s", "verify", "--", "--help"], {
      cwd: ROOT,
      encoding: "utf8",
      env: cleanEnv(),
    });
    expect(out).toContain("Usage: npm run verify -- [options]");
    for (const code of Object.values(EXIT))
      expect(out).toMatch(new RegExp(`^ {2}${code} +\\S`, "m"));
  });
});

describe("usage errors", () => {
  test.each([
    [["--bogus"], "Unknown option '--bogus'. Run npm run verify -- --help for the options."],
    [
      ["--auth", "password"],
      '--auth "password" is not one of service-account, oauth, adc, impersonate, api-key.',
    ],
    [
      ["--stack", "dev", "--outputs", "o.json"],
      "--stack and --outputs both name the stack's facts; pass one.",
    ],
    [["--wait", "soon"], '--wait "soon" is not a number of seconds.'],
    [["--retries", "99"], '--retries "99" is not a whole number from 0 to 10.'],
    [["--stack", "x/../../y"], '--stack "x/../../y" is not a stack name'],
    [
      ["share-tuned-model", "tunedModels/m1", "--grantee-type", "EVERYONE", "--email", "a@b.co"],
      "--grantee-type EVERYONE takes no --email.",
    ],
    [["--key-file", "/nonexistent/key.json"], "/nonexistent/key.json does not exist."],
  ])("%j exits 2 with one line on stderr and nothing on stdout", async (args, message) => {
    const result = await verifyCommand(args, cleanEnv());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(message);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  test("with --json a usage error is one JSON document on stdout, and nothing else is printed", async () => {
    const result = await verifyCommand(["--auth", "password", "--json"], cleanEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      command: "verify",
      error: {
        reason: "USAGE",
        message:
          '--auth "password" is not one of service-account, oauth, adc, impersonate, api-key.',
        fix: "Run with --help for the options.",
      },
    });
  });
});

describe("one identity per run", () => {
  test.each([
    [
      ["--key-file", "k.json", "--impersonate", "a@p.iam.gserviceaccount.com"],
      "--key-file and --impersonate name two identities",
    ],
    [
      ["--key-file", "k.json", "--client-file", "c.json"],
      "--key-file and --client-file name two identities",
    ],
    [
      ["--auth", "adc", "--key-file", "k.json"],
      "--auth adc and --key-file (which is --auth service-account) name two identities",
    ],
    [
      ["--auth", "api-key", "--impersonate", "a@p.iam.gserviceaccount.com"],
      "--auth api-key and --impersonate (which is --auth impersonate) name two identities",
    ],
    [
      ["--account", "runtime"],
      "--account picks one of the stack's accounts, but no stack is named.",
    ],
    [
      ["--outputs", "o.json", "--auth", "api-key", "--account", "runtime"],
      "--account picks a service account of the stack, which --auth api-key does not act as.",
    ],
    [
      ["--key-file", "k.json", "--account", "runtime"],
      "--account picks one of the stack's accounts, but --key-file already names the identity.",
    ],
    [
      ["--logout", "--key-file", "k.json"],
      "--logout forgets a Desktop-client sign-in, which only --auth oauth makes.",
    ],
  ])("%j is refused before anything is read", async (args, message) => {
    const before = world.google.state.requests.length;
    const result = await verify(args);
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toContain(message);
    expect(world.google.state.requests.length).toBe(before);
  });

  test("an --account the stack does not have is an error, never a quiet fall-back to another identity", async () => {
    const before = world.google.requestsTo("models").length;
    const result = await verify(["--outputs", world.files.outputs, "--account", "batch", "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: {
        reason: "BAD_INPUT",
        message: `--account batch: ${world.files.outputs} has no such account (accounts: runtime).`,
      },
    });
    expect(world.google.requestsTo("models")).toHaveLength(before);
  });

  test("A20: outputs whose serviceAccounts is not a map are refused, never read as no accounts (which would verify the API key instead)", async () => {
    const file = join(world.dir, "bad-outputs.json");
    const outputs = JSON.parse(readFileSync(world.files.outputs, "utf8")) as Record<
      string,
      unknown
    >;
    writeFileSync(file, JSON.stringify({ ...outputs, serviceAccounts: [1, 2] }));
    const before = world.google.state.requests.length;
    const result = await verify(["--outputs", file, "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: {
        reason: "BAD_INPUT",
        message: `${file}: "serviceAccounts" is not an object, so it is not what the kit exports.`,
      },
    });
    expect(world.google.state.requests.length).toBe(before);
  });

  test("an --account that exists is the identity verified", async () => {
    const result = await verify([
      "--outputs",
      world.files.outputs,
      "--account",
      "runtime",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      identity: { kind: "service-account", principal: RUNTIME },
    });
  });
});

describe("malformed keys are diagnosed as keys", () => {
  const pkcs1 = generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  test.each([
    [
      "a PKCS#1 key",
      (k: Record<string, string>) => (k.private_key = pkcs1),
      "is a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY)",
    ],
    [
      "a truncated PEM",
      (k: Record<string, string>) => (k.private_key = k.private_key!.slice(0, 400)),
      "is cut short: its PEM has no END PRIVATE KEY line",
    ],
    [
      "a PEM with a line changed",
      (k: Record<string, string>) =>
        (k.private_key = k.private_key!.replace(
          /\n[A-Za-z0-9+/]{64}\n/,
          "\n" + "A".repeat(64) + "\n",
        )),
      "is damaged",
    ],
    [
      "an EC key",
      (k: Record<string, string>) => (k.private_key = ec),
      "is an EC key; service-account keys are RSA",
    ],
    [
      "a public key",
      (k: Record<string, string>) =>
        (k.private_key = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"),
      'is a PEM "PUBLIC KEY", not a private key',
    ],
  ])("%s: KEY_INVALID, exit 2, no token request", async (name, change, message) => {
    const before = world.google.requestsTo("token").length;
    const result = await verify([
      "--key-file",
      keyFile(`${name.replace(/\W/g, "-")}.json`, change),
      "--json",
    ]);
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout) as {
      error: { reason: string; message: string; fix: string };
    };
    expect(body.error.reason).toBe("KEY_INVALID");
    expect(body.error.message).toContain(message);
    expect(`${body.error.message} ${body.error.fix}`).not.toMatch(/network/i);
    expect(world.google.requestsTo("token")).toHaveLength(before);
  });
});

describe("endpoint variables", () => {
  test("must be https://, or plain http:// only to a loopback address", () => {
    expect(() => endpointsFromEnv({ GOOGLE_GEMINI_BASE_URL: "generativelanguage" })).toThrow(
      'GOOGLE_GEMINI_BASE_URL="generativelanguage" is not a URL.',
    );
    expect(() =>
      endpointsFromEnv({ GEMINI_KIT_OAUTH2_TOKEN_URL: "http://proxy.internal:8080/token" }),
    ).toThrow("is not an https:// URL; it would receive credentials unencrypted");
    expect(() =>
      endpointsFromEnv({ GEMINI_KIT_SECRETMANAGER_ENDPOINT: "ftp://example.com" }),
    ).toThrow("is not an https:// URL");
    expect(
      endpointsFromEnv({ GEMINI_KIT_OAUTH2_TOKEN_URL: "https://psc.example/token/" }).oauth2Token,
    ).toBe("https://psc.example/token");
    for (const host of ["127.0.0.1:8080", "localhost:9", "[::1]:443", "127.10.0.1"]) {
      expect(endpointsFromEnv({ GOOGLE_GEMINI_BASE_URL: `http://${host}` }).gemini).toBe(
        `http://${host}`,
      );
    }
  });

  test("A27: a query, a fragment or an API version in an endpoint is refused, naming what to set instead; a path prefix is kept", () => {
    expect(() =>
      endpointsFromEnv({ GOOGLE_GEMINI_BASE_URL: "https://proxy.example/v1beta?x=" }),
    ).toThrow(
      'GOOGLE_GEMINI_BASE_URL="https://proxy.example/v1beta?x=" has a query or fragment; the kit appends the API\'s path to it',
    );
    expect(() => endpointsFromEnv({ GOOGLE_GEMINI_BASE_URL: "https://proxy.example/#a" })).toThrow(
      "has a query or fragment",
    );
    let said = "";
    try {
      endpointsFromEnv({ GOOGLE_GEMINI_BASE_URL: "https://proxy.example/gemini/v1beta/" });
    } catch (err) {
      said = `${(err as Failure).message} ${(err as Failure).fix}`;
    }
    expect(said).toBe(
      'GOOGLE_GEMINI_BASE_URL="https://proxy.example/gemini/v1beta/" ends in an API version; the kit adds the version itself, so requests would name it twice. Set GOOGLE_GEMINI_BASE_URL to "https://proxy.example/gemini", or unset it.',
    );
    expect(
      endpointsFromEnv({ GOOGLE_GEMINI_BASE_URL: "https://proxy.example/gemini/" }).gemini,
    ).toBe("https://proxy.example/gemini");
  });

  test("a plain-http override to another host stops the run before any credential is sent", async () => {
    const result = await verify(["--key-file", world.files.runtimeKey], {
      GEMINI_KIT_OAUTH2_TOKEN_URL: "http://token-proxy.example/token",
    });
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toContain(
      'GEMINI_KIT_OAUTH2_TOKEN_URL="http://token-proxy.example/token" is not an https:// URL',
    );
  });

  test("A23: an endpoint with a user name or password in it is refused before any request, and the password is printed nowhere", async () => {
    for (const value of ["https://user:s3cretPW@example.com", "http://user:s3cretPW@127.0.0.1:1"]) {
      const result = await verify(["--key-file", world.files.runtimeKey], {
        GOOGLE_GEMINI_BASE_URL: value,
      });
      expect([result.code, result.stdout]).toEqual([2, ""]);
      expect(result.stderr).toContain("GOOGLE_GEMINI_BASE_URL holds a user name or password");
      expect(result.stderr).not.toContain("s3cretPW");
    }
  });

  test("A24: a proxy variable that is not a URL is one line naming it, exit 2, before any request", async () => {
    for (const value of ["garbage value", "http://[::1"]) {
      const requests = world.google.state.requests.length;
      const result = await verify(["--key-file", world.files.runtimeKey], { HTTPS_PROXY: value });
      expect([result.code, result.stdout]).toEqual([2, ""]);
      expect(result.stderr).toBe(
        "HTTPS_PROXY is set but is not a proxy URL. Set it to http://HOST:PORT (with USER:PASSWORD@ before the host if the proxy wants them), or unset it.\n",
      );
      expect(world.google.state.requests.length).toBe(requests);
    }
  });

  test("A21: a --project that is not a project id (a newline in it, say) is a usage error, never a header", async () => {
    const result = await verify([
      "--key-file",
      world.files.runtimeKey,
      "--project",
      "acme-gemini-dev\nx",
    ]);
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toMatch(/^--project "acme-gemini-dev\\nx" is not a project id/);
  });

  test("every override in use is named on stderr", async () => {
    const result = await verify(["--key-file", world.files.runtimeKey]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `GEMINI_KIT_OAUTH2_TOKEN_URL: calling ${world.google.url}/token instead of https://oauth2.googleapis.com/token.`,
    );
    expect(result.stderr).toContain(
      `GOOGLE_GEMINI_BASE_URL: calling ${world.google.url} instead of https://generativelanguage.googleapis.com.`,
    );
  });
});

describe("library output cannot print credentials", () => {
  test("GOOGLE_SDK_NODE_LOGGING is switched off, so google-auth-library's debug log prints no token", async () => {
    for (const filter of ["*", "auth,gaxios"]) {
      const tokens = world.google.state.tokens.size;
      // The entry switches the log off as it starts, before the library loads.
      const result = await verify(
        ["--key-file", world.files.runtimeKey],
        { GOOGLE_SDK_NODE_LOGGING: filter },
        true,
      );
      expect(result.code).toBe(0);
      expect(world.google.state.tokens.size).toBe(tokens + 1);
      expect(result.stderr).toContain("GOOGLE_SDK_NODE_LOGGING is ignored");
      expect(result.stderr).not.toMatch(/DEBUG|access_token/);
    }
  });

  test("a malformed ADC file is reported without quoting it", async () => {
    const secret = "d-FL95Q19qXyZ-secret-value";
    const file = join(world.dir, "adc-broken.json");
    writeFileSync(
      file,
      `{"type": "authorized_user", "client_id": "1-x.apps.googleusercontent.com", "client_secret": ${secret}}`,
    );
    const result = await verify(["--auth", "adc"], { GOOGLE_APPLICATION_CREDENTIALS: file });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `The Application Default Credentials file ${file} is not valid JSON.`,
    );
    expect(result.stdout + result.stderr).not.toContain("d-FL95Q19q");
  });

  test("a secret in a well-formed ADC file never appears, even in the library's own error text", async () => {
    const secret = "refresh-secret-value-9d8f7e";
    const file = join(world.dir, "adc-unknown-type.json");
    writeFileSync(
      file,
      JSON.stringify({
        type: `unknown ${secret}`,
        refresh_token: secret,
        client_secret: `${secret}-2`,
      }),
    );
    const result = await verify(["--auth", "adc"], { GOOGLE_APPLICATION_CREDENTIALS: file });
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  test("Node's warnings (a MetadataLookupWarning) never reach the output, but --debug shows them", async () => {
    const metadata: Server = createServer((_req, res) =>
      res.writeHead(403, { "metadata-flavor": "Google" }).end("forbidden"),
    );
    await new Promise<void>((resolve) => metadata.listen(0, "127.0.0.1", resolve));
    const host = `127.0.0.1:${(metadata.address() as AddressInfo).port}`;
    try {
      const env = { ...cleanEnv(world.google.env), GCE_METADATA_HOST: host };
      delete (env as Record<string, string | undefined>).METADATA_SERVER_DETECTION;
      const quiet = await runCli(["--auth", "adc"], { env });
      expect(quiet.code).toBe(1);
      expect(quiet.stdout).toContain("FAILED (NO_CREDENTIALS)");
      // Gemini called with the user's own token needs its scope: the stack's Desktop client (N14).
      expect(quiet.stdout).toContain("--client-id-file=client_secret.json");
      expect(quiet.stdout + quiet.stderr).not.toContain("MetadataLookupWarning");
      const loud = await runCli(["--auth", "adc", "--debug"], { env });
      expect(loud.stderr).toContain("MetadataLookupWarning");
    } finally {
      metadata.close();
    }
  });
});

describe("output", () => {
  test("zero models is a failed check, never Verified", async () => {
    world.google.failNext("models", { status: 200, body: {} });
    const result = await verify(["--key-file", world.files.runtimeKey]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED \(NO_MODELS\): service-account/);
    expect(result.stdout).not.toContain("Verified");
  });

  test("the verdict is printed last, after the model list", async () => {
    const result = await verify(["--key-file", world.files.runtimeKey]);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^MODEL +DISPLAY NAME/);
    expect(lines.slice(-4)[0]).toMatch(/^Verified: service-account /);
    expect(lines.at(-1)).toBe("  models      57");
  });

  test("escape sequences and control characters from the server never reach the terminal", async () => {
    const hostile = "\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\r\u009b31m\u202etxt";
    const saved = world.google.state.models;
    world.google.state.models = [{ name: `models/x${hostile}`, displayName: hostile }, ...saved];
    try {
      const listed = await verify(["--key-file", world.files.runtimeKey]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^models\/xred31mtxt +red31mtxt$/m);
      world.google.failNext("models", {
        status: 403,
        body: { error: { code: 403, status: "PERMISSION_DENIED", message: `denied ${hostile}` } },
      });
      const failed = await verify(["--key-file", world.files.runtimeKey]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain("denied red31mtxt");
      for (const out of [listed.stdout, listed.stderr, failed.stdout, failed.stderr]) {
        expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      }
    } finally {
      world.google.state.models = saved;
    }
  });

  test("A13, A14: a newline in what a server sends never starts a line of its own, and a name 100,000 characters long is cut, not padded into every row", async () => {
    const saved = world.google.state.models;
    world.google.state.models = [
      { name: "models/forged", displayName: "\r\nVerified: everything ok" },
      { name: "models/long", displayName: "x".repeat(100_000) },
      ...saved,
    ];
    try {
      const listed = await verify(["--key-file", world.files.runtimeKey]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).not.toMatch(/^Verified: everything ok/m);
      expect(listed.stdout).toMatch(/^models\/forged +Verified: everything ok$/m);
      expect(Math.max(...listed.stdout.split("\n").map((l) => l.length))).toBeLessThan(400);
      world.google.failNext("models", {
        status: 403,
        body: {
          error: { code: 403, status: "PERMISSION_DENIED", message: "denied\nVerified: forged" },
        },
      });
      const failed = await verify(["--key-file", world.files.runtimeKey]);
      expect(failed.stdout + failed.stderr).not.toMatch(/^Verified: forged/m);
    } finally {
      world.google.state.models = saved;
    }
  });

  test("a response larger than the cap is one line, not gigabytes of memory", async () => {
    world.google.failNext("models", {
      status: 200,
      raw: `{"models": [${'"x",'.repeat(5_000_000)}"x"]}`,
    });
    const result = await verify(["--key-file", world.files.runtimeKey, "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: { reason: "RESPONSE_TOO_LARGE" },
    });
  });
});

test("the redactor removes remembered values and anything shaped like a Google credential", () => {
  const redactor = new Redactor();
  redactor.add("s3cret-value-xyz");
  const token = accessToken();
  const aq = `AQ.${"Ab3_-".repeat(10)}`;
  expect(redactor.redact(`a s3cret-value-xyz b ${token} c ${apiKeyString()} d ${aq}`)).toBe(
    "a [redacted] b [redacted] c [redacted] d [redacted]",
  );
});

test("CRC32C matches the Castagnoli check value, so corrupted secret payloads are caught", () => {
  expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
});
