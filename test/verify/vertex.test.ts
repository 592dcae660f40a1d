/**
 * --target vertex: every identity proves it can call the stack's Vertex models (countTokens at the
 * stack's location, an API key in express mode), --probe-generate adds one generateContent, and
 * --target both reports each API on its own. The core runs in-process against the fake Google's
 * Vertex, through the real google-auth-library.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROBE_TEXT } from "../../src/google/apis/gemini.ts";
import { aiplatformBase, endpointsFromEnv } from "../../src/google/transport/endpoints.ts";
import { DEFAULT_VERTEX_MODEL } from "../../src/verify/vertex.ts";
import { browserFor } from "../helpers/browser.ts";
import { authorizedUserFile, externalAccountFile } from "../helpers/google/credentials.ts";
import { cleanEnv } from "../helpers/verify-cli.ts";
import { verifyCommand, verifyInProcess } from "../helpers/verify-run.ts";
import {
  CALLER,
  expectNoSecrets,
  PROJECT,
  RUNTIME,
  startWorld,
  type World,
} from "../helpers/verify-world.ts";

let world: World;
let expressKey: string;
/** The stack's outputs with a Vertex side: target vertex, two models at global, an express-mode key. */
let outputs: string;
const USER = "dev@example.com";
const VERTEX_KEY_SECRET = `projects/${PROJECT}/secrets/gak-vertex-key-dev`;
const MODEL_PATH = (model: string, location = "global") =>
  `/v1/projects/${PROJECT}/locations/${location}/publishers/google/models/${model}:countTokens`;

/** Writes outputs with `change` applied to the Vertex stack's, and returns the file. */
function outputsWith(name: string, change: (o: Record<string, unknown>) => void): string {
  const base = JSON.parse(readFileSync(world.files.outputs, "utf8")) as Record<string, unknown>;
  const o = {
    ...base,
    target: "vertex",
    vertex: {
      location: "global",
      models: ["gemini-3.8-flash", "publishers/google/models/gemini-2.5-flash"],
      apiKey: {
        secret: VERTEX_KEY_SECRET,
        keyName: `projects/${PROJECT}/locations/global/keys/gak-vertex-dev`,
        boundTo: RUNTIME,
      },
    },
  };
  change(o);
  const file = join(world.dir, name);
  writeFileSync(file, JSON.stringify(o));
  return file;
}

beforeAll(async () => {
  world = await startWorld();
  for (const principal of [RUNTIME, CALLER, USER]) world.google.allowVertex(principal, PROJECT);
  expressKey = world.google.addApiKey();
  world.google.state.vertex.expressKeys.add(expressKey);
  world.google.addSecret(VERTEX_KEY_SECRET, expressKey, [CALLER]);
  outputs = outputsWith("vertex-outputs.json", () => undefined);
});
afterAll(() => world.google.close());
beforeEach(() => {
  world.google.state.requests.length = 0;
  world.google.state.faults.clear();
});

/** The ADC of the person or CI job running verify: the deployer's key. */
const asCaller = () => ({ GOOGLE_APPLICATION_CREDENTIALS: world.files.callerKey });

/** The countTokens calls Vertex received, each checked for the request body Google documents. */
function vertexCalls() {
  const calls = world.google.requestsTo("vertex.countTokens");
  for (const call of calls)
    expect(JSON.parse(call.body)).toEqual({
      contents: [{ role: "user", parts: [{ text: PROBE_TEXT }] }],
    });
  return calls;
}

describe("the host of each location", () => {
  const google = endpointsFromEnv({});
  test.each([
    ["global", "https://aiplatform.googleapis.com"],
    ["us-central1", "https://us-central1-aiplatform.googleapis.com"],
    ["europe-west4", "https://europe-west4-aiplatform.googleapis.com"],
    ["us", "https://aiplatform.us.rep.googleapis.com"],
    ["eu", "https://aiplatform.eu.rep.googleapis.com"],
  ])("%s is called on %s", (location, host) => {
    expect(aiplatformBase(google, location)).toBe(host);
  });

  test("GEMINI_KIT_AIPLATFORM_ENDPOINT takes every location, which stays in the path", () => {
    const endpoints = endpointsFromEnv({
      GEMINI_KIT_AIPLATFORM_ENDPOINT: "https://vertex.psc.example/",
    });
    for (const location of ["global", "us-central1", "eu"])
      expect(aiplatformBase(endpoints, location)).toBe("https://vertex.psc.example");
  });

  test("a location that is not Google's form never becomes a host name", () => {
    for (const location of ["evil.example/x", "us-central1.attacker", "", "GLOBAL"])
      expect(() => aiplatformBase(google, location)).toThrow(/is not a Vertex location/);
  });
});

describe("every identity calls the stack's Vertex models with the credential it authenticated with", () => {
  test("a service-account key file, with --location and --model for a run without a stack", async () => {
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--target",
      "vertex",
      "--project",
      PROJECT,
      "--location",
      "us-central1",
      "--model",
      "gemini-2.5-flash",
    ]);
    expect(result).toMatchObject({
      ok: true,
      target: "vertex",
      targets: { vertex: { ok: true } },
      vertex: {
        location: "us-central1",
        project: PROJECT,
        express: false,
        models: [{ model: "gemini-2.5-flash", totalTokens: 2, totalBillableCharacters: 22 }],
      },
    });
    const [call] = vertexCalls();
    expect(call!.path).toBe(MODEL_PATH("gemini-2.5-flash", "us-central1"));
    expect(call!.headers.authorization).toMatch(/^Bearer /);
    expect(world.google.requestsTo("models")).toEqual([]);
  });

  test("the stack's key, read from its secret: the outputs' target, location and each model", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", outputs, "--auth", "service-account"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      target: "vertex",
      identity: { kind: "service-account", principal: RUNTIME },
      vertex: { models: [{ model: "gemini-3.8-flash" }, { model: "gemini-2.5-flash" }] },
    });
    expect(vertexCalls().map((c) => c.path)).toEqual([
      MODEL_PATH("gemini-3.8-flash"),
      MODEL_PATH("gemini-2.5-flash"),
    ]);
  });

  test("impersonation: the runtime account's token from IAM Credentials", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", outputs, "--auth", "impersonate"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      identity: { kind: "impersonate", principal: RUNTIME },
    });
    expect(world.google.requestsTo("iamcredentials")).toHaveLength(1);
    expect(vertexCalls()).toHaveLength(2);
  });

  test("ADC as a user (an authorized_user file), billing the quota project", async () => {
    const refresh = world.google.addRefreshToken(world.client.clientId, USER, [
      "https://www.googleapis.com/auth/cloud-platform",
      "https://www.googleapis.com/auth/generative-language.retriever",
    ]);
    const file = join(world.dir, "vertex-adc-user.json");
    writeFileSync(file, authorizedUserFile(world.client, refresh, PROJECT));
    const { result } = await verifyInProcess(
      world.google,
      ["--auth", "adc", "--target", "vertex"],
      { GOOGLE_APPLICATION_CREDENTIALS: file },
    );
    expect(result).toMatchObject({
      ok: true,
      identity: { kind: "adc" },
      vertex: { project: PROJECT },
    });
    const [call] = vertexCalls();
    expect(call!.path).toBe(MODEL_PATH(DEFAULT_VERTEX_MODEL));
    expect(call!.headers["x-goog-user-project"]).toBe(PROJECT);
  });

  test("ADC from a Workload Identity Federation file: STS, then the account it impersonates", async () => {
    const subject = join(world.dir, "vertex-oidc-token");
    writeFileSync(subject, "vertex.header.payload");
    const federated =
      "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/subject/repo:acme/infra";
    world.google.state.federated.set("vertex.header.payload", federated);
    world.google.state.impersonators.get(RUNTIME)!.add(federated);
    const file = join(world.dir, "vertex-wif.json");
    writeFileSync(file, externalAccountFile(`${world.google.url}/sts/v1/token`, subject, RUNTIME));
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", outputs, "--auth", "adc"],
      { GOOGLE_APPLICATION_CREDENTIALS: file },
    );
    expect(result).toMatchObject({ ok: true, identity: { kind: "adc", principal: RUNTIME } });
    expect(world.google.requestsTo("sts")).toHaveLength(1);
    expect(vertexCalls()).toHaveLength(2);
  });

  test("the Desktop OAuth client: a new sign-in, then the models as the signed-in user", async () => {
    const browser = browserFor(world.google.env.GEMINI_KIT_OAUTH2_AUTH_URL!);
    const args = [
      ...["--auth", "oauth", "--client-file", world.files.client, "--no-browser"],
      ...["--token-cache", join(world.dir, "vertex-oauth", "tokens.json")],
      ...["--project", PROJECT, "--target", "vertex"],
    ];
    const { result } = await verifyInProcess(world.google, args, {}, browser.onStderr);
    expect(await browser.visited).toBe(200);
    expect(result).toMatchObject({ ok: true, identity: { kind: "oauth", principal: "user" } });
    expect(vertexCalls()[0]!.headers.authorization).toMatch(/^Bearer /);
  });

  test("the stack's Vertex API key: express mode's project-less path, the key in x-goog-api-key alone", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", outputs, "--auth", "api-key"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      identity: {
        kind: "api-key",
        principal: `projects/${PROJECT}/locations/global/keys/gak-vertex-dev`,
      },
      vertex: { location: "global", express: true, models: [{}, {}] },
    });
    expect(result.vertex).not.toHaveProperty("project");
    const calls = vertexCalls();
    expect(calls.map((c) => c.path)).toEqual([
      "/v1/publishers/google/models/gemini-3.8-flash:countTokens",
      "/v1/publishers/google/models/gemini-2.5-flash:countTokens",
    ]);
    for (const call of calls) {
      expect(call.headers["x-goog-api-key"]).toBe(expressKey);
      expect(call.headers.authorization).toBeUndefined();
      expect(call.query.key).toBeUndefined();
    }
  });

  test("an API key at a regional location says express mode is global, and is checked there", async () => {
    const file = outputsWith("vertex-regional.json", (o) => {
      (o.vertex as Record<string, unknown>).location = "europe-west4";
    });
    const { result, progress } = await verifyInProcess(
      world.google,
      ["--outputs", file, "--auth", "api-key", "--model", "gemini-2.5-flash"],
      asCaller(),
    );
    expect(result).toMatchObject({ ok: true, vertex: { location: "global", express: true } });
    expect(progress.join("\n")).toContain(
      "express mode, which is global and project-less: europe-west4 is not what this identity is checked at",
    );
  });
});

describe("--probe-generate and --probe on Vertex", () => {
  test("--probe-generate adds one generateContent of one token on the first model, after countTokens on each", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", outputs, "--auth", "impersonate", "--probe-generate"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      vertex: { probe: { model: "gemini-3.8-flash", method: "generateContent", totalTokens: 3 } },
    });
    expect(vertexCalls()).toHaveLength(2);
    const generated = world.google.requestsTo("vertex.generateContent");
    expect(generated).toHaveLength(1);
    expect(generated[0]!.path).toBe(
      `/v1/projects/${PROJECT}/locations/global/publishers/google/models/gemini-3.8-flash:generateContent`,
    );
    expect(JSON.parse(generated[0]!.body)).toEqual({
      contents: [{ role: "user", parts: [{ text: PROBE_TEXT }] }],
      generationConfig: { maxOutputTokens: 1, candidateCount: 1 },
    });
  });

  test("--probe bills nothing on Vertex: countTokens on each model is the whole check", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", outputs, "--auth", "impersonate", "--probe"],
      asCaller(),
    );
    expect(result.ok).toBe(true);
    expect(result.vertex?.probe).toBeUndefined();
    expect(world.google.requestsTo("vertex.generateContent")).toEqual([]);
  });
});

describe("--target both", () => {
  test("runs the Gemini API's checks and Vertex's, and reports each", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", outputs, "--auth", "impersonate", "--target", "both", "--probe"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      target: "both",
      targets: { "gemini-api": { ok: true }, vertex: { ok: true } },
      probe: { model: "models/gemini-3.8-flash", method: "countTokens" },
      vertex: { models: [{ model: "gemini-3.8-flash" }, { model: "gemini-2.5-flash" }] },
    });
    expect(result.models).toHaveLength(57);
    expect(vertexCalls()).toHaveLength(2);
  });

  test("one API failing fails the run, and the other's verdict stands beside it", async () => {
    world.google.state.vertex.allowedModels = ["publishers/google/models/gemini-3.8-flash:predict"];
    try {
      const { result } = await verifyInProcess(
        world.google,
        ["--outputs", outputs, "--auth", "impersonate", "--target", "both"],
        asCaller(),
      );
      expect(result).toMatchObject({
        ok: false,
        exitCode: 1,
        targets: {
          "gemini-api": { ok: true },
          vertex: { ok: false, error: { reason: "MODEL_NOT_ALLOWED" } },
        },
        error: { reason: "MODEL_NOT_ALLOWED" },
        vertex: { models: [{ model: "gemini-3.8-flash" }] },
      });
      expect(result.models).toHaveLength(57);
    } finally {
      world.google.state.vertex.allowedModels = undefined;
    }
  });

  test("an API key: the Gemini API gets the stack's apiKey, Vertex its vertex.apiKey", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", outputs, "--auth", "api-key", "--target", "both"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      identity: {
        kind: "api-key",
        principal: `projects/${PROJECT}/locations/global/keys/gak-gemini-dev`,
      },
      vertex: {
        identity: { principal: `projects/${PROJECT}/locations/global/keys/gak-vertex-dev` },
      },
    });
    expect(world.google.requestsTo("models")[0]!.headers["x-goog-api-key"]).toBe(world.apiKey);
    expect(vertexCalls()[0]!.headers["x-goog-api-key"]).toBe(expressKey);
  });
});

describe("the command line", () => {
  async function verify(args: string[], env: Record<string, string> = {}) {
    const result = await verifyCommand(
      args,
      cleanEnv({ ...world.google.env, ...asCaller(), ...env }),
    );
    expectNoSecrets(world, result.stdout, result.stderr);
    expect(result.stdout + result.stderr).not.toContain(expressKey);
    return result;
  }

  test("--json carries the target and each target's verdict; without one in the outputs, gemini-api", async () => {
    const vertex = await verify(["--outputs", outputs, "--auth", "impersonate", "--json"]);
    expect(vertex.code).toBe(0);
    expect(JSON.parse(vertex.stdout)).toMatchObject({
      ok: true,
      target: "vertex",
      targets: { vertex: { ok: true } },
      vertex: { location: "global", project: PROJECT, express: false },
    });
    const gemini = await verify([
      "--outputs",
      world.files.outputs,
      "--auth",
      "impersonate",
      "--json",
    ]);
    expect(JSON.parse(gemini.stdout)).toMatchObject({
      ok: true,
      target: "gemini-api",
      targets: { "gemini-api": { ok: true } },
    });
    expect(JSON.parse(gemini.stdout)).not.toHaveProperty("vertex");
  });

  test("the text report lists each Vertex model, then the verdict with the target and where", async () => {
    const result = await verify(["--outputs", outputs, "--auth", "impersonate"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "VERTEX MODEL      LOCATION  TOKENS  BILLABLE CHARACTERS",
        "gemini-3.8-flash  global    2       22",
        "gemini-2.5-flash  global    2       22",
        "",
        `Verified: impersonate ${RUNTIME}`,
        `  credential  impersonated by ${CALLER} (GOOGLE_APPLICATION_CREDENTIALS (${world.files.callerKey}), a service-account key)`,
        `  project     ${PROJECT}`,
        "  target      vertex",
        `  vertex      2 models answered countTokens (global in ${PROJECT})`,
        "",
      ].join("\n"),
    );
  });

  test("with both, one line gives each API's verdict, then the failing one's message and fix; exit 1", async () => {
    world.google.state.vertex.allowedModels = [];
    try {
      const result = await verify([
        "--outputs",
        outputs,
        "--auth",
        "impersonate",
        "--target",
        "both",
      ]);
      expect(result.code).toBe(1);
      const tail = result.stdout.trimEnd().split("\n").slice(-4);
      expect(tail[0]).toBe(`  vertex      0 models answered countTokens (global in ${PROJECT})`);
      expect(tail[1]).toBe("  targets     gemini-api verified; vertex FAILED (MODEL_NOT_ALLOWED)");
      expect(tail[2]).toMatch(
        /^ {2}Count tokens with gemini-3.8-flash on Vertex: the organization policy/,
      );
      expect(tail[3]).toMatch(
        /^ {2}fix: Have an organization policy administrator add publishers\/google\/models\/gemini-3.8-flash:predict/,
      );
      expect(result.stdout).toMatch(/^FAILED \(MODEL_NOT_ALLOWED\): impersonate /m);
    } finally {
      world.google.state.vertex.allowedModels = undefined;
    }
  });

  test("GEMINI_KIT_AIPLATFORM_ENDPOINT is named on stderr when set", async () => {
    const result = await verify(["--outputs", outputs, "--auth", "impersonate"]);
    expect(result.stderr).toContain(
      `GEMINI_KIT_AIPLATFORM_ENDPOINT: calling ${world.google.url} instead of https://aiplatform.googleapis.com and its regional hosts.`,
    );
  });

  test("GEMINI_KIT_AIPLATFORM_ENDPOINT over plain http to another host stops the run before any credential is sent", async () => {
    const before = world.google.state.requests.length;
    const result = await verify(["--outputs", outputs, "--auth", "impersonate"], {
      GEMINI_KIT_AIPLATFORM_ENDPOINT: "http://vertex-proxy.example",
    });
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toContain(
      'GEMINI_KIT_AIPLATFORM_ENDPOINT="http://vertex-proxy.example" is not an https:// URL',
    );
    expect(world.google.state.requests.length).toBe(before);
  });

  test.each([
    [
      ["--location", "us-central1"],
      "--location says where and what Vertex calls, but this run's target is gemini-api.",
    ],
    [
      ["--model", "gemini-3.8-flash"],
      "--model says where and what Vertex calls, but this run's target is gemini-api.",
    ],
    [
      ["--target", "vertex", "--expect-model", "gemini-3.8-flash"],
      "--expect-model checks the Gemini API's model listing, which a run with target vertex does not read.",
    ],
    [
      ["--target", "vertex", "--location", "us-central1.evil.example"],
      '--location "us-central1.evil.example" is not a Vertex location.',
    ],
    [
      ["--target", "vertex", "--model", "publishers/anthropic/models/claude"],
      "is not one of Google's Vertex models.",
    ],
    [["--target", "cloud"], '--target "cloud" is not one of gemini-api, vertex, both.'],
    [
      ["share-tuned-model", "tunedModels/m1", "--grantee-type", "EVERYONE", "--target", "vertex"],
      "share-tuned-model shares a Gemini API tuned model; it has no Vertex side.",
    ],
  ])("%j is a usage error before any request", async (args, message) => {
    const before = world.google.state.requests.length;
    const result = await verify(["--key-file", world.files.runtimeKey, ...args]);
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toContain(message);
    expect(world.google.state.requests.length).toBe(before);
  });

  test("outputs whose vertex is not the kit's shape are refused, never built into an address", async () => {
    const file = outputsWith("vertex-bad.json", (o) => {
      (o.vertex as Record<string, unknown>).location = "us-central1.evil.example";
    });
    const result = await verify(["--outputs", file, "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { reason: "BAD_INPUT" } });
  });
});
