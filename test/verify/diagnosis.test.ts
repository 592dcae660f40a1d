/**
 * Every failure is named with its fix, from Google's own error shapes, and retries behave: the core
 * runs in-process with a clock that records sleeps instead of waiting.
 */

import { writeFileSync } from "node:fs";
import { Redactor } from "../../src/cli/redact.ts";
import {
  apiKeyExpired,
  apiKeyServiceBlocked,
  consumerSuspended,
  locationUnsupported,
  quotaExhausted,
  quotaZero,
  quotaZeroInErrorInfo,
  standardKeyRejected,
  throwawayAuthKey,
  throwawayStandardKey,
} from "../fixtures/gemini-errors.ts";
import { serviceAccountKey } from "../helpers/google/credentials.ts";
import { googleError } from "../helpers/google/respond.ts";
import { generateModels } from "../helpers/google/state.ts";
import { verifyInProcess } from "../helpers/verify-run.ts";
import { startWorld, type World } from "../helpers/verify-world.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.google.close());
afterEach(() => {
  world.google.state.faults.clear();
  world.google.state.disabled = false;
  world.google.state.repeatPageToken = false;
});

const keyArgs = () => ["--key-file", world.files.runtimeKey];
const disabled = {
  status: 403,
  body: googleError(
    403,
    "PERMISSION_DENIED",
    "Generative Language API has not been used in project 123 before or it is disabled.",
    {
      reason: "SERVICE_DISABLED",
      metadata: {
        service: "generativelanguage.googleapis.com",
        consumer: "projects/123",
        activationUrl:
          "https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=123",
      },
    },
  ),
};

test("SERVICE_DISABLED names the activation URL and suggests --wait", async () => {
  world.google.state.disabled = true;
  const { result } = await verifyInProcess(world.google, keyArgs());
  expect(result.exitCode).toBe(1);
  expect(result.error).toMatchObject({
    reason: "SERVICE_DISABLED",
    fix: expect.stringContaining("--wait 300"),
  });
  expect(result.error!.fix).toContain(
    "https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=123456789012",
  );
});

test("--wait rides out a freshly enabled API with growing backoff, then verifies", async () => {
  world.google.failNext("models", disabled, disabled, disabled);
  const { result, sleeps, progress } = await verifyInProcess(world.google, [
    ...keyArgs(),
    "--wait",
    "120",
  ]);
  expect(result.ok).toBe(true);
  expect(sleeps).toEqual([375, 750, 1500]);
  expect(progress[0]).toContain("not enabled yet");
});

test("--wait gives up at its deadline with SERVICE_DISABLED", async () => {
  world.google.state.disabled = true;
  const { result, sleeps } = await verifyInProcess(world.google, [...keyArgs(), "--wait", "30"]);
  expect(result.error?.reason).toBe("SERVICE_DISABLED");
  expect(sleeps.reduce((a, b) => a + b, 0)).toBe(30_000);
});

test("a token without a Gemini scope is ACCESS_TOKEN_SCOPE_INSUFFICIENT", async () => {
  const { result } = await verifyInProcess(world.google, [
    ...keyArgs(),
    "--scope",
    "https://www.googleapis.com/auth/cloud-platform",
  ]);
  expect(result.error).toMatchObject({
    reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
    fix: expect.stringContaining("generative-language.retriever"),
  });
});

test("a rejected token is UNAUTHENTICATED", async () => {
  world.google.failNext("models", {
    status: 401,
    body: googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", {
      reason: "ACCESS_TOKEN_EXPIRED",
    }),
  });
  const { result } = await verifyInProcess(world.google, keyArgs());
  expect(result.error?.reason).toBe("UNAUTHENTICATED");
});

test("an API key sent as a Bearer token is explained as ACCESS_TOKEN_TYPE_UNSUPPORTED", async () => {
  world.google.failNext("models", {
    status: 401,
    body: googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", {
      reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED",
    }),
  });
  const { result } = await verifyInProcess(world.google, keyArgs());
  expect(result.error).toMatchObject({
    reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED",
    fix: expect.stringContaining("x-goog-api-key"),
  });
});

test("a wrong API key is API_KEY_INVALID", async () => {
  const { result } = await verifyInProcess(world.google, ["--auth", "api-key"], {
    GEMINI_API_KEY: "not-a-real-key-value",
  });
  expect(result.error?.reason).toBe("API_KEY_INVALID");
});

test("user credentials without a quota project are QUOTA_PROJECT_MISSING, not a disabled API", async () => {
  world.google.failNext("models", {
    ...disabled,
    body: googleError(403, "PERMISSION_DENIED", "disabled", {
      reason: "SERVICE_DISABLED",
      metadata: { consumer: "projects/764086051850" },
    }),
  });
  const { result } = await verifyInProcess(world.google, keyArgs());
  expect(result.error).toMatchObject({
    reason: "QUOTA_PROJECT_MISSING",
    fix: expect.stringContaining("--project"),
  });
});

test("a caller who may not read the key secret gets SECRET_PERMISSION_DENIED naming the readers key", async () => {
  const { result } = await verifyInProcess(
    world.google,
    ["--outputs", world.files.outputs, "--auth", "service-account"],
    { GOOGLE_APPLICATION_CREDENTIALS: world.files.runtimeKey },
  );
  expect(result.error).toMatchObject({
    reason: "SECRET_PERMISSION_DENIED",
    fix: expect.stringContaining("serviceAccounts.runtime.keyReaders"),
  });
});

test("a caller who may not impersonate gets IMPERSONATION_DENIED naming the impersonators key", async () => {
  const { result } = await verifyInProcess(
    world.google,
    ["--outputs", world.files.outputs, "--auth", "impersonate"],
    { GOOGLE_APPLICATION_CREDENTIALS: world.files.runtimeKey },
  );
  expect(result.error).toMatchObject({
    reason: "IMPERSONATION_DENIED",
    fix: expect.stringContaining("serviceAccounts.runtime.impersonators"),
  });
});

test("a revoked key is INVALID_GRANT from the token endpoint", async () => {
  const file = `${world.dir}/revoked.json`;
  writeFileSync(
    file,
    serviceAccountKey("gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com", "acme-gemini-dev")
      .file,
  );
  const { result } = await verifyInProcess(world.google, ["--key-file", file]);
  expect(result.error).toMatchObject({
    reason: "INVALID_GRANT",
    message: expect.stringContaining("Invalid JWT Signature"),
  });
});

test("a missing expected model fails with MODEL_MISSING but still reports the list", async () => {
  const { result } = await verifyInProcess(world.google, [
    ...keyArgs(),
    "--expect-model",
    "gemini-3.8-flash",
    "--expect-model",
    "gemini-9-ultra",
  ]);
  expect(result.error?.reason).toBe("MODEL_MISSING");
  expect(result.expectedModels).toEqual([
    { name: "models/gemini-3.8-flash", found: true },
    { name: "models/gemini-9-ultra", found: false },
  ]);
  expect(result.models).toHaveLength(57);
});

describe("resilience", () => {
  test("503s are retried with exponential backoff and jitter, then succeed", async () => {
    world.google.failNext("models", { status: 503 }, { status: 503 });
    const { result, sleeps } = await verifyInProcess(world.google, keyArgs());
    expect(result.ok).toBe(true);
    expect(sleeps).toEqual([375, 750]);
  });

  test("429 honours Retry-After when it is longer than the backoff", async () => {
    world.google.failNext("models", {
      status: 429,
      headers: { "retry-after": "7" },
      body: googleError(429, "RESOURCE_EXHAUSTED", "Quota exceeded."),
    });
    const { result, sleeps } = await verifyInProcess(world.google, keyArgs());
    expect(result.ok).toBe(true);
    expect(sleeps).toEqual([7000]);
  });

  test("retries are bounded: the last failure is reported after --retries", async () => {
    world.google.failNext("models", ...Array.from({ length: 5 }, () => ({ status: 500 })));
    const { result, sleeps } = await verifyInProcess(world.google, [
      ...keyArgs(),
      "--retries",
      "2",
    ]);
    expect(result.error?.reason).toBe("SERVER_ERROR");
    expect(sleeps).toHaveLength(2);
  });

  test("a dropped connection is retried as a network error", async () => {
    world.google.failNext("models", { status: 0, destroy: true });
    const { result, progress } = await verifyInProcess(world.google, keyArgs());
    expect(result.ok).toBe(true);
    expect(progress[0]).toContain("Could not reach");
  });

  test("A7: a Retry-After longer than a run waits fails at once, saying how long Google asked to wait", async () => {
    world.google.failNext("models", { status: 503, headers: { "retry-after": "99999" } });
    const { result, sleeps } = await verifyInProcess(world.google, keyArgs());
    expect(result.error).toMatchObject({
      reason: "SERVER_ERROR",
      message: expect.stringContaining(
        "Google asked to wait 99999 s before another try, longer than the 120 s a run waits.",
      ),
    });
    expect(sleeps).toEqual([]);
  });

  test("A8: a redirect from the models endpoint is something else answering, named by where it points, host only", async () => {
    world.google.failNext("models", {
      status: 302,
      headers: { location: "https://captive.example/login?token=abc" },
    });
    const { result } = await verifyInProcess(world.google, keyArgs());
    expect(result.error).toMatchObject({
      reason: "MALFORMED_RESPONSE",
      message: expect.stringContaining(
        "(HTTP 302) is a redirect to captive.example, which Google's APIs never send.",
      ),
      fix: expect.stringContaining("a proxy or captive portal may be answering instead"),
    });
    expect(result.error!.message).not.toContain("token=abc");
  });

  test("A9: a redirect from the token endpoint is not read as a refused credential", async () => {
    world.google.failNext("token", {
      status: 307,
      headers: { location: "https://captive.example/" },
    });
    const { result } = await verifyInProcess(world.google, keyArgs());
    expect(result.error).toMatchObject({
      reason: "MALFORMED_RESPONSE",
      message: expect.stringContaining("(HTTP 307) is a redirect to captive.example"),
    });
  });

  test("a token endpoint 503 is retried too", async () => {
    world.google.failNext("token", { status: 503 });
    const { result, sleeps } = await verifyInProcess(world.google, keyArgs());
    expect(result.ok).toBe(true);
    expect(sleeps).toHaveLength(1);
  });

  test("a request that outlives --timeout is TIMEOUT", async () => {
    world.google.failNext(
      "models",
      ...Array.from({ length: 2 }, () => ({ status: 200, delayMs: 1500 })),
    );
    const { result } = await verifyInProcess(world.google, [
      ...keyArgs(),
      "--timeout",
      "0.3",
      "--retries",
      "1",
    ]);
    expect(result.error).toMatchObject({ reason: "TIMEOUT" });
  });

  test("an HTML page where JSON belongs is MALFORMED_RESPONSE, not a crash", async () => {
    world.google.failNext("models", { status: 200, raw: "<html>proxy login</html>" });
    const { result } = await verifyInProcess(world.google, keyArgs());
    expect(result.error).toMatchObject({
      reason: "MALFORMED_RESPONSE",
      message: expect.stringContaining("is not JSON"),
    });
  });

  test("a model entry without a name is MALFORMED_RESPONSE", async () => {
    world.google.failNext("models", {
      status: 200,
      body: { models: [{ displayName: "nameless" }] },
    });
    const { result } = await verifyInProcess(world.google, keyArgs());
    expect(result.error?.reason).toBe("MALFORMED_RESPONSE");
  });

  test("a page token that repeats stops with REPEATED_PAGE_TOKEN", async () => {
    world.google.state.repeatPageToken = true;
    const { result } = await verifyInProcess(world.google, keyArgs());
    expect(result.error?.reason).toBe("REPEATED_PAGE_TOKEN");
  });

  test("every page is listed: 2,345 models at the default 50 per page take 47 requests", async () => {
    const saved = world.google.state.models;
    world.google.state.models = generateModels(2345);
    world.google.state.requests.length = 0;
    try {
      const { result } = await verifyInProcess(world.google, keyArgs());
      expect(result.models).toHaveLength(2345);
      expect(new Set(result.models!.map((m) => m.name)).size).toBe(2345);
      expect(world.google.requestsTo("models")).toHaveLength(47);
    } finally {
      world.google.state.models = saved;
    }
  });
});

describe("the Gemini API's errors of 2026, each from a fixture that cites where Google's body was seen", () => {
  const probe = () => [...keyArgs(), "--probe"];

  test("429 with a quota limit of 0 is QUOTA_ZERO: not retried, and the fix links billing and the tiers' limits", async () => {
    // Only generation counts against the quota (countTokens is exempt): the one-token probe.
    world.google.failNext("generateContent", quotaZero("gemini-3.8-flash"));
    const { result, sleeps } = await verifyInProcess(world.google, [
      ...keyArgs(),
      "--probe-generate",
    ]);
    expect(result.error).toMatchObject({
      reason: "QUOTA_ZERO",
      message: expect.stringContaining(
        "generate_content_free_tier_input_token_count for gemini-3.8-flash) is 0",
      ),
      fix: expect.stringContaining("https://ai.google.dev/gemini-api/docs/billing"),
    });
    expect(result.error!.fix).toContain("https://ai.google.dev/gemini-api/docs/rate-limits");
    expect(sleeps).toEqual([]);
  });

  test("the older 429 whose limit of 0 is in the ErrorInfo is QUOTA_ZERO too, with Google's help link", async () => {
    world.google.failNext("models", quotaZeroInErrorInfo("123456789012"));
    const { result } = await verifyInProcess(world.google, keyArgs());
    expect(result.error).toMatchObject({
      reason: "QUOTA_ZERO",
      fix: expect.stringContaining("https://cloud.google.com/docs/quotas/help/request_increase"),
    });
    expect(result.error!.message).toContain(
      "generativelanguage.googleapis.com/generate_content_requests",
    );
  });

  test("a 429 on a quota that exists is RATE_LIMITED, retried, and told apart from a quota of 0", async () => {
    const exhausted = quotaExhausted("gemini-3.8-flash");
    world.google.failNext("countTokens", exhausted, exhausted, exhausted);
    const { result, sleeps } = await verifyInProcess(world.google, [...probe(), "--retries", "2"]);
    expect(result.error).toMatchObject({
      reason: "RATE_LIMITED",
      message: expect.stringContaining("generate_content_paid_tier_requests for gemini-3.8-flash"),
    });
    expect(sleeps).toHaveLength(2);
  });

  test('400 FAILED_PRECONDITION "User location is not supported" is LOCATION_UNSUPPORTED, with the regions page', async () => {
    world.google.failNext("countTokens", locationUnsupported);
    const { result } = await verifyInProcess(world.google, probe());
    expect(result.error).toMatchObject({
      reason: "LOCATION_UNSUPPORTED",
      fix: expect.stringContaining("https://ai.google.dev/gemini-api/docs/available-regions"),
    });
  });

  test("a standard key refused for its type is STANDARD_KEY_REJECTED, with the way to an auth key", async () => {
    world.google.failNext("models", standardKeyRejected);
    const { result } = await verifyInProcess(world.google, ["--auth", "api-key"], {
      GEMINI_API_KEY: world.apiKey,
    });
    expect(result.error).toMatchObject({
      reason: "STANDARD_KEY_REJECTED",
      fix: expect.stringContaining("bound to a service account"),
    });
  });

  test("the same 401 for an OAuth caller is ACCESS_TOKEN_TYPE_UNSUPPORTED (a key sent as a Bearer token)", async () => {
    world.google.failNext("models", standardKeyRejected);
    const { result } = await verifyInProcess(world.google, keyArgs());
    expect(result.error?.reason).toBe("ACCESS_TOKEN_TYPE_UNSUPPORTED");
  });

  test("an expired key (400 API_KEY_INVALID) says how to get the current one", async () => {
    world.google.failNext("countTokens", apiKeyExpired);
    const { result } = await verifyInProcess(world.google, ["--auth", "api-key", "--probe"], {
      GEMINI_API_KEY: world.apiKey,
    });
    expect(result.error).toMatchObject({
      reason: "API_KEY_INVALID",
      fix: expect.stringContaining("npm run rotate"),
    });
  });

  test("a key restricted to other APIs (403 API_KEY_SERVICE_BLOCKED) names the Gemini API restriction", async () => {
    world.google.failNext("countTokens", apiKeyServiceBlocked("123456789012"));
    const { result } = await verifyInProcess(world.google, ["--auth", "api-key", "--probe"], {
      GEMINI_API_KEY: world.apiKey,
    });
    expect(result.error).toMatchObject({
      reason: "API_KEY_SERVICE_BLOCKED",
      fix: expect.stringContaining("generativelanguage.googleapis.com"),
    });
  });

  test("a suspended key is CONSUMER_SUSPENDED, and the key string Google repeats is never printed", async () => {
    for (const key of [throwawayAuthKey(), throwawayStandardKey()]) {
      world.google.failNext("models", consumerSuspended(key, "123456789012"));
      const { result } = await verifyInProcess(world.google, ["--auth", "api-key"], {
        GEMINI_API_KEY: world.apiKey,
      });
      expect(result.error).toMatchObject({
        reason: "CONSUMER_SUSPENDED",
        message: expect.stringContaining("projects/123456789012"),
        fix: expect.stringContaining("make a new one"),
      });
      expect(JSON.stringify(result)).not.toContain(key);
    }
  });
});

describe("the redactor", () => {
  test("blanks keys of both shapes, AI Studio's AQ. keys and AIza ones, wherever they appear in a line", () => {
    const auth = throwawayAuthKey();
    const standard = throwawayStandardKey();
    const line = `Permission denied: Consumer 'api_key:${auth}' has been suspended; also ${standard}.`;
    expect(new Redactor().redact(line)).toBe(
      "Permission denied: Consumer 'api_key:[redacted]' has been suspended; also [redacted].",
    );
  });
});
