/**
 * The rotator against the fake Google, in-process: the dev stack's two keys (a service-account key
 * and the Gemini API key) through their whole life, and the ways a run can go wrong. The rotator
 * acts with exactly the rights the CI stack grants it, none of which reads a secret.
 */

import { keyIds } from "../helpers/google/iam-keys.ts";
import { formatRotateJson, formatRotateText } from "../../src/rotate/report.ts";
import { liveApiKeys } from "../helpers/google/api-keys.ts";
import { googleError } from "../helpers/google/respond.ts";
import {
  API_KEY_SECRET,
  CHANGING,
  KEY_SECRET,
  PROJECT,
  ROTATION,
  ROTATOR,
  RUNTIME,
  recordedAs,
  rotateInProcess,
  secretVersions,
  startRotateWorld,
  type RotateWorld,
} from "../helpers/rotate-world.ts";

let world: RotateWorld;
beforeEach(async () => {
  world = await startRotateWorld();
});
afterEach(() => world.google.close());

const actions = (r: Awaited<ReturnType<typeof rotateInProcess>>, entry: number) =>
  r.result.keys[entry]!.keys.map((l) => [l.action, l.keyId, l.version]);
const changes = (from = 0) =>
  world.google.state.requests
    .slice(from)
    .filter((r) => CHANGING.includes(r.route as never))
    .map((r) => r.route);
const enabled = (secret: string) =>
  secretVersions(world, secret)
    .filter((v) => v.state === "ENABLED")
    .map((v) => v.holds);

describe("a key's life under the rotator", () => {
  test("the first run makes each key, proves it by listing the models and calling one as its consumers will, and adds it as the secret's only version", async () => {
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    const [key] = keyIds(world.google.state, RUNTIME);
    expect(secretVersions(world, KEY_SECRET)).toEqual([
      { number: 1, state: "ENABLED", holds: key },
    ]);
    const [apiKey] = liveApiKeys(world.google.state);
    expect(apiKey).toMatch(/^gak-gemini-dev-20261204-031700$/);
    expect(secretVersions(world, API_KEY_SECRET)).toEqual([
      { number: 1, state: "ENABLED", holds: apiKey },
    ]);
    expect(actions(run, 0)).toEqual([["rotated", key, 1]]);
    expect(actions(run, 1)).toEqual([["rotated", apiKey, 1]]);
    // Proven before stored: the models were listed with the new key's token, and with the new API key.
    const requests = world.google.state.requests;
    const added = requests.findIndex((r) => r.route === "versions.add");
    const proofs = requests
      .slice(0, added)
      .filter((r) => r.route === "models")
      .map(
        (r) => world.google.state.tokens.get(r.headers.authorization?.slice(7) ?? "")?.principal,
      );
    // Every page of the listing (57 models, 50 a page), as verify lists them.
    expect(proofs).toEqual([RUNTIME, RUNTIME]);
    const apiProof = requests.filter(
      (r) => r.route === "models" && r.headers["x-goog-api-key"] !== undefined,
    );
    expect(new Set(apiProof.map((r) => r.headers["x-goog-api-key"]))).toEqual(
      new Set([world.google.state.apiKeyRecords.get(apiKey!)!.keyString]),
    );
    // And a model was called with each new key, before it was stored.
    const calls = requests.filter((r) => r.route === "countTokens");
    expect(calls.map((r) => r.path)).toEqual([
      "/v1beta/models/gemini-3.8-flash:countTokens",
      "/v1beta/models/gemini-3.8-flash:countTokens",
    ]);
    expect(calls[1]!.headers["x-goog-api-key"]).toBe(
      world.google.state.apiKeyRecords.get(apiKey!)!.keyString,
    );
    expect(
      requests.findIndex((r) => r.route === "models" && r.headers["x-goog-api-key"] !== undefined),
    ).toBeLessThan(requests.map((r) => r.route).lastIndexOf("versions.add"));
  });

  test("the API key is restricted to the Gemini API and bound to its service account, says which secret it is for, and is named as apiKey.displayName says", async () => {
    await rotateInProcess(world, []);
    const record = world.google.state.apiKeyRecords.get(liveApiKeys(world.google.state)[0]!)!;
    expect(record.displayName).toBe("Gemini API (gak-gemini-dev)");
    expect(record.restrictions).toEqual({
      apiTargets: [{ service: "generativelanguage.googleapis.com" }],
    });
    expect(record.serviceAccountEmail).toBe(RUNTIME);
    expect(record.annotations).toEqual({ "gemini-access-kit.secret": API_KEY_SECRET });
  });

  test("a second run in the same period changes nothing: it only reads", async () => {
    await rotateInProcess(world, []);
    const before = world.google.state.requests.length;
    world.advance(29);
    const second = await rotateInProcess(world, []);
    expect(second.result.exitCode).toBe(0);
    expect(changes(before)).toEqual([]);
    expect(second.result.keys.map((k) => k.status)).toEqual(["current", "current"]);
    expect(second.result.keys.map((k) => k.keys.map((l) => l.action))).toEqual([
      ["kept"],
      ["kept"],
    ]);
    expect(second.result.keys[0]!.keys[0]!.detail).toBe("current; the next is due 2027-01-03");
  });

  test("a run after the period makes the next key and keeps the previous one, still valid, one more period", async () => {
    await rotateInProcess(world, []);
    const [first] = keyIds(world.google.state, RUNTIME);
    const firstApiKey = liveApiKeys(world.google.state)[0];
    world.advance(30);
    const run = await rotateInProcess(world, []);
    const second = keyIds(world.google.state, RUNTIME).find((k) => k !== first)!;
    expect(keyIds(world.google.state, RUNTIME)).toEqual([first, second].sort());
    expect(enabled(KEY_SECRET)).toEqual([first, second]);
    expect(actions(run, 0)).toEqual([
      ["rotated", second, 2],
      ["kept", first, 1],
    ]);
    expect(run.result.keys[0]!.keys[1]!.detail).toBe(
      "previous; valid until the next rotation, due 2027-02-02",
    );
    expect(liveApiKeys(world.google.state)).toHaveLength(2);
    expect(liveApiKeys(world.google.state)).toContain(firstApiKey);
    expect(run.result.keys.map((k) => k.status)).toEqual(["rotated", "rotated"]);
  });

  test("a run after two periods deletes the oldest key and destroys its version; the last two stay", async () => {
    await rotateInProcess(world, []);
    const [first] = keyIds(world.google.state, RUNTIME);
    world.advance(30);
    await rotateInProcess(world, []);
    const second = keyIds(world.google.state, RUNTIME).find((k) => k !== first)!;
    world.advance(30);
    const run = await rotateInProcess(world, []);
    const third = keyIds(world.google.state, RUNTIME).find((k) => k !== second)!;
    expect(keyIds(world.google.state, RUNTIME)).toEqual([second, third].sort());
    expect(secretVersions(world, KEY_SECRET).map((v) => [v.number, v.state])).toEqual([
      [1, "DESTROYED"],
      [2, "ENABLED"],
      [3, "ENABLED"],
    ]);
    expect(actions(run, 0)).toEqual([
      ["rotated", third, 3],
      ["kept", second, 2],
      ["pruned", first, 1],
    ]);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({
      "gemini-access-kit.v2": recordedAs(second),
      "gemini-access-kit.v3": recordedAs(third),
    });
    expect(liveApiKeys(world.google.state)).toHaveLength(2);
    expect(world.google.state.apiKeyRecords.size).toBe(3);
  });

  test("runs that skip periods still keep the key that was latest valid for one more period", async () => {
    await rotateInProcess(world, []);
    const [first] = keyIds(world.google.state, RUNTIME);
    world.advance(95);
    const run = await rotateInProcess(world, []);
    expect(actions(run, 0)).toEqual([
      ["rotated", expect.any(String), 2],
      ["kept", first, 1],
    ]);
  });
});

describe("a Vertex API key (vertex.apiKey)", () => {
  const VERTEX_SECRET = `projects/${PROJECT}/secrets/gak-vertex-api-key-dev`;
  const VERTEX_KEY = {
    kind: "api-key",
    account: RUNTIME,
    secret: VERTEX_SECRET,
    project: PROJECT,
    keyIdPrefix: "gak-vertex-dev",
    displayName: "Vertex AI (gak-vertex-dev)",
    service: "aiplatform.googleapis.com",
    model: "gemini-3.8-flash",
  };

  /** The world with the dev stack's Vertex key (alone, or after `others`), and its secret as the CI stack makes it. */
  async function vertexWorld(others: unknown[] = []): Promise<void> {
    await world.google.close();
    world = await startRotateWorld({ ...ROTATION, keys: [...others, VERTEX_KEY] });
    world.google.addSecret(VERTEX_SECRET, undefined, ["group:gemini-dev@example.com"]);
    world.google.state.secrets.get(VERTEX_SECRET)!.managers.add(ROTATOR);
    // Google takes a key bound to an account holding roles/aiplatform.expressUser in express mode
    // (the foundation grants it): every key bound to the runtime account here.
    const express = world.google.state.vertex.expressKeys;
    express.has = (k) => world.google.state.apiKeys.get(k)?.serviceAccountEmail === RUNTIME;
  }

  test("is made restricted to aiplatform, bound to its account, proven by an express-mode countTokens before it is stored", async () => {
    await vertexWorld();
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    const [id] = liveApiKeys(world.google.state);
    expect(id).toMatch(/^gak-vertex-dev-20261204-031700$/);
    const record = world.google.state.apiKeyRecords.get(id!)!;
    expect(record.restrictions).toEqual({ apiTargets: [{ service: "aiplatform.googleapis.com" }] });
    expect(record.serviceAccountEmail).toBe(RUNTIME);
    expect(record.displayName).toBe("Vertex AI (gak-vertex-dev)");
    expect(record.annotations).toEqual({ "gemini-access-kit.secret": VERTEX_SECRET });
    expect(secretVersions(world, VERTEX_SECRET)).toEqual([
      { number: 1, state: "ENABLED", holds: id },
    ]);
    const requests = world.google.state.requests;
    const proof = requests.findIndex(
      (r) =>
        r.path === "/v1/publishers/google/models/gemini-3.8-flash:countTokens" &&
        r.headers["x-goog-api-key"] === record.keyString,
    );
    expect(proof).toBeGreaterThanOrEqual(0);
    expect(proof).toBeLessThan(requests.findIndex((r) => r.route === "versions.add"));
    // Express mode lists no models: the Gemini API is never called with it.
    expect(requests.filter((r) => r.route === "models")).toEqual([]);
    expect(run.result.keys[0]!.keys[0]!.detail).toMatch(
      /^made, proven \(gemini-3\.8-flash called, first attempt\), added as the newest version$/,
    );
  });

  test("beside the Gemini API key, bound to the same account, each entry keeps its own keys and neither alarms on the other's, past the grace period too", async () => {
    await vertexWorld(ROTATION.keys);
    const first = await rotateInProcess(world, []);
    expect(first.result.exitCode).toBe(0);
    world.advance(2);
    const later = await rotateInProcess(world, []);
    expect(later.result.exitCode).toBe(0);
    expect(later.result.keys.flatMap((k) => k.alarms)).toEqual([]);
    const live = liveApiKeys(world.google.state);
    expect(live).toEqual([
      expect.stringMatching(/^gak-gemini-dev-/) as string,
      expect.stringMatching(/^gak-vertex-dev-/) as string,
    ]);
    expect(enabled(API_KEY_SECRET)).toHaveLength(1);
    expect(enabled(VERTEX_SECRET)).toHaveLength(1);
  });

  test("a key Vertex refuses in express mode fails its proof, is deleted again and never reaches the secret", async () => {
    await vertexWorld();
    world.google.state.vertex.expressKeys.has = () => false;
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(1);
    expect(run.result.keys[0]).toMatchObject({
      status: "failed",
      error: { reason: "PROOF_FAILED" },
    });
    expect(run.result.keys[0]!.error!.message).toMatch(
      /^The new Vertex API key gak-vertex-dev-\S+ was not accepted/,
    );
    expect(liveApiKeys(world.google.state)).toEqual([]);
    expect(secretVersions(world, VERTEX_SECRET)).toEqual([]);
  });
});

describe("when something goes wrong, the old key stays in place", () => {
  const afterFirstPeriod = async () => {
    await rotateInProcess(world, []);
    world.advance(31);
    return {
      keys: keyIds(world.google.state, RUNTIME),
      apiKeys: liveApiKeys(world.google.state),
      annotations: { ...world.google.state.secrets.get(KEY_SECRET)!.annotations },
      versions: secretVersions(world, KEY_SECRET),
    };
  };

  test("a proof that fails deletes the new key again and leaves keys, versions and the ledger as they were (exit 1)", async () => {
    const before = await afterFirstPeriod();
    world.google.state.disabled = true;
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(1);
    expect(run.result.keys.map((k) => [k.status, k.error?.reason])).toEqual([
      ["failed", "PROOF_FAILED"],
      ["failed", "PROOF_FAILED"],
    ]);
    expect(run.result.keys[0]!.error!.message).toMatch(
      /^The new key [0-9a-f]{40} was not accepted: generativelanguage\.googleapis\.com is not enabled/,
    );
    expect(run.result.keys[0]!.error!.fix).toContain(
      "The new key was deleted again and the current one left in place",
    );
    expect(keyIds(world.google.state, RUNTIME)).toEqual(before.keys);
    expect(liveApiKeys(world.google.state)).toEqual(before.apiKeys);
    expect(secretVersions(world, KEY_SECRET)).toEqual(before.versions);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual(before.annotations);
  });

  test("a new API key that lists models but is refused on a model call fails its proof, is deleted again, and never reaches the secret", async () => {
    const before = await afterFirstPeriod();
    const apiBefore = secretVersions(world, API_KEY_SECRET);
    world.google.state.newApiKeysListOnly = true;
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(1);
    expect(run.result.keys[0]!.status).toBe("rotated");
    expect(run.result.keys[1]).toMatchObject({
      status: "failed",
      error: { reason: "PROOF_FAILED" },
    });
    expect(run.result.keys[1]!.error!.message).toMatch(
      /^The new API key gak-gemini-dev-\S+ was not accepted: Count tokens with models\/gemini-3\.8-flash: /,
    );
    expect(liveApiKeys(world.google.state)).toEqual(before.apiKeys);
    expect(secretVersions(world, API_KEY_SECRET)).toEqual(apiBefore);
  });

  test("a new key refused for a while is tried again with backoff and proven once Google accepts it", async () => {
    world.google.state.newKeyRefusals = 3;
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    expect(run.result.keys.map((k) => k.proof?.attempts)).toEqual([4, 4]);
    expect(run.progress.filter((l) => l.includes("not accepted yet"))).toHaveLength(6);
    expect(run.result.keys[0]!.keys[0]!.detail).toMatch(
      /proven \(57 models listed, models\/gemini-3\.8-flash called, 4 attempts in 14 s\)/,
    );
  });

  test("a key still refused at the deadline is deleted again, and the run fails with the reason", async () => {
    world.google.state.newKeyRefusals = 1000;
    const run = await rotateInProcess(world, ["--proof-timeout", "60"]);
    expect(run.result.keys.map((k) => k.error?.reason)).toEqual(["PROOF_FAILED", "PROOF_FAILED"]);
    expect(run.result.keys[0]!.error!.message).toMatch(
      /was not accepted after \d+ attempts in \d+ s: Get a token for gak-runtime-dev@acme-gemini-dev\.iam\.gserviceaccount\.com: the service-account key was refused/,
    );
    expect(keyIds(world.google.state, RUNTIME)).toEqual([]);
    expect(liveApiKeys(world.google.state)).toEqual([]);
    expect(secretVersions(world, KEY_SECRET)).toEqual([]);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({});
  });

  test("an organization policy that refuses keys fails the key before anything of its secret is read or made, with both ways out; the API key is still rotated", async () => {
    world.google.state.cloudProjects
      .get(PROJECT)!
      .policies.set("iam.managed.disableServiceAccountKeyCreation", { rules: [{ enforce: true }] });
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]).toMatchObject({
      status: "failed",
      keys: [],
      error: { reason: "KEY_CREATION_BLOCKED" },
    });
    expect(run.result.keys[0]!.error!.message).toBe(
      `The organization policy iam.managed.disableServiceAccountKeyCreation is enforced on ${PROJECT}: Google refuses every service-account key there, so none was made and the secret was not touched.`,
    );
    expect(run.result.keys[0]!.error!.fix).toMatch(
      /keyless path.*createKey: false.*impersonators.*gcloud org-policies reset iam\.disableServiceAccountKeyCreation --project acme-gemini-dev/,
    );
    const touched = world.google.state.requests.filter(
      (r) => r.route.startsWith("iamKeys.") || r.path.includes("gak-runtime-key-dev"),
    );
    expect(touched).toEqual([]);
    expect(run.progress).toContain(
      `Reading the organization policies on service-account keys in ${PROJECT}...`,
    );
    expect(run.result.keys[1]!.status).toBe("rotated");
    expect(run.result.exitCode).toBe(1);
  });

  test("a dry run says the same before it reads anything else", async () => {
    world.google.state.cloudProjects
      .get(PROJECT)!
      .policies.set("iam.disableServiceAccountKeyCreation", { rules: [{ enforce: true }] });
    const run = await rotateInProcess(world, ["--dry-run"]);
    expect(run.result.keys[0]).toMatchObject({
      status: "failed",
      error: { reason: "KEY_CREATION_BLOCKED" },
    });
    expect(world.google.state.requests.filter((r) => r.route.startsWith("iamKeys."))).toEqual([]);
  });

  test("a policy the caller may not read is no gate: said in progress, and Google's refusal at creation is named with both ways out, nothing left behind", async () => {
    world.google.state.grants.delete("gak-rotate-dev@acme-gemini-ci.iam.gserviceaccount.com");
    world.google.state.keyCreationBlocked = true;
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]).toMatchObject({
      status: "failed",
      error: { reason: "KEY_CREATION_BLOCKED" },
    });
    expect(run.result.keys[0]!.error!.message).toContain(
      "constraints/iam.disableServiceAccountKeyCreation",
    );
    expect(run.result.keys[0]!.error!.fix).toMatch(
      /keyless path.*createKey: false.*impersonators.*gcloud org-policies reset iam\.disableServiceAccountKeyCreation/,
    );
    expect(run.result.keys[1]!.status).toBe("rotated");
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({});
    expect(run.progress).toContain(
      "  could not read them (PERMISSION_DENIED); a key they refuse is refused when it is made, and nothing is left then either.",
    );
  });

  test("N14: without any credentials, the fix is a plain gcloud login: the rotator's calls need no Desktop client", async () => {
    let failure: unknown;
    try {
      await rotateInProcess(world, [], { GOOGLE_APPLICATION_CREDENTIALS: "" });
    } catch (err) {
      failure = err;
    }
    expect(failure).toMatchObject({
      reason: "NO_CREDENTIALS",
      fix: "Log in with `gcloud auth application-default login` (no client file needed for these calls), or set GOOGLE_APPLICATION_CREDENTIALS to a credential file.",
    });
    expect(world.google.state.requests.filter((r) => CHANGING.includes(r.route as never))).toEqual(
      [],
    );
  });

  test("R8: an API Keys operation that is never done is waited on with a line every half minute, then fails the API key with TIMEOUT; the service-account key still rotates", async () => {
    world.google.state.operationPolls = 10_000;
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.status).toBe("rotated");
    expect(run.result.keys[1]).toMatchObject({ status: "failed", error: { reason: "TIMEOUT" } });
    const waiting = run.progress.filter((l) => l.includes("operation is not done yet after"));
    expect(waiting.length).toBeGreaterThanOrEqual(3);
    expect(waiting[0]).toMatch(
      /^ {2}Make the API key .*: Google's operation is not done yet after \d+ s \(it gives up at 120 s\)\.\.\.$/,
    );
  });

  test("an organization policy that refuses binding the API key to its account fails the API key, named, with nothing left", async () => {
    world.google.state.apiKeyBindingBlocked = true;
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[1]).toMatchObject({
      status: "failed",
      error: {
        reason: "API_KEY_BINDING_BLOCKED",
        fix: expect.stringContaining(
          "set iam.managed.disableServiceAccountApiKeyCreation to enforce: false for this project",
        ),
      },
    });
    expect(run.result.keys[0]!.status).toBe("rotated");
    expect(world.google.state.secrets.get(API_KEY_SECRET)!.annotations).toEqual({});
  });

  test("a caller without key admin on the account is told which role, on which resource, and who grants it", async () => {
    world.google.state.keyAdmins.delete(RUNTIME);
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]).toMatchObject({
      status: "failed",
      error: { reason: "PERMISSION_DENIED" },
    });
    expect(run.result.keys[0]!.error!.fix).toContain(
      "roles/iam.serviceAccountKeyAdmin on this account (on the account, not the project)",
    );
    expect(run.result.keys[0]!.error!.fix).toContain(
      "The CI stack grants it to the environment's rotator",
    );
  });

  test("a secret that does not exist yet says to run pulumi up first", async () => {
    world.google.state.secrets.delete(KEY_SECRET);
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.error).toMatchObject({
      reason: "NOT_FOUND",
      fix: expect.stringContaining("run pulumi up for the stack first"),
    });
  });
});

describe("transient failures are retried, and never leave two new keys", () => {
  test("a key made whose answer was lost (503) is left alone, since it cannot be told from one made by hand then; one more is made and stored, and --prune deletes the lost one", async () => {
    world.google.failNext("iamKeys.create", {
      status: 503,
      afterHandling: true,
      body: googleError(503, "UNAVAILABLE", "The service is currently unavailable."),
    });
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    expect(world.google.requestsTo("iamKeys.create")).toHaveLength(2);
    expect(world.google.requestsTo("iamKeys.delete")).toHaveLength(0);
    const stored = secretVersions(world, KEY_SECRET)[0]!.holds!;
    const [lost] = keyIds(world.google.state, RUNTIME).filter((k) => k !== stored);
    expect(lost).toBeDefined();
    const next = await rotateInProcess(world, []);
    expect(next.result.keys[0]!.keys.find((l) => l.keyId === lost)).toMatchObject({
      action: "unmanaged",
      detail: expect.stringContaining("--prune deletes it"),
    });
    expect(next.result.keys[0]!.alarms.map((a) => [a.reason, a.keyId])).toEqual([
      ["UNMANAGED_KEY", lost],
    ]);
    // --prune does not wait for the grace period, but never deletes a key younger than the settle window.
    world.time.now += 13 * 3_600_000;
    await rotateInProcess(world, ["--prune"]);
    expect(keyIds(world.google.state, RUNTIME)).toEqual([stored]);
  });

  test("a version added whose answer was lost (429) is taken as added: one version, not two", async () => {
    world.google.failNext("versions.add", {
      status: 429,
      afterHandling: true,
      body: googleError(429, "RESOURCE_EXHAUSTED", "Quota exceeded."),
    });
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    expect(secretVersions(world, KEY_SECRET)).toHaveLength(1);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({
      "gemini-access-kit.v1": recordedAs(keyIds(world.google.state, RUNTIME)[0]),
    });
  });

  test("an API key made whose answer was lost is found by its id on the retry (ALREADY_EXISTS) and used, not made twice", async () => {
    world.google.failNext("apiKeys.create", { status: 503, afterHandling: true });
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[1]!.status).toBe("rotated");
    expect(world.google.state.apiKeyRecords.size).toBe(1);
    expect(enabled(API_KEY_SECRET)).toEqual(liveApiKeys(world.google.state));
  });

  test("429 and 503 on reads and operations are retried; the run succeeds", async () => {
    world.google.failNext("iamKeys.list", { status: 429, headers: { "retry-after": "2" } });
    world.google.failNext("versions.list", { status: 503 });
    world.google.failNext("operations.get", { status: 503 });
    world.google.failNext("secret.patch", { status: 503 });
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    expect(keyIds(world.google.state, RUNTIME)).toHaveLength(1);
    expect(world.google.state.apiKeyRecords.size).toBe(1);
  });

  test("a ledger changed by someone else meanwhile (a stale etag) is read again, their annotation kept", async () => {
    world.google.state.hooks.set("secret.patch", () => {
      const secret = world.google.state.secrets.get(KEY_SECRET)!;
      if (secret.annotations.owner === undefined) {
        secret.annotations = { ...secret.annotations, owner: "platform" };
        secret.etag++;
      }
    });
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({
      owner: "platform",
      "gemini-access-kit.v1": recordedAs(keyIds(world.google.state, RUNTIME)[0]),
    });
  });
});

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A version someone added to the key secret by hand, holding a key of the runtime account that the
 * rotator did not make: the key, to look for afterwards.
 */
function foreignVersion(number: number, createTime: string) {
  const key = world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
  world.google.state.secrets.get(KEY_SECRET)!.versions.push({
    number,
    createTime,
    state: "ENABLED",
    data: Buffer.from(key.file),
  });
  return key;
}

/** An API key someone made by hand in the project, now. */
function handMadeApiKey(keyId: string, boundTo: string | undefined): void {
  const now = iso(world.time.now);
  world.google.state.apiKeyRecords.set(keyId, {
    keyId,
    uid: `uid-${keyId}`,
    displayName: "made by hand",
    keyString: world.google.addApiKey(),
    createTime: now,
    updateTime: now,
    annotations: {},
    restrictions: { apiTargets: [{ service: "generativelanguage.googleapis.com" }] },
    ...(boundTo ? { serviceAccountEmail: boundTo } : {}),
    refusalsLeft: 0,
  });
}

describe("keys the rotator did not make are an alarm", () => {
  test("a key of the account that the ledger does not record fails the run with UNMANAGED_KEY, naming the key, the account, when it was made and the fix; the run still rotates its own keys", async () => {
    const made = world.time.now;
    const stranger = world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
    world.time.now += HOUR;
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(1);
    expect(run.result.ok).toBe(false);
    expect(run.result.keys.map((k) => k.status)).toEqual(["rotated", "rotated"]);
    expect(secretVersions(world, KEY_SECRET)).toHaveLength(1);
    expect(run.result.keys[0]!.keys.find((l) => l.keyId === stranger.keyId)).toMatchObject({
      action: "unmanaged",
      detail: `not made by the rotator (made ${iso(made)}); left alone until ${iso(made + 24 * HOUR)} (the 24 h grace period), then deleted; --prune deletes it sooner`,
    });
    const [alarm] = run.result.keys[0]!.alarms;
    expect(alarm).toMatchObject({ reason: "UNMANAGED_KEY", keyId: stranger.keyId });
    expect(alarm!.message).toContain(`The key ${stranger.keyId} of ${RUNTIME}`);
    expect(alarm!.message).toContain(`made ${iso(made)}`);
    expect(alarm!.fix).toMatch(/^Find out who made it \(Cloud Audit Logs record it: /);
    expect(alarm!.fix).toContain(
      `gcloud iam service-accounts keys delete ${stranger.keyId} --iam-account ${RUNTIME}`,
    );
    expect(alarm!.fix).toContain("or let the rotation delete it once it is past the grace period");
    expect(run.result.keys[1]!.alarms).toEqual([]);
    expect(keyIds(world.google.state, RUNTIME)).toContain(stranger.keyId);
    const text = formatRotateText(run.result);
    expect(text).toContain(`  ALARM (UNMANAGED_KEY): The key ${stranger.keyId} of ${RUNTIME}`);
    expect(text).toMatch(/1 ALARM \(a key or version the rotator did not make/);
    expect(JSON.parse(formatRotateJson(run.result))).toMatchObject({
      ok: false,
      keys: [{ alarms: [{ reason: "UNMANAGED_KEY", keyId: stranger.keyId }] }, { alarms: [] }],
    });
  });

  test("past the grace period such a key is deleted, read by its id first, and the run still fails, saying what it deleted", async () => {
    await rotateInProcess(world, []);
    const stranger = world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
    world.time.now += 23 * HOUR;
    const within = await rotateInProcess(world, []);
    expect(keyIds(world.google.state, RUNTIME)).toContain(stranger.keyId);
    expect(within.result.exitCode).toBe(1);
    world.time.now += 2 * HOUR;
    const before = world.google.requestsTo("iamKeys.get").length;
    const run = await rotateInProcess(world, []);
    expect(keyIds(world.google.state, RUNTIME)).not.toContain(stranger.keyId);
    expect(world.google.requestsTo("iamKeys.get").length).toBe(before + 1);
    expect(run.result.exitCode).toBe(1);
    expect(run.result.keys[0]!.keys.find((l) => l.keyId === stranger.keyId)).toMatchObject({
      action: "pruned",
      detail: expect.stringMatching(/; deleted after the 24 h grace period$/),
    });
    expect(run.result.keys[0]!.alarms[0]!.fix).toContain("Whatever used it no longer can");
    // Nothing left to alarm about: the next run is clean.
    const next = await rotateInProcess(world, []);
    expect(next.result.exitCode).toBe(0);
  });

  test("the grace period is the stack's unmanagedKeyGraceHours", async () => {
    const longer = await startRotateWorld({ ...ROTATION, unmanagedKeyGraceHours: 72 });
    try {
      const stranger = longer.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
      longer.time.now += 48 * HOUR;
      const run = await rotateInProcess(longer, []);
      expect(keyIds(longer.google.state, RUNTIME)).toContain(stranger.keyId);
      expect(run.result.keys[0]!.keys.find((l) => l.keyId === stranger.keyId)!.detail).toContain(
        "(the 72 h grace period)",
      );
    } finally {
      await longer.google.close();
    }
  });

  test("a key younger than the settle window is never deleted, whatever the grace period says", async () => {
    const short = await startRotateWorld({ ...ROTATION, unmanagedKeyGraceHours: 1 });
    try {
      const made = short.time.now;
      const stranger = short.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
      short.time.now += 2 * HOUR;
      const early = await rotateInProcess(short, []);
      expect(keyIds(short.google.state, RUNTIME)).toContain(stranger.keyId);
      expect(early.result.keys[0]!.keys.find((l) => l.keyId === stranger.keyId)!.detail).toContain(
        `left alone until ${iso(made + 12 * HOUR)}`,
      );
      short.time.now += 11 * HOUR;
      await rotateInProcess(short, []);
      expect(keyIds(short.google.state, RUNTIME)).not.toContain(stranger.keyId);
    } finally {
      await short.google.close();
    }
  });

  test("a key a list shows but a read by its id does not find is not deleted: an answer that may lag is never taken for proof", async () => {
    const stranger = world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
    world.time.now += 25 * HOUR;
    world.google.failNext("iamKeys.get", {
      status: 404,
      body: googleError(404, "NOT_FOUND", `Service account key ${stranger.keyId} does not exist.`),
    });
    const run = await rotateInProcess(world, []);
    expect(keyIds(world.google.state, RUNTIME)).toContain(stranger.keyId);
    expect(world.google.requestsTo("iamKeys.delete")).toEqual([]);
    expect(run.result.keys[0]!.keys.find((l) => l.keyId === stranger.keyId)).toMatchObject({
      action: "unmanaged",
      detail: expect.stringContaining("a read by its id does not find it"),
    });
    expect(run.result.exitCode).toBe(1);
  });

  test("an API key bound to the stack's account is deleted after the grace period; one only named like the kit's is an alarm, never deleted, --prune or not", async () => {
    handMadeApiKey("gak-gemini-dev-by-hand", RUNTIME);
    handMadeApiKey("gak-gemini-dev-unbound", undefined);
    world.time.now += 25 * HOUR;
    const run = await rotateInProcess(world, ["--prune"]);
    const apiKeys = liveApiKeys(world.google.state);
    expect(apiKeys).not.toContain("gak-gemini-dev-by-hand");
    expect(apiKeys).toContain("gak-gemini-dev-unbound");
    const lines = run.result.keys[1]!.keys;
    expect(lines.find((l) => l.keyId === "gak-gemini-dev-unbound")).toMatchObject({
      action: "unmanaged",
      detail: expect.stringContaining(
        "it is not bound to the stack's account, so the rotator never deletes it",
      ),
    });
    expect(run.result.keys[1]!.alarms.map((a) => [a.reason, a.keyId])).toEqual([
      ["UNMANAGED_KEY", "gak-gemini-dev-by-hand"],
      ["UNMANAGED_KEY", "gak-gemini-dev-unbound"],
    ]);
    expect(run.result.keys[1]!.alarms[1]!.fix).toContain(
      `gcloud services api-keys delete gak-gemini-dev-unbound --project ${PROJECT}`,
    );
    expect(run.result.keys[1]!.status).toBe("rotated");
  });

  test("a dry run says which it would delete, deletes nothing, and fails all the same", async () => {
    const stranger = world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
    world.time.now += 25 * HOUR;
    const run = await rotateInProcess(world, ["--dry-run"]);
    expect(changes()).toEqual([]);
    expect(run.result.keys[0]!.keys.find((l) => l.keyId === stranger.keyId)).toMatchObject({
      action: "pruned",
      detail: expect.stringContaining("would be deleted after the 24 h grace period"),
    });
    expect(run.result.exitCode).toBe(1);
  });
});

describe("versions the rotator did not add are an alarm, and are never destroyed", () => {
  test("a version someone added holding a key of their own: FOREIGN_VERSION while it is the newest, the key an alarm too, and neither is deleted while the version is enabled, past any grace period", async () => {
    const stranger = foreignVersion(1, "2026-11-02T00:00:00Z");
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(1);
    expect(run.result.keys[0]!.status).toBe("rotated");
    expect(run.result.keys[0]!.alarms.map((a) => [a.reason, a.keyId ?? a.version])).toEqual([
      ["UNMANAGED_KEY", stranger.keyId],
      ["FOREIGN_VERSION", 1],
    ]);
    const foreign = run.result.keys[0]!.alarms[1]!;
    expect(foreign.message).toBe(
      `Version 1 of ${KEY_SECRET}, added 2026-11-02T00:00:00Z, is its newest and the rotator did not add it: consumers reading latest get a credential the rotator did not make and cannot vouch for.`,
    );
    expect(foreign.fix).toContain(
      "The rotator never destroys it, since it may be someone's emergency fix",
    );
    expect(foreign.fix).toContain(
      "gcloud secrets versions disable 1 --secret gak-runtime-key-dev --project acme-gemini-dev",
    );
    world.advance(3);
    const later = await rotateInProcess(world, []);
    // No longer the newest: no FOREIGN_VERSION; its key is still an alarm, and kept while the version is enabled.
    expect(later.result.keys[0]!.alarms.map((a) => a.reason)).toEqual(["UNMANAGED_KEY"]);
    expect(later.result.keys[0]!.keys.find((l) => l.keyId === stranger.keyId)!.detail).toContain(
      "left alone while version 1, which the rotator did not add, is enabled: it may hold this key",
    );
    expect(keyIds(world.google.state, RUNTIME)).toContain(stranger.keyId);
    expect(secretVersions(world, KEY_SECRET).map((v) => v.state)).toEqual(["ENABLED", "ENABLED"]);
  });

  test("a version added over the rotator's newest is the alarm and left as it is; disabled, the next run makes a key of the rotator's at once", async () => {
    await rotateInProcess(world, []);
    world.advance(2);
    foreignVersion(2, iso(world.time.now));
    const secret = world.google.state.secrets.get(KEY_SECRET)!;
    world.time.now += HOUR;
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.status).toBe("current");
    expect(run.result.keys[0]!.alarms.map((a) => a.reason)).toEqual([
      "UNMANAGED_KEY",
      "FOREIGN_VERSION",
    ]);
    expect(secretVersions(world, KEY_SECRET).map((v) => v.state)).toEqual(["ENABLED", "ENABLED"]);
    secret.versions.find((v) => v.number === 2)!.state = "DISABLED";
    const next = await rotateInProcess(world, []);
    expect(next.result.keys[0]!.status).toBe("rotated");
    expect(next.result.keys[0]!.keys[0]).toMatchObject({
      action: "unmanaged",
      version: 2,
      detail:
        "the newest version, which the rotator did not add, is disabled, so consumers reading latest get no key; a key of the rotator's is made now",
    });
    expect(secretVersions(world, KEY_SECRET).map((v) => v.state)).toEqual([
      "ENABLED",
      "DISABLED",
      "ENABLED",
    ]);
  });

  test("a version a list does not show yet is read by its number: the newest is never missed, and the key it may hold is kept", async () => {
    await rotateInProcess(world, []);
    world.advance(2);
    const fix = foreignVersion(2, iso(world.time.now));
    const secret = world.google.state.secrets.get(KEY_SECRET)!;
    world.time.now += 30 * HOUR;
    // The list leaves version 2 out, as one that has not caught up does.
    world.google.state.hooks.set("versions.list", () => {
      const all = secret.versions;
      secret.versions = all.filter((v) => v.number !== 2);
      setImmediate(() => (secret.versions = all));
    });
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.alarms.map((a) => [a.reason, a.version])).toEqual([
      ["UNMANAGED_KEY", undefined],
      ["FOREIGN_VERSION", 2],
    ]);
    // Its key is past the grace period, but version 2 may hold it: kept.
    expect(keyIds(world.google.state, RUNTIME)).toContain(fix.keyId);
  });
});

describe("--prune, and keys of others", () => {
  test("with --prune they are deleted, and a version no key is recorded for is destroyed once the rotator's newer one is stored", async () => {
    const stranger = foreignVersion(1, "2026-11-02T00:00:00Z");
    world.time.now += 13 * 3_600_000;
    const run = await rotateInProcess(world, ["--prune"]);
    expect(keyIds(world.google.state, RUNTIME)).not.toContain(stranger.keyId);
    expect(secretVersions(world, KEY_SECRET).map((v) => v.state)).toEqual(["DESTROYED", "ENABLED"]);
    expect(run.result.keys[0]!.keys.filter((l) => l.action === "pruned")).toHaveLength(2);
  });

  test("an API key of another team in the project is not even listed as the stack's", async () => {
    world.google.state.apiKeyRecords.set("other-team", {
      keyId: "other-team",
      uid: "u",
      displayName: "x",
      keyString: "k",
      createTime: "2026-01-01T00:00:00Z",
      updateTime: "2026-01-01T00:00:00Z",
      annotations: {},
      refusalsLeft: 0,
    });
    const run = await rotateInProcess(world, ["--prune"]);
    expect(run.result.keys[1]!.keys.map((l) => l.keyId)).not.toContain("other-team");
    expect(liveApiKeys(world.google.state)).toContain("other-team");
  });
});

describe("the run itself", () => {
  test("never reads a secret: through a whole rotation and a retirement, it asks for no version's value", async () => {
    await rotateInProcess(world, []);
    world.advance(31);
    await rotateInProcess(world, []);
    world.advance(31);
    await rotateInProcess(world, []);
    expect(world.google.requestsTo("versions.destroy")).toHaveLength(2);
    expect(world.google.requestsTo("secrets")).toEqual([]);
  });

  test("--dry-run says what it would do and changes nothing", async () => {
    const run = await rotateInProcess(world, ["--dry-run"]);
    expect(changes()).toEqual([]);
    expect(run.result.dryRun).toBe(true);
    expect(run.result.keys.map((k) => k.keys.map((l) => l.action))).toEqual([
      ["rotated"],
      ["rotated"],
    ]);
    expect(run.result.keys[0]!.keys[0]).toMatchObject({
      keyId: "(new)",
      detail: "would be made, proven with a model call, and added as the newest version",
    });
  });

  test("--now decides the period: as of a month later, the key made now is due", async () => {
    await rotateInProcess(world, []);
    const run = await rotateInProcess(world, ["--dry-run", "--now", "2027-01-04T00:00:00Z"]);
    expect(run.result.keys[0]!.keys.map((l) => l.action)).toEqual(["rotated", "kept"]);
  });

  test("a stack that declares no keys has nothing to rotate and calls no one", async () => {
    const empty = await startRotateWorld({ periodDays: 45, keys: [] });
    try {
      const run = await rotateInProcess(empty, []);
      expect([run.result.exitCode, run.result.keys]).toEqual([0, []]);
      expect(empty.google.state.requests).toEqual([]);
    } finally {
      await empty.google.close();
    }
  });
});
