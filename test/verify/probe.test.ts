/**
 * --probe: after listing, each identity calls countTokens on one model with the same credential, so
 * a pass proves it can call a model; --probe-generate generates one token instead, which the
 * model's quota governs. The core runs in-process against the fake Google, through the
 * real google-auth-library; the fake checks each credential the way the Gemini API does.
 */

import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { defaultProbeModel, PROBE_TEXT, type Model } from "../../src/google/apis/gemini.ts";
import { formatText } from "../../src/verify/report.ts";
import { browserFor } from "../helpers/browser.ts";
import { authorizedUserFile } from "../helpers/google/credentials.ts";
import { quotaZero } from "../fixtures/gemini-errors.ts";
import { verifyInProcess } from "../helpers/verify-run.ts";
import { PROJECT, RUNTIME, startWorld, type World } from "../helpers/verify-world.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.google.close());
beforeEach(() => {
  world.google.state.requests.length = 0;
  world.google.state.faults.clear();
});

/** The ADC of the person or CI job running verify: the deployer's key. */
const asCaller = () => ({ GOOGLE_APPLICATION_CREDENTIALS: world.files.callerKey });

function probeCall() {
  const calls = world.google.requestsTo("countTokens");
  expect(calls).toHaveLength(1);
  const [call] = calls;
  expect(JSON.parse(call!.body)).toEqual({ contents: [{ parts: [{ text: PROBE_TEXT }] }] });
  return call!;
}

describe("every identity calls the model with the credential it listed with", () => {
  test("a service-account key file: Bearer token, newest Flash model by default", async () => {
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--probe",
    ]);
    expect(result).toMatchObject({
      ok: true,
      probe: { model: "models/gemini-3.8-flash", totalTokens: 2 },
    });
    const call = probeCall();
    expect(call.path).toBe("/v1beta/models/gemini-3.8-flash:countTokens");
    expect(call.headers.authorization).toMatch(/^Bearer /);
    expect(call.headers.authorization).toBe(
      world.google.requestsTo("models")[0]!.headers.authorization,
    );
  });

  test("the stack's key, read from its secret with the caller's ADC", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", world.files.outputs, "--auth", "service-account", "--probe"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      identity: { principal: RUNTIME },
      probe: { model: "models/gemini-3.8-flash" },
    });
    expect(probeCall().headers.authorization).toMatch(/^Bearer /);
  });

  test("impersonation: the runtime account's token from IAM Credentials", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", world.files.outputs, "--auth", "impersonate", "--probe"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      identity: { kind: "impersonate", principal: RUNTIME },
      probe: { totalTokens: 2 },
    });
    expect(world.google.requestsTo("iamcredentials")).toHaveLength(1);
    expect(probeCall().headers.authorization).toMatch(/^Bearer /);
  });

  test("ADC from an authorized_user file: user credentials bill the quota project on the probe too", async () => {
    const refresh = world.google.addRefreshToken(world.client.clientId, "dev@example.com", [
      "https://www.googleapis.com/auth/cloud-platform",
      "https://www.googleapis.com/auth/generative-language.retriever",
    ]);
    const file = join(world.dir, "probe-adc-user.json");
    writeFileSync(file, authorizedUserFile(world.client, refresh, PROJECT));
    const { result } = await verifyInProcess(world.google, ["--auth", "adc", "--probe"], {
      GOOGLE_APPLICATION_CREDENTIALS: file,
    });
    expect(result).toMatchObject({
      ok: true,
      identity: { kind: "adc" },
      probe: { model: "models/gemini-3.8-flash" },
    });
    expect(probeCall().headers["x-goog-user-project"]).toBe(PROJECT);
  });

  test("the stack's API key: sent in x-goog-api-key alone, never as a Bearer token or in the URL", async () => {
    const { result } = await verifyInProcess(
      world.google,
      ["--outputs", world.files.outputs, "--auth", "api-key", "--probe"],
      asCaller(),
    );
    expect(result).toMatchObject({
      ok: true,
      identity: { kind: "api-key" },
      probe: { model: "models/gemini-3.8-flash" },
    });
    const call = probeCall();
    expect(call.headers["x-goog-api-key"]).toBe(world.apiKey);
    expect(call.headers.authorization).toBeUndefined();
    expect(call.query.key).toBeUndefined();
  });

  test("the Desktop OAuth client: a new sign-in, then the probe as the signed-in user", async () => {
    const browser = browserFor(world.google.env.GEMINI_KIT_OAUTH2_AUTH_URL!);
    const cache = join(world.dir, "probe-oauth", "tokens.json");
    const args = [
      "--auth",
      "oauth",
      "--client-file",
      world.files.client,
      "--no-browser",
      "--token-cache",
      cache,
      "--project",
      PROJECT,
      "--probe",
    ];
    const { result } = await verifyInProcess(world.google, args, {}, browser.onStderr);
    expect(await browser.visited).toBe(200);
    expect(result).toMatchObject({
      ok: true,
      identity: { kind: "oauth", principal: "user" },
      probe: { model: "models/gemini-3.8-flash" },
    });
    const call = probeCall();
    expect(call.headers.authorization).toMatch(/^Bearer /);
    expect(call.headers["x-goog-user-project"]).toBe(PROJECT);
  });
});

describe("which model is called", () => {
  test("the first --expect-model, named with or without models/", async () => {
    const bare = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--expect-model",
      "gemini-3.5-flash-lite",
      "--expect-model",
      "models/gemini-3.8-flash",
      "--probe",
    ]);
    expect(bare.result.probe?.model).toBe("models/gemini-3.5-flash-lite");
    world.google.state.requests.length = 0;
    const prefixed = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--expect-model",
      "models/gemini-3.5-flash-lite",
      "--probe",
    ]);
    expect(prefixed.result.probe?.model).toBe("models/gemini-3.5-flash-lite");
    expect(probeCall().path).toBe("/v1beta/models/gemini-3.5-flash-lite:countTokens");
  });

  test("an expected model that is not listed fails with MODEL_MISSING and is not called", async () => {
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--expect-model",
      "gemini-9-ultra",
      "--probe",
    ]);
    expect(result.error?.reason).toBe("MODEL_MISSING");
    expect(world.google.requestsTo("countTokens")).toHaveLength(0);
  });

  test("without --probe nothing is called beyond the listing", async () => {
    const { result } = await verifyInProcess(world.google, ["--key-file", world.files.runtimeKey]);
    expect(result.ok).toBe(true);
    expect(result.probe).toBeUndefined();
    expect(world.google.requestsTo("countTokens")).toHaveLength(0);
  });

  const model = (name: string, methods?: string[]): Model => ({
    name,
    supportedGenerationMethods: methods,
  });
  test("by default, the highest-numbered gemini-N-flash, comparing versions part by part (3.10 after 3.8)", () => {
    expect(
      defaultProbeModel([
        model("models/gemini-3.8-flash"),
        model("models/gemini-3.10-flash"),
        model("models/gemini-3.9-flash-lite"),
      ]),
    ).toBe("models/gemini-3.10-flash");
    expect(
      defaultProbeModel([
        model("models/gemini-2.5-flash"),
        model("models/gemini-3-flash"),
        model("models/gemini-3.1-pro"),
      ]),
    ).toBe("models/gemini-3-flash");
  });

  test("with no Flash model, the first Gemini model by name that supports countTokens; with none, nothing", () => {
    expect(
      defaultProbeModel([
        model("models/gemini-3.1-pro", ["generateContent", "countTokens"]),
        model("models/gemini-3-pro-image"),
        model("models/gemini-embedding-001", ["embedContent"]),
      ]),
    ).toBe("models/gemini-3-pro-image");
    expect(
      defaultProbeModel([
        model("models/gemini-embedding-001", ["embedContent"]),
        model("models/imagen-4", ["predict"]),
      ]),
    ).toBeUndefined();
  });

  test("a listing with no model to call fails with NO_PROBE_MODEL, naming --expect-model", async () => {
    const saved = world.google.state.models;
    world.google.state.models = [
      { name: "models/gemini-embedding-001", supportedGenerationMethods: ["embedContent"] },
    ];
    try {
      const { result } = await verifyInProcess(world.google, [
        "--key-file",
        world.files.runtimeKey,
        "--probe",
      ]);
      expect(result.error).toMatchObject({
        reason: "NO_PROBE_MODEL",
        fix: expect.stringContaining("--expect-model"),
      });
    } finally {
      world.google.state.models = saved;
    }
  });
});

describe("a project with no quota for the model (countTokens is quota-exempt, generation is not)", () => {
  beforeEach(() => {
    world.google.state.generationQuotaZero = true;
  });
  afterEach(() => {
    world.google.state.generationQuotaZero = false;
  });

  test("--probe passes: countTokens is free and exempt from the quota, so it proves the call, not the quota", async () => {
    const { result, progress } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--probe",
    ]);
    expect(result).toMatchObject({ ok: true, probe: { method: "countTokens" } });
    expect(progress).toContain(
      "Calling models/gemini-3.8-flash (countTokens: free, and exempt from the model's quota)...",
    );
  });

  test("--probe-generate fails with QUOTA_ZERO and the billing fix, after one request for one output token", async () => {
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--probe-generate",
    ]);
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      error: { reason: "QUOTA_ZERO", fix: expect.stringContaining("Set up billing") },
    });
    const calls = world.google.requestsTo("generateContent");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe("/v1beta/models/gemini-3.8-flash:generateContent");
    expect(JSON.parse(calls[0]!.body)).toEqual({
      contents: [{ role: "user", parts: [{ text: PROBE_TEXT }] }],
      generationConfig: { maxOutputTokens: 1, candidateCount: 1 },
    });
    expect(world.google.requestsTo("countTokens")).toEqual([]);
  });
});

describe("--probe-generate where the quota allows", () => {
  test("one token generated: reported with the method and the tokens Google counted (prompt and output)", async () => {
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--probe-generate",
    ]);
    expect(result).toMatchObject({
      ok: true,
      probe: { model: "models/gemini-3.8-flash", method: "generateContent", totalTokens: 3 },
    });
    expect(formatText(result, { colour: false })).toContain(
      "probe       models/gemini-3.8-flash: generateContent answered (3 tokens)",
    );
  });

  test("an answer without a candidates list is MALFORMED_RESPONSE, never a pass", async () => {
    world.google.failNext("generateContent", {
      status: 200,
      body: { usageMetadata: { totalTokenCount: 3 } },
    });
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--probe-generate",
    ]);
    expect(result.error).toMatchObject({
      reason: "MALFORMED_RESPONSE",
      message: expect.stringContaining("candidates"),
    });
  });

  test("an embedding model named with --expect-model is refused as Google refuses it: not supported for generateContent", async () => {
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--expect-model",
      "gemini-embedding-001",
      "--probe-generate",
    ]);
    expect(result.ok).toBe(false);
    expect(result.error!.message).toContain("not supported for generateContent");
  });
});

describe("what a run shows", () => {
  test("the report's verdict names the model and what it counted", async () => {
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--probe",
    ]);
    expect(formatText(result, { colour: false })).toMatch(
      / {2}models {6}57\n {2}probe {7}models\/gemini-3\.8-flash: countTokens answered \(2 tokens\)\n$/,
    );
  });

  test("a failed probe keeps the listing and exits 1 with the diagnosis, without retrying a quota of 0", async () => {
    world.google.failNext("generateContent", quotaZero("gemini-3.8-flash"));
    const { result, sleeps } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--probe-generate",
    ]);
    expect(result).toMatchObject({ ok: false, exitCode: 1, error: { reason: "QUOTA_ZERO" } });
    expect(result.models).toHaveLength(57);
    expect(result.probe).toBeUndefined();
    expect(world.google.requestsTo("generateContent")).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  test("a countTokens answer without a number is MALFORMED_RESPONSE", async () => {
    world.google.failNext("countTokens", { status: 200, body: { totalTokens: "three" } });
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--probe",
    ]);
    expect(result.error).toMatchObject({
      reason: "MALFORMED_RESPONSE",
      message: expect.stringContaining("totalTokens"),
    });
  });
});

describe("tuned models, a legacy listing", () => {
  /** The scopes the key's signed JWT asked the token endpoint for. */
  const requestedScopes = (): string[] => {
    const assertion = new URLSearchParams(world.google.requestsTo("token")[0]!.body).get(
      "assertion",
    )!;
    return (
      JSON.parse(Buffer.from(assertion.split(".")[1]!, "base64url").toString()) as { scope: string }
    ).scope.split(" ");
  };

  test("an empty list of tuned models passes, asks for the read-only tuning scope, and says 0", async () => {
    world.google.state.tunedModels = [];
    const { result } = await verifyInProcess(world.google, [
      "--key-file",
      world.files.runtimeKey,
      "--tuned",
    ]);
    expect(result).toMatchObject({ ok: true, exitCode: 0, tunedModels: [] });
    expect(formatText(result, { colour: false })).toMatch(/\n {2}tuned {7}0\n$/);
    expect(requestedScopes()).toContain(
      "https://www.googleapis.com/auth/generative-language.tuning.readonly",
    );
  });

  test("without --tuned no tuning scope is asked for", async () => {
    await verifyInProcess(world.google, ["--key-file", world.files.runtimeKey]);
    expect(requestedScopes().filter((scope) => scope.includes("tuning"))).toEqual([]);
  });
});
