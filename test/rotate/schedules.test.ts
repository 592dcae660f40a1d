/**
 * The rotator's invariants over many seeded schedules (the fault-injection report's families as one
 * property): runs spaced anyhow (minutes to two periods), reads that lag writes (the fake's
 * readLagMs: lists and gets leave out what was made less than the lag ago), and at most one fault
 * in a run (a 503 on a call that changes something, its answer lost before or after Google acted).
 * After every run:
 * - I1: the newest enabled version of each secret holds a key Google accepts;
 * - I2: a key that was the newest is deleted only a full period after a newer version replaced it,
 *   on Google's clock (the versions' createTime and the moment of the delete);
 * - I3: a run adds at most one version a secret;
 * - I4: a key the rotator did not make is deleted only once past the grace period (24 hours after
 *   it was made, without --prune), and only when it is a key of the stack's account: another
 *   team's API key never;
 * - I5: a version is destroyed only once its key is deleted: never a live key without its version;
 * - I6: a new key only when the newest is a period old (or no longer works): never a second one early.
 * A violation names the seed, so it reproduces.
 */

import {
  CHANGING,
  heldKey,
  KEY_SECRET,
  API_KEY_SECRET,
  RUNTIME,
  rotateInProcess,
  startRotateWorld,
  type RotateWorld,
} from "../helpers/rotate-world.ts";
import type { Route } from "../helpers/google/state.ts";

const PERIOD_MS = 30 * 86_400_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const GAPS = [
  2 * MINUTE,
  20 * MINUTE,
  2 * HOUR,
  6 * HOUR,
  DAY,
  7 * DAY,
  29 * DAY,
  31 * DAY,
  45 * DAY,
  61 * DAY,
];
const LAGS = [0, 10_000, 10 * MINUTE, 3 * HOUR];
const SCHEDULES = 24;
const GRACE_MS = 24 * HOUR;
/** How many schedules saw the person's key deleted: the grace period's check is not vacuous. */
let personPruned = 0;
const RUNS = 9;

/** mulberry32: a small seeded generator, so a failing schedule can be run again by its seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What each secret's enabled versions hold, oldest first: the key id, and when the version was added. */
function held(
  world: RotateWorld,
  secret: string,
): { key: string; added: number; number: number }[] {
  return world.google.state.secrets
    .get(secret)!
    .versions.filter((v) => v.state === "ENABLED" && v.data !== undefined)
    .map((v) => ({
      // A string no API key has is kept as it is: the check then finds no key for it.
      key: heldKey(world, v.data) ?? v.data!.toString("utf8"),
      added: Date.parse(v.createTime),
      number: v.number,
    }));
}

function accepted(world: RotateWorld, secret: string, key: string): boolean {
  if (secret === KEY_SECRET) {
    const k = world.google.state.accounts.get(RUNTIME)?.get(key);
    return k !== undefined && !k.disabled;
  }
  const r = world.google.state.apiKeyRecords.get(key);
  return r !== undefined && r.deleteTime === undefined;
}

async function schedule(seed: number): Promise<string[]> {
  const random = generator(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const world = await startRotateWorld();
  const violations: string[] = [];
  try {
    world.google.state.readLagMs = pick(LAGS);
    // Keys someone else made: the rotator may delete the account's after the grace period, never the other.
    const personMade = world.time.now;
    const person = world.google.addServiceAccount(RUNTIME, "acme-gemini-dev").keyId;
    const now = new Date(world.time.now).toISOString();
    world.google.state.apiKeyRecords.set("maps-2023", {
      keyId: "maps-2023",
      uid: "uid-maps-2023",
      displayName: "Maps (2023)",
      keyString: "AIza-not-the-rotators",
      createTime: now,
      updateTime: now,
      annotations: {},
      refusalsLeft: 0,
    });
    // When each key was deleted, on Google's clock.
    const deletedAt = new Map<string, number>();
    for (const route of ["iamKeys.delete", "apiKeys.delete"] as Route[])
      world.google.state.hooks.set(route, (r) => {
        const id = r.path.split("/").pop()!;
        if (!deletedAt.has(id)) deletedAt.set(id, world.time.now);
      });
    // When each key stopped being the newest: the createTime of the version that replaced it.
    const replacedAt = new Map<string, number>();
    const wasNewest = new Set<string>();
    // What each version held while it could be read, by `secret#number`.
    const keyOfVersion = new Map<string, string>();
    for (let run = 0; run < RUNS; run++) {
      world.time.now += pick(GAPS);
      const fault = random() < 0.3 ? { route: pick(CHANGING), lost: random() < 0.5 } : undefined;
      if (fault !== undefined)
        world.google.failNext(fault.route, {
          status: 503,
          body: { error: { code: 503, message: "Unavailable.", status: "UNAVAILABLE" } },
          afterHandling: fault.lost,
        });
      const before = [KEY_SECRET, API_KEY_SECRET].map((s) => held(world, s).at(-1));
      const counts = [KEY_SECRET, API_KEY_SECRET].map(
        (s) => world.google.state.secrets.get(s)!.versions.length,
      );
      const label = `seed ${seed}, run ${run}, lag ${world.google.state.readLagMs} ms${fault ? `, ${fault.route} failing${fault.lost ? " after acting" : ""}` : ""}`;
      await rotateInProcess(world, ["--retries", "0"]);
      world.google.state.faults.clear();
      for (const [i, secret] of [KEY_SECRET, API_KEY_SECRET].entries()) {
        const versions = held(world, secret);
        const added = world.google.state.secrets.get(secret)!.versions.length - counts[i]!;
        if (added > 1) violations.push(`${label}: I3 ${secret} got ${added} versions in one run`);
        const previous = before[i];
        if (
          added > 0 &&
          previous !== undefined &&
          versions.at(-1)!.added - previous.added < PERIOD_MS &&
          accepted(world, secret, previous.key)
        )
          violations.push(
            `${label}: I6 ${secret} rotated ${((versions.at(-1)!.added - previous.added) / DAY).toFixed(2)} days after its last rotation, while that key still worked`,
          );
        for (const v of versions) keyOfVersion.set(`${secret}#${v.number}`, v.key);
        for (const v of world.google.state.secrets.get(secret)!.versions) {
          const key = keyOfVersion.get(`${secret}#${v.number}`);
          if (v.state === "DESTROYED" && key !== undefined && accepted(world, secret, key))
            violations.push(
              `${label}: I5 ${secret} version ${v.number} destroyed while its key ${key} is still live`,
            );
        }
        const newest = versions.at(-1);
        if (newest !== undefined) {
          wasNewest.add(newest.key);
          if (!accepted(world, secret, newest.key))
            violations.push(
              `${label}: I1 ${secret}'s newest version holds ${newest.key}, which Google no longer accepts`,
            );
        }
        for (let v = 0; v + 1 < versions.length; v++)
          if (!replacedAt.has(versions[v]!.key))
            replacedAt.set(versions[v]!.key, versions[v + 1]!.added);
      }
      for (const [key, at] of deletedAt) {
        if (!wasNewest.has(key)) continue;
        const replaced = replacedAt.get(key);
        if (replaced === undefined || at - replaced < PERIOD_MS)
          violations.push(
            `${label}: I2 ${key} deleted ${replaced === undefined ? "while no newer version replaced it" : `${((at - replaced) / DAY).toFixed(2)} days after it was replaced`}`,
          );
        wasNewest.delete(key);
      }
      if (deletedAt.has("maps-2023"))
        violations.push(`${label}: I4 another team's API key was deleted`);
      if (deletedAt.has(person) && deletedAt.get(person)! - personMade < GRACE_MS)
        violations.push(
          `${label}: I4 a key the rotator did not make was deleted ${((deletedAt.get(person)! - personMade) / HOUR).toFixed(2)} h after it was made, within the grace period`,
        );
    }
    if (deletedAt.has(person)) personPruned++;
  } finally {
    await world.google.close();
  }
  return violations;
}

test(`${SCHEDULES} seeded schedules of ${RUNS} runs, under lag and single faults, keep every invariant`, async () => {
  const violations: string[] = [];
  for (let seed = 1; seed <= SCHEDULES; seed++) violations.push(...(await schedule(seed)));
  expect(violations).toEqual([]);
  expect(personPruned).toBeGreaterThan(0);
}, 120_000);
