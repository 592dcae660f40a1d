/**
 * Each of Vertex's refusals is named with its fix, from the body Google sends
 * (test/fixtures/vertex-errors.ts cites each): the fake answers with it when its state calls for it,
 * and the core runs in-process with a clock that records sleeps instead of waiting.
 */

import { predictDenied, sharedCapacityExhausted } from "../fixtures/vertex-errors.ts";
import { PROJECT_NUMBER, type Fault } from "../helpers/google/state.ts";
import { verifyInProcess } from "../helpers/verify-run.ts";
import { PROJECT, RUNTIME, startWorld, type World } from "../helpers/verify-world.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
  world.google.allowVertex(RUNTIME, PROJECT);
});
afterAll(() => world.google.close());
afterEach(() => {
  world.google.state.faults.clear();
  world.google.state.vertex.allowedModels = undefined;
  world.google.state.vertex.disabled = false;
});

/** The same fault, n times over: one more than --retries' default exhausts the run. */
const times = (n: number, fault: Fault): Fault[] => Array.from({ length: n }, () => fault);

/** The runtime account's key, calling Vertex in the stack's project. */
const vertex = (...args: string[]) =>
  verifyInProcess(world.google, [
    ...["--key-file", world.files.runtimeKey, "--target", "vertex", "--project", PROJECT],
    ...args,
  ]);

test("a model the organization policy leaves out is MODEL_NOT_ALLOWED, and the fix names the constraint and the value to add", async () => {
  world.google.state.vertex.allowedModels = ["publishers/google/models/gemini-2.5-flash:predict"];
  const { result } = await vertex("--model", "gemini-3.8-flash");
  expect(result.error).toMatchObject({
    reason: "MODEL_NOT_ALLOWED",
    message: expect.stringContaining(
      `constraints/vertexai.allowedModels does not allow gemini-3.8-flash in project ${PROJECT}`,
    ),
  });
  expect(result.error!.fix).toContain(
    "add publishers/google/models/gemini-3.8-flash:predict to the allowed values of vertexai.allowedModels",
  );
  expect(result.error!.fix).toContain(
    "https://cloud.google.com/vertex-ai/generative-ai/docs/control-model-access",
  );
});

test("a caller without aiplatform.endpoints.predict is PREDICT_DENIED, and the fix names the account and the role", async () => {
  const grants = world.google.state.grants.get(RUNTIME)!;
  world.google.state.grants.delete(RUNTIME);
  try {
    const { result } = await vertex();
    expect(result.error).toMatchObject({
      reason: "PREDICT_DENIED",
      message: expect.stringContaining(
        `${RUNTIME} lacks aiplatform.endpoints.predict in project ${PROJECT}`,
      ),
    });
    expect(result.error!.fix).toContain(
      `Grant ${RUNTIME} roles/aiplatform.user on project ${PROJECT}`,
    );
    expect(result.error!.fix).toContain(
      `--member=serviceAccount:${RUNTIME} --role=roles/aiplatform.user`,
    );
  } finally {
    world.google.state.grants.set(RUNTIME, grants);
  }
});

test("PREDICT_DENIED for an API key points at the account the key is bound to and express mode's role", async () => {
  const key = world.google.addApiKey();
  world.google.state.vertex.expressKeys.add(key);
  const refusal = predictDenied(PROJECT, "global", "gemini-3.8-flash");
  world.google.failNext("vertex.countTokens", refusal);
  const { result } = await verifyInProcess(
    world.google,
    ["--target", "vertex", "--auth", "api-key"],
    { GOOGLE_API_KEY: key },
  );
  expect(result.error).toMatchObject({
    reason: "PREDICT_DENIED",
    fix: expect.stringContaining("roles/aiplatform.expressUser"),
  });
});

test("a standard API key is API_KEYS_NOT_SUPPORTED: Vertex takes a key only in express mode", async () => {
  const { result } = await verifyInProcess(
    world.google,
    ["--target", "vertex", "--auth", "api-key"],
    { GEMINI_API_KEY: world.apiKey },
  );
  expect(result.error).toMatchObject({
    reason: "API_KEYS_NOT_SUPPORTED",
    message: expect.stringContaining("it is not an express-mode key"),
    fix: expect.stringContaining("roles/aiplatform.expressUser"),
  });
  expect(JSON.stringify(result)).not.toContain(world.apiKey);
});

test("a key restricted to the Gemini API is API_KEY_SERVICE_BLOCKED, with the fix for Vertex", async () => {
  const key = world.google.addApiKey();
  world.google.state.apiKeys.set(key, {
    keyId: "gemini-only",
    uid: "u-1",
    displayName: "Gemini only",
    keyString: key,
    createTime: new Date().toISOString(),
    updateTime: new Date().toISOString(),
    annotations: {},
    restrictions: { apiTargets: [{ service: "generativelanguage.googleapis.com" }] },
    refusalsLeft: 0,
  });
  const { result } = await verifyInProcess(
    world.google,
    ["--target", "vertex", "--auth", "api-key"],
    { GOOGLE_API_KEY: key },
  );
  expect(result.error).toMatchObject({
    reason: "API_KEY_SERVICE_BLOCKED",
    fix: expect.stringContaining("must allow aiplatform.googleapis.com"),
  });
});

describe("dynamic shared quota", () => {
  test("a 429 is retried with backoff and passes once capacity returns", async () => {
    world.google.failNext("vertex.countTokens", sharedCapacityExhausted, sharedCapacityExhausted);
    const { result, sleeps } = await vertex();
    expect(result.ok).toBe(true);
    expect(sleeps).toEqual([375, 750]);
  });

  test("still exhausted after every retry, it is SHARED_CAPACITY_EXHAUSTED, and a region is advised to use global", async () => {
    world.google.failNext("vertex.countTokens", ...times(5, sharedCapacityExhausted));
    const { result, sleeps } = await vertex(
      "--location",
      "us-central1",
      "--model",
      "gemini-2.5-flash",
    );
    expect(sleeps).toHaveLength(4);
    expect(result.error).toMatchObject({
      reason: "SHARED_CAPACITY_EXHAUSTED",
      message: expect.stringContaining("shared capacity for gemini-2.5-flash at us-central1"),
    });
    expect(result.error!.fix).toContain("Prefer location global");
    expect(result.error!.fix).toContain("Provisioned Throughput");
    expect(result.error!.fix).toContain(
      "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429",
    );
  });

  test("at global, the fix does not send the user to global", async () => {
    world.google.failNext("vertex.countTokens", ...times(5, sharedCapacityExhausted));
    const { result } = await vertex("--retries", "4");
    expect(result.error?.reason).toBe("SHARED_CAPACITY_EXHAUSTED");
    expect(result.error!.fix).not.toContain("Prefer location global");
  });

  test("a 429 that names a per-project quota is RATE_LIMITED, not shared capacity", async () => {
    // A partner model's per-base-model quota, as yym68686/uni-api#41 quotes it.
    const quota = {
      status: 429,
      body: {
        error: {
          code: 429,
          message:
            "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: anthropic-claude-3-5-sonnet. Please submit a quota increase request. https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai.",
          status: "RESOURCE_EXHAUSTED",
        },
      },
    };
    world.google.failNext("vertex.countTokens", ...times(5, quota));
    const { result } = await vertex();
    expect(result.error?.reason).toBe("RATE_LIMITED");
  });
});

describe("a model the location does not serve", () => {
  test("is LOCATION_NOT_SUPPORTED, and the fix names global", async () => {
    const { result } = await vertex("--location", "us-central1", "--model", "gemini-3.8-flash");
    expect(result.error).toMatchObject({
      reason: "LOCATION_NOT_SUPPORTED",
      message: expect.stringContaining("Vertex does not serve gemini-3.8-flash at us-central1"),
      fix: expect.stringContaining("global, which serves the current Gemini models"),
    });
  });

  test("at global, the fix names a region and says a misspelt or retired model is refused alike", async () => {
    const { result } = await vertex("--model", "gemini-1.0-pro");
    expect(result.error).toMatchObject({ reason: "LOCATION_NOT_SUPPORTED" });
    expect(result.error!.fix).toContain("a region the model's page lists");
    expect(result.error!.fix).toContain("misspelt or retired");
  });
});

test("the Vertex AI API off in the project is SERVICE_DISABLED, with the activation address from Google's Help link", async () => {
  world.google.state.vertex.disabled = true;
  const { result } = await vertex();
  expect(result.error).toMatchObject({
    reason: "SERVICE_DISABLED",
    message: `aiplatform.googleapis.com is not enabled in projects/${PROJECT_NUMBER}.`,
  });
  expect(result.error!.fix).toContain(
    `https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=${PROJECT_NUMBER}`,
  );
  expect(result.error!.fix).toContain("--wait 300");
});

test("a token without cloud-platform is ACCESS_TOKEN_SCOPE_INSUFFICIENT, naming the scope Vertex needs", async () => {
  const { result } = await vertex(
    "--scope",
    "https://www.googleapis.com/auth/generative-language.retriever",
  );
  expect(result.error).toMatchObject({
    reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
    message: expect.stringContaining("cloud-platform scope Vertex needs"),
  });
});
