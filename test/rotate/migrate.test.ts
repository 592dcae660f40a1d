/**
 * Moving a stack whose keys an earlier kit kept in Pulumi's state to the rotator, without revoking
 * a key a consumer holds: against the fake Google, the stand-in Pulumi CLI (stack export, state
 * delete) and the current program under mocks (what the next `pulumi up` would do with the state).
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseRotateArgs } from "../../src/rotate/args.ts";
import { formatMigrate, legacyKeys, runMigrate } from "../../src/rotate/migrate.ts";
import { committedStacks } from "../../src/rotate/migrate-order.ts";
import { Redactor } from "../../src/cli/redact.ts";
import { readInputFile } from "../../src/cli/input-file.ts";
import { nodeFetch } from "../../src/google/transport/fetch.ts";
import { buildStack } from "../../src/program.ts";
import { fakePulumi, type FakePulumi } from "../helpers/fake-pulumi.ts";
import { keyIds } from "../helpers/google/iam-keys.ts";
import { liveApiKeys } from "../helpers/google/api-keys.ts";
import { legacyExport, legacyUrn } from "../helpers/legacy-state.ts";
import { runMocked } from "../helpers/mocks.ts";
import { committedStack } from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { cleanEnv, ROOT, runScript } from "../helpers/verify-cli.ts";
import {
  API_KEY_SECRET,
  DAY,
  KEY_SECRET,
  PROJECT,
  RUNTIME,
  START,
  rotateInProcess,
  secretVersions,
  startRotateWorld,
  type RotateWorld,
} from "../helpers/rotate-world.ts";

/** dev as the kit's earlier versions applied it: every resource in its own stack, its secrets included. */
const legacyDev = () => ({ ...committedStack("dev"), foundation: "stack" as const });

let world: RotateWorld;
let pulumi: FakePulumi;
let slots: { a: string; b: string };
let currentUrns: Set<string>;
let legacy: ReturnType<typeof legacyExport>;

async function migrate(argv: string[], env: Record<string, string> = {}) {
  const full = {
    METADATA_SERVER_DETECTION: "none",
    HOME: "/nonexistent",
    GOOGLE_APPLICATION_CREDENTIALS: world.files.rotator,
    ...world.google.env,
    ...env,
  };
  const saved = { ...process.env };
  Object.assign(process.env, full);
  try {
    return await runMigrate(parseRotateArgs(["migrate", "--stack", "dev", ...argv]), {
      fetch: nodeFetch,
      clock: { now: () => world.time.now, sleep: () => Promise.resolve(), random: () => 0.5 },
      env: full,
      readFile: readInputFile,
      // The stand-in pulumi, in this process.
      run: (_file, args) => pulumi.run(args),
      progress: () => undefined,
      redactor: new Redactor(),
      // The committed stack files: the CI stack's (stacks/Pulumi.ci.yaml) names dev's state bucket and key.
      stacks: committedStacks(ROOT),
    });
  } finally {
    process.env = saved;
  }
}

beforeEach(async () => {
  world = await startRotateWorld();
  // What the earlier kit left in Google: two keys of the runtime account (slots a and b, a period
  // apart), each written to a version of the key secret, and one API key in the API key secret.
  const stamp = (ms: number) => new Date(ms).toISOString();
  const a = world.google.addServiceAccount(RUNTIME, PROJECT);
  const b = world.google.addServiceAccount(RUNTIME, PROJECT);
  world.google.state.accounts.get(RUNTIME)!.get(a.keyId)!.validAfterTime = stamp(START - 40 * DAY);
  world.google.state.accounts.get(RUNTIME)!.get(b.keyId)!.validAfterTime = stamp(START - 10 * DAY);
  world.google.state.secrets.get(KEY_SECRET)!.versions.push(
    {
      number: 1,
      createTime: stamp(START - 40 * DAY),
      state: "ENABLED",
      data: Buffer.from(a.file),
    },
    {
      number: 2,
      createTime: stamp(START - 10 * DAY),
      state: "ENABLED",
      data: Buffer.from(b.file),
    },
  );
  const apiKey = {
    keyId: "gak-gemini-dev",
    uid: "5b1d",
    displayName: "Gemini API (gak-gemini-dev)",
    keyString: world.google.addApiKey(),
    createTime: stamp(START - 40 * DAY),
    updateTime: stamp(START - 40 * DAY),
    annotations: {},
    restrictions: { apiTargets: [{ service: "generativelanguage.googleapis.com" }] },
    serviceAccountEmail: RUNTIME,
    refusalsLeft: 0,
  };
  world.google.state.apiKeyRecords.set(apiKey.keyId, apiKey);
  world.google.state.apiKeys.set(apiKey.keyString, apiKey);
  world.google.state.secrets.get(API_KEY_SECRET)!.versions.push({
    number: 1,
    createTime: stamp(START - 40 * DAY),
    state: "ENABLED",
    data: Buffer.from(apiKey.keyString),
  });
  slots = { a: a.keyId, b: b.keyId };
  const current = await runMocked(() => buildStack(legacyDev()), { stack: "dev" });
  currentUrns = new Set(current.resources.map((r) => r.urn));
  legacy = legacyExport(current.resources, {
    project: PROJECT,
    projectNumber: "123456789012",
    account: RUNTIME,
    slots: { a: { keyId: a.keyId, version: 1 }, b: { keyId: b.keyId, version: 2 } },
    apiKey: { keyId: "gak-gemini-dev", version: 1 },
  });
  // The backend the stack was deployed from before CI governed it: not one of the CI stack's buckets.
  pulumi = fakePulumi({
    backend: "gs://acme-platform-pulumi",
    stacks: { dev: { deployment: legacy.deployment } },
  });
});
afterEach(() => world.google.close());

const stateUrns = () =>
  (pulumi.state().stacks!.dev!.deployment!.resources as { urn: string }[]).map((r) => r.urn);

describe("npm run rotate -- migrate", () => {
  test("records which version holds which key, from the state export alone, and removes exactly the keys and their versions from the state", async () => {
    const result = await migrate([]);
    expect(result.keys.map((k) => [k.kind, k.keyId, k.stored?.version, k.recorded])).toEqual([
      ["service-account-key", slots.a, 1, true],
      ["service-account-key", slots.b, 2, true],
      ["api-key", "gak-gemini-dev", 1, true],
    ]);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({
      "gemini-access-kit.v1": slots.a,
      "gemini-access-kit.v2": slots.b,
    });
    expect(world.google.state.secrets.get(API_KEY_SECRET)!.annotations).toEqual({
      "gemini-access-kit.v1": "gak-gemini-dev",
    });
    const removed = stateUrns();
    for (const type of [
      "gcp:serviceaccount/key:Key",
      "gcp:projects/apiKey:ApiKey",
      "gcp:secretmanager/secretVersion:SecretVersion",
    ])
      expect(removed.filter((u) => u.includes(type))).toEqual([]);
    const deletes = pulumi.calls().filter((c) => c.args[0] === "state");
    expect(deletes.map((c) => c.args.slice(0, 5))).toEqual([
      ["state", "delete", "--stack", "dev", "--yes"],
    ]);
    expect(deletes[0]!.args.slice(5)).toHaveLength(6);
    expect(formatMigrate(result)).toContain(
      "Next: pulumi up for stack dev (it no longer manages these), then npm run rotate -- --stack dev.",
    );
  });

  test("revokes nothing: every key is still in Google and every version still enabled", async () => {
    await migrate([]);
    expect(keyIds(world.google.state, RUNTIME)).toEqual([slots.a, slots.b].sort());
    expect(liveApiKeys(world.google.state)).toEqual(["gak-gemini-dev"]);
    expect(secretVersions(world, KEY_SECRET).map((v) => v.state)).toEqual(["ENABLED", "ENABLED"]);
    expect(
      world.google.state.requests.filter((r) =>
        ["iamKeys.delete", "apiKeys.delete", "versions.destroy", "secrets"].includes(r.route),
      ),
    ).toEqual([]);
  });

  test("the next pulumi up deletes nothing: every resource left in the state is one the program declares, the earlier components by KeySecret's aliases", async () => {
    const d = await runMocked(() => buildStack(legacyDev()), { stack: "dev" });
    const keySecret = d.ofType("gemini-access-kit:index:KeySecret")[0]!;
    expect(keySecret.aliases).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^type=gemini-access-kit:index:RotatingKey( |$)/),
        expect.stringMatching(/^type=gemini-access-kit:index:GeminiApiKey( |$)/),
      ]),
    );
    await migrate([]);
    const left = stateUrns().filter(
      (u) => !u.includes("::pulumi:pulumi:Stack::") && !u.includes("::pulumi:providers:"),
    );
    const declared = new Set([...currentUrns].map(legacyUrn));
    expect(left.filter((u) => !declared.has(u))).toEqual([]);
    expect(left.length).toBe(currentUrns.size);
  });

  test("the check can fail: before the migration, the state holds what the program no longer declares", () => {
    const declared = new Set([...currentUrns].map(legacyUrn));
    expect(
      stateUrns().filter(
        (u) =>
          !u.includes("pulumi:pulumi:Stack") &&
          !u.includes("pulumi:providers:") &&
          !declared.has(u),
      ),
    ).toHaveLength(6);
  });

  test("then the rotator keeps both keys inside the period, and at its first rotation keeps the key consumers hold and retires the older", async () => {
    await migrate([]);
    const first = await rotateInProcess(world, []);
    expect(first.result.keys[0]!.keys.map((l) => [l.action, l.keyId])).toEqual([
      ["kept", slots.b],
      ["kept", slots.a],
    ]);
    // The API key was 40 days old: rotated at once, the one consumers hold kept one more period.
    expect(first.result.keys[1]!.keys.map((l) => l.action)).toEqual(["rotated", "kept"]);
    expect(liveApiKeys(world.google.state)).toContain("gak-gemini-dev");
    world.advance(20);
    const next = await rotateInProcess(world, []);
    expect(next.result.keys[0]!.keys.map((l) => [l.action, l.keyId])).toEqual([
      ["rotated", expect.any(String)],
      ["kept", slots.b],
      ["pruned", slots.a],
    ]);
    expect(keyIds(world.google.state, RUNTIME)).toContain(slots.b);
  });

  test("a second run finds no key in the state and changes nothing", async () => {
    await migrate([]);
    const before = world.google.state.requests.length;
    const again = await migrate([]);
    expect(again.keys).toEqual([]);
    expect(formatMigrate(again)).toBe("The state of stack dev holds no key: nothing to migrate.\n");
    expect(world.google.state.requests.length).toBe(before);
  });

  test("--dry-run says what it would adopt and remove, and changes neither the annotations nor the state", async () => {
    const result = await migrate(["--dry-run"]);
    expect(result.removed).toHaveLength(6);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({});
    expect(pulumi.calls().filter((c) => c.args[0] === "state")).toEqual([]);
    expect(formatMigrate(result)).toMatch(/would adopt/);
  });

  test("a version that disagrees with what the ledger already records stops it before the state is touched", async () => {
    world.google.state.secrets.get(KEY_SECRET)!.annotations = {
      "gemini-access-kit.v2": "some-other-key",
    };
    await expect(migrate([])).rejects.toMatchObject({ reason: "ROTATION_UNSAFE" });
    expect(pulumi.calls().filter((c) => c.args[0] === "state")).toEqual([]);
  });

  test("reads the pairs from the state export alone, never a secret value (the export keeps them encrypted)", () => {
    const text = JSON.stringify({ version: 3, deployment: pulumi.state().stacks!.dev!.deployment });
    const keys = legacyKeys(text, "export.json");
    expect(keys.map((k) => [k.keyId, k.stored?.secret, k.stored?.version])).toEqual([
      [slots.a, "projects/123456789012/secrets/gak-runtime-key-dev", 1],
      [slots.b, "projects/123456789012/secrets/gak-runtime-key-dev", 2],
      ["gak-gemini-dev", "projects/123456789012/secrets/gak-api-key-dev", 1],
    ]);
    expect(JSON.stringify(keys)).not.toContain("ciphertext");
  });

  test("exports the state without --show-secrets, so no secret is ever decrypted", async () => {
    await migrate([]);
    expect(
      pulumi
        .calls()
        .filter((c) => c.args[0] === "stack")
        .map((c) => c.args),
    ).toEqual([["stack", "export", "--stack", "dev"]]);
  });
});

describe("the migration's order: in the old backend, then the move", () => {
  const untouched = () => {
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({});
    expect(pulumi.calls().filter((c) => c.args[0] === "state")).toEqual([]);
    expect(world.google.state.requests).toEqual([]);
  };

  test("in a backend that is not the CI stack's, it asks the CLI which backend it acts on, and goes ahead", async () => {
    const result = await migrate([]);
    expect(result.keys.every((k) => k.recorded)).toBe(true);
    expect(pulumi.calls().map((c) => c.args.slice(0, 2))).toContainEqual(["whoami", "--json"]);
  });

  test("refuses, before anything is recorded or removed, once the stack lives in the CI stack's state bucket for it, and says how to retire the keys instead", async () => {
    await pulumi.run(["login", "gs://acme-gemini-state-dev"]);
    const refused = await migrate([]).catch((err: unknown) => err);
    expect(refused).toMatchObject({ reason: "STACK_ALREADY_MOVED", exitCode: 1 });
    const { message, fix } = refused as { message: string; fix: string };
    expect(message).toMatch(
      /^Stack dev's backend is gs:\/\/acme-gemini-state-dev, the state bucket stacks\/Pulumi\.ci\.yaml keeps for dev: /,
    );
    expect(message).toContain("(.pulumi/backups, .pulumi/history, the bucket's older generations)");
    expect(fix).toMatch(
      /^If the stack has not moved yet .* run migrate while logged in to its old backend/,
    );
    expect(fix).toContain("npm run rotate -- --outputs outputs.json");
    expect(fix).toContain(
      "then pulumi up --stack dev, which deletes those keys and their versions",
    );
    expect(fix).toContain(
      "delete the stack's objects under .pulumi/backups/ and .pulumi/history/ in gs://acme-gemini-state-dev",
    );
    untouched();
  });

  test("PULUMI_BACKEND_URL is the backend the CLI acts on, whatever it is logged in to", async () => {
    const refused = await migrate([], { PULUMI_BACKEND_URL: "gs://acme-gemini-state-prod" }).catch(
      (err: unknown) => err,
    );
    expect(refused).toMatchObject({
      reason: "STACK_ALREADY_MOVED",
      message: expect.stringContaining("the state bucket stacks/Pulumi.ci.yaml keeps for prod"),
    });
    untouched();
  });

  test("refuses when the state's secrets provider is the CI stack's KMS key for an environment, wherever the state is", async () => {
    pulumi = fakePulumi({
      backend: "gs://acme-platform-pulumi",
      stacks: {
        dev: {
          deployment: {
            ...legacy.deployment,
            secrets_providers: {
              type: "cloud",
              state: {
                url: "gcpkms://projects/acme-gemini-ci/locations/europe-west1/keyRings/gak-state/cryptoKeys/dev",
              },
            },
          },
        },
      },
    });
    const refused = await migrate([]).catch((err: unknown) => err);
    expect(refused).toMatchObject({
      reason: "STACK_ALREADY_MOVED",
      message: expect.stringContaining(
        "secrets provider is gcpkms://projects/acme-gemini-ci/locations/europe-west1/keyRings/gak-state/cryptoKeys/dev, the key stacks/Pulumi.ci.yaml keeps for dev",
      ),
      fix: expect.stringContaining("in gs://acme-gemini-state-dev"),
    });
    untouched();
  });
});

test("N18: with the pinned pulumi launcher unable to download its CLI, migrate is the one line every command gives, exit 2", async () => {
  const pinned = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    }
  ).devDependencies.pulumi!;
  const env = cleanEnv({
    PATH: [join(ROOT, "node_modules", ".bin"), dirname(process.execPath), "/usr/bin", "/bin"].join(
      ":",
    ),
    PULUMI_HOME: tempDir("pulumi-home"),
    NODE_OPTIONS: `--require ${join(ROOT, "test", "helpers", "offline.cjs")}`,
  });
  const result = await runScript("rotate", ["migrate", "--stack", "dev", "--dry-run"], {
    env,
    timeoutMs: 60_000,
  });
  expect([result.code, result.stdout]).toEqual([2, ""]);
  expect(result.stderr).toContain(
    `The Pulumi CLI could not be started: the pulumi npm package could not download Pulumi ${pinned} (fetch failed).`,
  );
}, 60_000);
