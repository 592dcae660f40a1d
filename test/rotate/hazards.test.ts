/**
 * The rotator where Google is not tidy: lists that lag behind a change by minutes (Secret Manager's
 * and IAM's are eventually consistent: cloud.google.com/secret-manager/docs/reference/consistency),
 * clocks that disagree, answers lost after Google acted, two runs at once, keys Google disabled, and
 * keys someone else made. In none may the key the secret's newest version holds be revoked, or a
 * key the rotator did not make be deleted within its grace period without --prune.
 */

import { liveApiKeys } from "../helpers/google/api-keys.ts";
import { keyIds } from "../helpers/google/iam-keys.ts";
import { googleError } from "../helpers/google/respond.ts";
import { PROJECT_NUMBER, type SecretVersion } from "../helpers/google/state.ts";
import {
  KEY_SECRET,
  API_KEY_SECRET,
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

/** The default proof timeout's lease (600 s and 15 minutes) and a minute, in days. */
const LEASE_DAYS = (600 + 15 * 60 + 60) / 86_400;
const newest = () =>
  secretVersions(world, KEY_SECRET)
    .filter((v) => v.state === "ENABLED")
    .at(-1);
const live = () => keyIds(world.google.state, RUNTIME);
const actions = (r: Awaited<ReturnType<typeof rotateInProcess>>, entry = 0) =>
  r.result.keys[entry]!.keys.map((l) => [l.action, l.keyId]);
const unavailable = {
  status: 503,
  body: googleError(503, "UNAVAILABLE", "The service is currently unavailable."),
};

/** Leaves out of the next list of versions the ones `hide` picks, as a list that has not caught up does. */
function lagVersionsOnce(hide: (v: SecretVersion) => boolean): void {
  const secret = world.google.state.secrets.get(KEY_SECRET)!;
  world.google.state.hooks.set("versions.list", () => {
    world.google.state.hooks.delete("versions.list");
    const all = secret.versions;
    secret.versions = all.filter((v) => !hide(v));
    setImmediate(() => (secret.versions = all));
  });
}

describe("the key the newest version holds is never revoked", () => {
  test("when a list of versions does not show the newest yet: it is read by its number, and kept", async () => {
    await rotateInProcess(world, []);
    world.advance(30);
    await rotateInProcess(world, []);
    const v2 = newest()!;
    lagVersionsOnce((v) => v.number === v2.number);
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    expect(live()).toContain(v2.holds);
    expect(newest()).toEqual(v2);
  });

  test("when a list of keys does not show the newest key yet: it is read by its id, and its version kept", async () => {
    await rotateInProcess(world, []);
    world.advance(30);
    await rotateInProcess(world, []);
    const v2 = newest()!;
    const keys = world.google.state.accounts.get(RUNTIME)!;
    world.google.state.hooks.set("iamKeys.list", () => {
      world.google.state.hooks.delete("iamKeys.list");
      const hidden = keys.get(v2.holds!)!;
      keys.delete(v2.holds!);
      setImmediate(() => keys.set(hidden.keyId, hidden));
    });
    await rotateInProcess(world, []);
    expect(newest()).toEqual(v2);
    expect(live()).toContain(v2.holds);
  });

  test("when the answer to adding the version is lost and the lists fail too: the key stays, and the next run records it", async () => {
    world.google.state.hooks.set("versions.add", () => {
      world.google.state.hooks.delete("versions.add");
      world.google.failNext("versions.add", { ...unavailable, afterHandling: true });
      world.google.failNext(
        "versions.list",
        unavailable,
        unavailable,
        unavailable,
        unavailable,
        unavailable,
        unavailable,
      );
    });
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.status).toBe("failed");
    expect(run.result.keys[0]!.error!.fix).toContain(
      "The note in the secret lets the next run (after its lease) finish it",
    );
    const stored = newest()!;
    expect(live()).toEqual([stored.holds]);
    world.advance(LEASE_DAYS);
    const next = await rotateInProcess(world, []);
    expect(actions(next)).toEqual([["adopted", stored.holds]]);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({
      "gemini-access-kit.v1": recordedAs(stored.holds),
    });
  });

  test("when the rotator's clock runs ahead of Google's: a run killed after storing its key is recorded, not taken for an orphan", async () => {
    world.google.state.now = () => world.time.now - 90_000;
    // Every write that would record version 1 is lost, as when the run dies right after adding it.
    world.google.state.hooks.set("secret.patch", (r) =>
      r.body.includes("gemini-access-kit.v1") ? "drop" : undefined,
    );
    await rotateInProcess(world, ["--retries", "0"]);
    world.google.state.hooks.delete("secret.patch");
    const stored = newest()!;
    world.advance(LEASE_DAYS);
    const next = await rotateInProcess(world, []);
    expect(actions(next)).toEqual([["adopted", stored.holds]]);
    expect(live()).toEqual([stored.holds]);
  });

  test("when Google disabled the newest key (as exposed): a new key is made at once, and the disabled one retired after it", async () => {
    await rotateInProcess(world, []);
    const [exposed] = live();
    world.google.state.accounts.get(RUNTIME)!.get(exposed!)!.disabled = true;
    world.advance(1);
    const run = await rotateInProcess(world, []);
    expect(actions(run)).toEqual([
      ["rotated", expect.any(String)],
      ["pruned", exposed],
    ]);
    expect(run.result.keys[0]!.keys[1]!.detail).toContain("disabled in Google");
    expect(newest()!.holds).not.toBe(exposed);
  });
});

describe("two runs at once", () => {
  test("a second run while the first proves its key leaves the secret alone, and the first finishes as if alone", async () => {
    await rotateInProcess(world, []);
    world.advance(30);
    let second: Awaited<ReturnType<typeof rotateInProcess>> | undefined;
    world.google.state.hooks.set("models", async () => {
      if (second !== undefined) return;
      world.google.state.hooks.delete("models");
      second = await rotateInProcess(world, []);
    });
    const first = await rotateInProcess(world, []);
    expect(second!.result.keys.map((k) => k.error?.reason)).toEqual(["ROTATION_UNSAFE", undefined]);
    expect(second!.result.keys[0]!.error!.message).toMatch(
      /Another rotation of .* began at .* and may still be running/,
    );
    expect(first.result.keys[0]!.status).toBe("rotated");
    expect(live()).toContain(newest()!.holds);
    expect(secretVersions(world, KEY_SECRET).map((v) => v.state)).toEqual(["ENABLED", "ENABLED"]);
  });

  test("a ledger another run changed meanwhile stops this run instead of being overwritten", async () => {
    world.google.state.hooks.set("secret.patch", () => {
      world.google.state.hooks.delete("secret.patch");
      const secret = world.google.state.secrets.get(KEY_SECRET)!;
      secret.annotations = { ...secret.annotations, "gemini-access-kit.v7": "another-runs-key" };
      secret.etag++;
    });
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.error).toMatchObject({
      reason: "ROTATION_UNSAFE",
      message: expect.stringContaining("Another rotation changed the ledger"),
    });
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations["gemini-access-kit.v7"]).toBe(
      "another-runs-key",
    );
  });
});

describe("a note's lease is never longer than a run can take", () => {
  const note = (since: string, until: string) => {
    const secret = world.google.state.secrets.get(KEY_SECRET)!;
    secret.annotations = {
      ...secret.annotations,
      "gemini-access-kit.pending": JSON.stringify({
        since,
        until,
        newestVersion: 1,
        existing: live(),
      }),
    };
    secret.etag++;
  };

  test("a note whose lease claims the year 9999 holds the secret only the longest proof timeout and 15 minutes from its start, then is taken as ended and said so", async () => {
    await rotateInProcess(world, []);
    const since = new Date(world.time.now).toISOString();
    note(since, "9999-12-31T23:59:59Z");
    world.time.now += 60_000;
    const held = await rotateInProcess(world, []);
    expect(held.result.keys[0]!.error).toMatchObject({
      reason: "ROTATION_UNSAFE",
      message: expect.stringContaining(
        `(its lease ends ${new Date(Date.parse(since) + 75 * 60_000).toISOString()}; the note claims it lasts until 9999-12-31T23:59:59Z, longer than any run takes`,
      ),
    });
    world.time.now += 75 * 60_000;
    const after = await rotateInProcess(world, []);
    expect(after.result.keys[0]!.status).toBe("current");
    expect(after.result.keys[0]!.keys[0]).toMatchObject({
      action: "unmanaged",
      keyId: "",
      detail: `the rotator's note claimed a lease until 9999-12-31T23:59:59Z, longer than any run holds (75 minutes from its start, ${since}); taken as ended at ${new Date(Date.parse(since) + 75 * 60_000).toISOString()}`,
    });
    expect(
      world.google.state.secrets.get(KEY_SECRET)!.annotations["gemini-access-kit.pending"],
    ).toBeUndefined();
  });

  test("a note that says it was written ahead of Google's clock holds nothing", async () => {
    await rotateInProcess(world, []);
    note("9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z");
    world.time.now += 60_000;
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.status).toBe("current");
    expect(run.result.keys[0]!.keys[0]!.detail).toContain(
      "the rotator's note claimed a lease until 9999-12-31T23:59:59Z",
    );
  });

  test("a note within the longest lease still holds the secret, even past this run's own proof timeout", async () => {
    await rotateInProcess(world, []);
    const since = world.time.now;
    note(new Date(since).toISOString(), new Date(since + 70 * 60_000).toISOString());
    world.time.now += 40 * 60_000;
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.error?.reason).toBe("ROTATION_UNSAFE");
  });
});

describe("keys the rotator did not make are never deleted within their grace period without --prune", () => {
  test("a key someone makes after an interrupted run's lease is not taken for that run's orphan", async () => {
    await rotateInProcess(world, []);
    const [k1] = live();
    const secret = world.google.state.secrets.get(KEY_SECRET)!;
    const since = world.time.now;
    secret.annotations = {
      ...secret.annotations,
      "gemini-access-kit.pending": JSON.stringify({
        since: new Date(since).toISOString(),
        until: new Date(since + 25 * 60_000).toISOString(),
        newestVersion: 1,
        existing: [k1],
      }),
    };
    secret.etag++;
    world.advance(1);
    const person = world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
    const run = await rotateInProcess(world, []);
    expect(live()).toContain(person.keyId);
    expect(run.result.keys[0]!.keys.find((l) => l.keyId === person.keyId)!.action).toBe(
      "unmanaged",
    );
  });

  test("a note that cannot be read deletes nothing, says so, and is cleared", async () => {
    const person = world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
    world.google.state.secrets.get(KEY_SECRET)!.annotations = {
      "gemini-access-kit.pending": "{written by hand",
    };
    const run = await rotateInProcess(world, []);
    expect(live()).toContain(person.keyId);
    expect(run.result.keys[0]!.keys[0]!.detail).toContain(
      "the rotator's note in the secret could not be read; nothing was inferred from it",
    );
    expect(
      world.google.state.secrets.get(KEY_SECRET)!.annotations["gemini-access-kit.pending"],
    ).toBeUndefined();
  });

  test("an API key that says the rotator made it, but that no version is recorded for, is left alone without a note", async () => {
    await rotateInProcess(world, []);
    world.google.state.secrets.get(API_KEY_SECRET)!.annotations = {};
    const [apiKey] = [...world.google.state.apiKeyRecords.keys()];
    world.advance(1);
    const run = await rotateInProcess(world, []);
    expect(world.google.state.apiKeyRecords.get(apiKey!)!.deleteTime).toBeUndefined();
    expect(run.result.keys[1]!.keys.find((l) => l.keyId === apiKey)).toMatchObject({
      action: "unmanaged",
      detail: expect.stringContaining(
        "made by the rotator for this secret but never recorded as stored",
      ),
    });
  });
});

describe("never two new keys", () => {
  test("a lost answer to making a key: that key, which no one can use, is never deleted as the rotator's (it cannot be told from one made by hand then); the run makes and stores another, and the next reports the first", async () => {
    world.google.failNext("iamKeys.create", { ...unavailable, afterHandling: true });
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.status).toBe("rotated");
    expect(world.google.requestsTo("iamKeys.create")).toHaveLength(2);
    expect(world.google.requestsTo("iamKeys.delete")).toHaveLength(0);
    const stored = newest()!.holds!;
    const [lost] = live().filter((k) => k !== stored);
    const next = await rotateInProcess(world, []);
    expect(actions(next)).toEqual([
      ["kept", stored],
      ["unmanaged", lost],
    ]);
    expect(live()).toHaveLength(2);
  });
});

describe("an answer that is not Google's never costs a key (the newcomer report's hostile proxy)", () => {
  const ok = (body: unknown) => ({ status: 200, body });
  const state = () => ({
    keys: live(),
    apiKeys: liveApiKeys(world.google.state),
    versions: secretVersions(world, KEY_SECRET),
    apiVersions: secretVersions(world, API_KEY_SECRET),
  });

  test("R1: lists of versions answering {} and reads of one answering {}: a malformed answer, each key fails, nothing is deleted or destroyed", async () => {
    await rotateInProcess(world, []);
    world.advance(31);
    await rotateInProcess(world, []);
    world.advance(31);
    const before = state();
    world.google.failNext("versions.list", ...Array<ReturnType<typeof ok>>(8).fill(ok({})));
    world.google.failNext("versions.get", ...Array<ReturnType<typeof ok>>(8).fill(ok({})));
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(1);
    expect(run.result.keys.map((k) => [k.status, k.error?.reason])).toEqual([
      ["failed", "MALFORMED_RESPONSE"],
      ["failed", "MALFORMED_RESPONSE"],
    ]);
    expect(state()).toEqual(before);
  });

  test("R2: a run interrupted after storing its key, recovered while reads answer {}: the stored key is not taken for an orphan", async () => {
    world.google.state.hooks.set("secret.patch", (r) =>
      r.body.includes("gemini-access-kit.v1") ? "drop" : undefined,
    );
    await rotateInProcess(world, ["--retries", "0"]);
    world.google.state.hooks.delete("secret.patch");
    const stored = newest()!;
    world.advance(LEASE_DAYS);
    world.google.failNext("versions.list", ...Array<ReturnType<typeof ok>>(4).fill(ok({})));
    world.google.failNext("versions.get", ...Array<ReturnType<typeof ok>>(4).fill(ok({})));
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]).toMatchObject({
      status: "failed",
      error: { reason: "MALFORMED_RESPONSE" },
    });
    expect(live()).toEqual([stored.holds]);
    expect(newest()).toEqual(stored);
  });

  test("R4: a version whose createTime is not a time is a malformed answer for that key alone; the next key rotates", async () => {
    await rotateInProcess(world, []);
    world.advance(31);
    const secret = `projects/${PROJECT_NUMBER}/secrets/gak-runtime-key-dev`;
    world.google.failNext(
      "versions.list",
      ok({
        versions: [{ name: `${secret}/versions/1`, createTime: "yesterday", state: "ENABLED" }],
      }),
    );
    const run = await rotateInProcess(world, []);
    expect(run.result.keys.map((k) => [k.status, k.error?.reason])).toEqual([
      ["failed", "MALFORMED_RESPONSE"],
      ["rotated", undefined],
    ]);
    expect(run.result.keys[0]!.error!.message).toMatch(/RFC 3339 createTime/);
  });
});

describe("the rotator deletes only keys it can prove it made (R3)", () => {
  test("a ledger entry written by anyone who may update the secret, naming another team's API key, never gets that key deleted", async () => {
    await rotateInProcess(world, []);
    world.advance(31);
    await rotateInProcess(world, []);
    const now = new Date(world.time.now).toISOString();
    world.google.state.apiKeyRecords.set("maps-prod", {
      keyId: "maps-prod",
      uid: "maps",
      displayName: "Maps (prod)",
      keyString: world.google.addApiKey(),
      createTime: now,
      updateTime: now,
      annotations: {},
      refusalsLeft: 0,
    });
    const secret = world.google.state.secrets.get(API_KEY_SECRET)!;
    const oldest = Math.min(
      ...Object.keys(secret.annotations).map((k) => Number(/\.v(\d+)$/.exec(k)?.[1] ?? 99)),
    );
    secret.annotations = { ...secret.annotations, [`gemini-access-kit.v${oldest}`]: "maps-prod" };
    secret.etag++;
    world.advance(31);
    const run = await rotateInProcess(world, []);
    expect(world.google.state.apiKeyRecords.get("maps-prod")!.deleteTime).toBeUndefined();
    expect(run.result.keys[1]!.keys.find((l) => l.keyId === "maps-prod")).toMatchObject({
      action: "unmanaged",
      detail: expect.stringContaining("nothing shows the rotator made it for this secret"),
    });
    expect(world.google.state.secrets.get(API_KEY_SECRET)!.annotations).not.toContain("maps-prod");
  });
});

describe("reads that lag writes never retire what was just made (W-2)", () => {
  test("a run minutes after another, while neither the new key nor its version shows yet: the ledger's recorded time makes it wait, and no second key is made", async () => {
    world.google.state.readLagMs = 10 * 60_000;
    await rotateInProcess(world, []);
    const [first] = live();
    world.time.now += 2 * 60_000;
    const run = await rotateInProcess(world, []);
    expect(run.result.keys.map((k) => k.status)).toEqual(["waiting", "waiting"]);
    expect(actions(run)).toEqual([["waiting", first]]);
    expect(run.result.keys[0]!.keys[0]!.detail).toContain(
      "recorded moments ago, and neither its key nor its version is visible yet",
    );
    expect(live()).toEqual([first]);
    expect(secretVersions(world, KEY_SECRET)).toHaveLength(1);
    // Once the reads catch up, the next run finds everything as it was left: current.
    world.time.now += 20 * 60_000;
    const later = await rotateInProcess(world, []);
    expect(later.result.keys.map((k) => k.status)).toEqual(["current", "current"]);
  });

  test("a version added moments ago that neither the list nor a read by number shows yet: the secret waits, nothing is made, deleted or destroyed", async () => {
    await rotateInProcess(world, []);
    world.advance(30);
    await rotateInProcess(world, []);
    const v2 = newest()!;
    const secret = world.google.state.secrets.get(KEY_SECRET)!;
    // Both reads of version 2 miss it, as an eventually consistent read may for hours.
    const all = secret.versions;
    world.google.state.hooks.set("versions.list", () => {
      secret.versions = all.filter((v) => v.number !== v2.number);
      setImmediate(() => (secret.versions = all));
    });
    world.google.state.hooks.set("versions.get", () => {
      secret.versions = all.filter((v) => v.number !== v2.number);
      setImmediate(() => (secret.versions = all));
    });
    world.advance(0.01);
    const before = [live(), secretVersions(world, KEY_SECRET)];
    const run = await rotateInProcess(world, []);
    expect(run.result.exitCode).toBe(0);
    expect(run.result.keys[0]!.status).toBe("waiting");
    expect(run.result.keys[0]!.keys).toContainEqual(
      expect.objectContaining({ action: "waiting", keyId: v2.holds, version: v2.number }),
    );
    expect([live(), secretVersions(world, KEY_SECRET)]).toEqual(before);
  });

  test("a key made moments ago that neither the list nor a read by id shows yet: its version is kept, not destroyed", async () => {
    await rotateInProcess(world, []);
    world.advance(30);
    await rotateInProcess(world, []);
    const v2 = newest()!;
    const keys = world.google.state.accounts.get(RUNTIME)!;
    const hide = () => {
      const hidden = keys.get(v2.holds!)!;
      keys.delete(v2.holds!);
      setImmediate(() => keys.set(hidden.keyId, hidden));
    };
    world.google.state.hooks.set("iamKeys.list", hide);
    world.google.state.hooks.set("iamKeys.get", hide);
    world.advance(0.01);
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.status).toBe("waiting");
    expect(newest()).toEqual(v2);
    expect(live()).toContain(v2.holds);
  });
});

describe("consumers keep a working key under any schedule (the fault-injection families)", () => {
  test("a newest version disabled by hand: a new key is made at once, and the disabled version's key stays valid until its period is up, so enabling it again breaks no one", async () => {
    await rotateInProcess(world, []);
    world.advance(5);
    const v1 = newest()!;
    world.google.state.secrets.get(KEY_SECRET)!.versions.find((v) => v.number === 1)!.state =
      "DISABLED";
    const run = await rotateInProcess(world, []);
    expect(actions(run)[0]).toEqual(["rotated", expect.any(String)]);
    expect(live()).toContain(v1.holds);
    world.google.state.secrets.get(KEY_SECRET)!.versions.find((v) => v.number === 1)!.state =
      "ENABLED";
    world.advance(1);
    await rotateInProcess(world, []);
    expect(live()).toContain(v1.holds);
  });

  test("a key replaced early (its successor made at once) stays valid a full period after it was replaced, not after the one before it", async () => {
    await rotateInProcess(world, []);
    world.advance(29);
    await rotateInProcess(world, []);
    const [k1] = live();
    world.advance(2);
    // Day 31: the secret's newest key is due; k1's successor k2 is made, k1 kept.
    await rotateInProcess(world, []);
    const k2 = newest()!.holds!;
    expect(live()).toContain(k1);
    // k2 is exposed: k3 is made at once; k1 was replaced on day 31, so it goes on day 61, not now.
    world.google.state.accounts.get(RUNTIME)!.get(k2)!.disabled = true;
    world.advance(1);
    await rotateInProcess(world, []);
    expect(live()).toContain(k1);
    // Day 62: k3 is due; k1, replaced more than a period ago, goes with this rotation.
    world.advance(30);
    await rotateInProcess(world, []);
    expect(live()).not.toContain(k1);
  });

  test("a run whose own clock is days ahead of Google's still respects another run's lease: leases are Google's time", async () => {
    await rotateInProcess(world, []);
    world.advance(30);
    let second: Awaited<ReturnType<typeof rotateInProcess>> | undefined;
    world.google.state.hooks.set("models", async () => {
      if (second !== undefined) return;
      world.google.state.hooks.delete("models");
      // The second run's machine believes it is three days later.
      const saved = world.time.now;
      world.time.now += 3 * 86_400_000;
      const fakeNow = world.google.state.now;
      world.google.state.now = () => saved;
      second = await rotateInProcess(world, []);
      world.google.state.now = fakeNow;
      world.time.now = saved;
    });
    const first = await rotateInProcess(world, []);
    expect(second!.result.keys[0]!.error?.reason).toBe("ROTATION_UNSAFE");
    expect(first.result.keys[0]!.status).toBe("rotated");
    expect(secretVersions(world, KEY_SECRET).filter((v) => v.state === "ENABLED")).toHaveLength(2);
  });

  test("at IAM's ten keys an account, --prune deletes the keys the rotator did not make first (once older than the settle window), so the rotation can go ahead", async () => {
    await rotateInProcess(world, []);
    world.advance(30);
    for (let i = 0; i < 9; i++) world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
    world.time.now += 13 * 3_600_000;
    const stuck = await rotateInProcess(world, []);
    expect(stuck.result.keys[0]!.error?.reason).toBe("KEY_LIMIT_REACHED");
    expect(stuck.result.keys[0]!.alarms).toHaveLength(9);
    const run = await rotateInProcess(world, ["--prune"]);
    expect(run.result.keys[0]!.status).toBe("rotated");
    expect(live()).toHaveLength(2);
  });

  test("at IAM's ten keys an account, keys the rotator did not make past the grace period are deleted first, so the rotation goes ahead on its own", async () => {
    await rotateInProcess(world, []);
    world.advance(29);
    for (let i = 0; i < 9; i++) world.google.addServiceAccount(RUNTIME, "acme-gemini-dev");
    world.advance(1.5);
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[0]!.status).toBe("rotated");
    expect(live()).toHaveLength(2);
    expect(run.result.exitCode).toBe(1);
  });

  test("an API key made whose string cannot be read is deleted again, never left live and unrecorded", async () => {
    world.google.failNext("apiKeys.keyString", {
      status: 400,
      body: googleError(400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    });
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[1]!.status).toBe("failed");
    expect(liveApiKeys(world.google.state)).toEqual([]);
  });

  test("an API key whose operation cannot be read (403 on operations.get) is found by its id: deleted now, or by the next run", async () => {
    world.google.failNext("operations.get", {
      status: 403,
      body: googleError(403, "PERMISSION_DENIED", "Permission denied on the operation."),
    });
    const run = await rotateInProcess(world, []);
    expect(run.result.keys[1]!.status).toBe("failed");
    world.advance(LEASE_DAYS + 0.5);
    await rotateInProcess(world, []);
    const stored = secretVersions(world, API_KEY_SECRET).map((v) => v.holds);
    expect(liveApiKeys(world.google.state).filter((k) => !stored.includes(k))).toEqual([]);
  });
});

describe("the rotator's own clock decides nothing", () => {
  test("a machine whose clock runs 45 days ahead neither rotates early nor revokes the key consumers hold: ages are Google's time", async () => {
    await rotateInProcess(world, []);
    world.advance(10);
    await rotateInProcess(world, []);
    const before = [live(), secretVersions(world, KEY_SECRET)];
    world.time.now += 45 * 86_400_000;
    const fast = world.google.state.now;
    const google = world.time.now - 45 * 86_400_000;
    world.google.state.now = () => google;
    const run = await rotateInProcess(world, []);
    world.google.state.now = fast;
    expect(run.result.keys[0]!.status).toBe("current");
    expect([live(), secretVersions(world, KEY_SECRET)]).toEqual(before);
  });
});
