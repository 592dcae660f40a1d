/** What the rotator accepts as its list, and the ledger it keeps in a secret's annotations. */

import { readFileSync } from "node:fs";
import { Failure } from "../../src/cli/failure.ts";
import { readStackFile, stackReader } from "../../src/config/stack-file.ts";
import { planStack } from "../../src/offline-plan/plan.ts";
import { ledgerAnnotations, readLedger } from "../../src/rotate/ledger.ts";
import { parseRotation } from "../../src/rotate/outputs.ts";
import { ROTATION } from "../helpers/rotate-world.ts";
import { ROOT } from "../helpers/verify-cli.ts";

const outputs = (rotation: unknown) => JSON.stringify({ project: "acme-gemini-dev", rotation });
const refusal = (json: string): string => {
  try {
    parseRotation(json, "outputs.json");
  } catch (err) {
    if (err instanceof Failure) return `${err.exitCode} ${err.message}`;
    throw err;
  }
  return "accepted";
};

describe("the rotation list", () => {
  test("is the rotation output as the stack exports it", () => {
    expect(parseRotation(outputs(ROTATION), "outputs.json")).toEqual({
      source: "outputs.json",
      ...ROTATION,
    });
  });

  test("the committed dev stack gives, offline, exactly the list these tests rotate", async () => {
    const plan = await planStack({
      stack: "dev",
      stackFile: "stacks/Pulumi.dev.yaml",
      file: readStackFile(ROOT, "dev"),
      readStack: stackReader(ROOT, (p) => readFileSync(p, "utf8")),
    });
    expect(parseRotation(JSON.stringify(plan.outputs), "plan")).toEqual({
      source: "plan",
      ...ROTATION,
    });
  });

  test("outputs of a stack deployed before the display name was exported: the config's default", () => {
    const older: Record<string, unknown> = { ...ROTATION.keys[1] };
    delete older.displayName;
    const list = parseRotation(outputs({ ...ROTATION, keys: [older] }), "outputs.json");
    expect(list.keys[0]).toMatchObject({ displayName: "Gemini API (gak-gemini-dev)" });
  });

  test("outputs of a stack deployed before keys named their service: a Gemini API key", () => {
    const older: Record<string, unknown> = { ...ROTATION.keys[1] };
    delete older.service;
    const list = parseRotation(outputs({ ...ROTATION, keys: [older] }), "outputs.json");
    expect(list.keys[0]).toMatchObject({ service: "generativelanguage.googleapis.com" });
  });

  test("a Vertex key keeps its service and the model its proof calls", () => {
    const vertex = {
      ...ROTATION.keys[1],
      service: "aiplatform.googleapis.com",
      model: "gemini-3.8-flash",
    };
    const list = parseRotation(outputs({ ...ROTATION, keys: [vertex] }), "outputs.json");
    expect(list.keys[0]).toEqual(vertex);
  });

  test("outputs of a stack deployed before the grace period was exported: the config's default, 24 hours", () => {
    const older: Record<string, unknown> = { ...ROTATION };
    delete older.unmanagedKeyGraceHours;
    expect(parseRotation(outputs(older), "outputs.json").unmanagedKeyGraceHours).toBe(24);
  });

  test.each([
    [
      "a display name over the API's 63 characters",
      outputs({ ...ROTATION, keys: [{ ...ROTATION.keys[1], displayName: "G".repeat(64) }] }),
      `2 outputs.json: rotation.keys[0].displayName is "${"G".repeat(64)}", not what the kit exports.`,
    ],
    [
      "a display name with a line break",
      outputs({ ...ROTATION, keys: [{ ...ROTATION.keys[1], displayName: "Gemini\nPASS" }] }),
      '2 outputs.json: rotation.keys[0].displayName is "Gemini\\nPASS", not what the kit exports.',
    ],
    [
      "a service no kit key is restricted to",
      outputs({ ...ROTATION, keys: [{ ...ROTATION.keys[1], service: "storage.googleapis.com" }] }),
      '2 outputs.json: rotation.keys[0].service is "storage.googleapis.com", not what the kit exports.',
    ],
    [
      "a Vertex key without the model its proof calls",
      outputs({
        ...ROTATION,
        keys: [{ ...ROTATION.keys[1], service: "aiplatform.googleapis.com" }],
      }),
      "2 outputs.json: rotation.keys[0].model is missing, not what the kit exports.",
    ],
  ])("refuses %s", (_what, json, message) => {
    expect(refusal(json)).toBe(message);
  });

  test.each([
    ["not JSON", "{", "2 outputs.json is not valid JSON."],
    [
      "another kit's outputs",
      JSON.stringify({ rotation: ROTATION }),
      '2 outputs.json has no "project" output, so it is not this kit\'s stack outputs.',
    ],
    [
      "a stack from before the rotator",
      JSON.stringify({ project: "p" }),
      '2 outputs.json has no "rotation" output: the stack was last deployed by an earlier version of the kit.',
    ],
    [
      "a period over 90 days",
      outputs({ ...ROTATION, periodDays: 400 }),
      "2 outputs.json: rotation.periodDays is 400, not a whole number of days from 1 to 90.",
    ],
    [
      "a grace period for unmanaged keys of zero hours",
      outputs({ ...ROTATION, unmanagedKeyGraceHours: 0 }),
      "2 outputs.json: rotation.unmanagedKeyGraceHours is 0, not a whole number of hours from 1 to 720.",
    ],
    [
      "a secret that is not a resource name",
      outputs({ ...ROTATION, keys: [{ ...ROTATION.keys[0], secret: "gak-runtime-key-dev" }] }),
      '2 outputs.json: rotation.keys[0].secret is "gak-runtime-key-dev", not what the kit exports.',
    ],
    [
      "an account that is not a service account",
      outputs({ ...ROTATION, keys: [{ ...ROTATION.keys[0], account: "alice@example.com" }] }),
      '2 outputs.json: rotation.keys[0].account is "alice@example.com", not what the kit exports.',
    ],
    [
      "an unknown kind",
      outputs({ ...ROTATION, keys: [{ ...ROTATION.keys[0], kind: "hmac-key" }] }),
      '2 outputs.json: rotation.keys[0].kind is "hmac-key"; the kit rotates "service-account-key" and "api-key".',
    ],
    [
      "an API key prefix with no room for the date",
      outputs({ ...ROTATION, keys: [{ ...ROTATION.keys[1], keyIdPrefix: "a".repeat(48) }] }),
      `2 outputs.json: rotation.keys[0].keyIdPrefix is "${"a".repeat(48)}", not what the kit exports.`,
    ],
    [
      "two keys in one secret",
      outputs({
        ...ROTATION,
        keys: [ROTATION.keys[0], { ...ROTATION.keys[1], secret: ROTATION.keys[0]!.secret }],
      }),
      `2 outputs.json: two keys go in the secret ${ROTATION.keys[0]!.secret}; each key needs its own.`,
    ],
  ])("refuses %s with exit 2 and a message that says what is wrong", (_what, json, message) => {
    expect(refusal(json)).toBe(message);
  });
});

describe("the ledger in a secret's annotations", () => {
  test("keeps which version holds which key, the note of a run under way, and everyone else's annotations as they are", () => {
    const note = {
      since: "2026-12-04T03:00:00.000Z",
      until: "2026-12-04T03:25:00.000Z",
      newestVersion: 12,
      existing: ["k3"],
      keyId: "k13",
    };
    const annotations = {
      owner: "platform",
      "gemini-access-kit.v3": "k3",
      "gemini-access-kit.v12": "k12@2026-12-04T03:01:02.000Z",
      "gemini-access-kit.pending": JSON.stringify(note),
    };
    const ledger = readLedger(annotations);
    expect([...ledger.versions]).toEqual([
      [3, "k3"],
      [12, "k12"],
    ]);
    // When an entry was recorded, where the kit wrote it (entries from before it did have none).
    expect([...ledger.recorded]).toEqual([[12, "2026-12-04T03:01:02.000Z"]]);
    expect(ledger.pending).toEqual(note);
    expect(ledger.others).toEqual({ owner: "platform" });
    expect(ledgerAnnotations(ledger)).toEqual(annotations);
  });

  test("a note it cannot read is marked as such, and nothing is taken from it", () => {
    for (const text of [
      "{not json",
      '{"since":"2026-12-04T03:00:00Z"}',
      '{"since":"x","until":"y","newestVersion":1}',
    ]) {
      const ledger = readLedger({ "gemini-access-kit.pending": text });
      expect([ledger.pending, ledger.unreadableNote]).toEqual([undefined, true]);
    }
  });

  test("every annotation key it writes is one Secret Manager accepts (1-63 characters, alphanumeric at both ends)", () => {
    const keys = Object.keys(
      ledgerAnnotations({
        versions: new Map([[999_999_999, "k"]]),
        recorded: new Map(),
        pending: { since: "x", until: "y", newestVersion: 1 },
        others: {},
      }),
    );
    for (const key of keys)
      expect(key).toMatch(/^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/);
  });
});
