/**
 * The rotation policy (src/rotation.ts) over any history of runs: fast-check draws the period and
 * the days between runs, and every run applies what planRotation says, as the rotator does.
 */

import fc from "fast-check";
import { API_KEY_ID } from "../src/naming.ts";
import {
  API_KEY_SUFFIX_LENGTH,
  DAY_MS,
  planRotation,
  rotatedApiKeyId,
  type StoredKey,
} from "../src/rotation.ts";

const START = Date.parse("2026-11-02T04:17:00Z");

interface History {
  /** What the secret holds after each run. */
  after: StoredKey[][];
  /** When each key stopped being the newest, and when it was retired. */
  superseded: Map<string, number>;
  retired: Map<string, number>;
  /** For each retirement, whether the retired key was the newest key the secret held when it went. */
  retiredNewest: boolean[];
}

/** Runs the policy at START + each gap in turn, creating and retiring keys as it says. */
function simulate(periodDays: number, gapsHours: number[]): History {
  let stored: StoredKey[] = [];
  let version = 0;
  let now = START;
  const history: History = {
    after: [],
    superseded: new Map(),
    retired: new Map(),
    retiredNewest: [],
  };
  for (const gap of gapsHours) {
    now += gap * 3_600_000;
    const plan = planRotation(stored, periodDays, new Date(now));
    if (plan.create) {
      const newest = plan.keep[0];
      if (newest !== undefined) history.superseded.set(newest.keyId, now);
      version++;
      stored = [
        ...plan.keep,
        { keyId: `k${version}`, version, storedAt: new Date(now).toISOString() },
      ];
    } else stored = plan.keep;
    const newest = Math.max(...stored.map((k) => k.version));
    for (const key of plan.retire) {
      history.retired.set(key.keyId, now);
      history.retiredNewest.push(key.version >= newest);
    }
    history.after.push(stored);
  }
  return history;
}

const runs = fc.record({
  periodDays: fc.integer({ min: 1, max: 90 }),
  // Daily runs mostly, with outages of up to four months between some of them.
  gapsHours: fc.array(fc.oneof(fc.constant(24), fc.integer({ min: 1, max: 24 * 120 })), {
    minLength: 1,
    maxLength: 80,
  }),
});

describe("the rotation policy, for any period and any spacing of runs", () => {
  test("after a run the secret holds one or two of the rotator's keys, the newest younger than the period", () => {
    fc.assert(
      fc.property(runs, ({ periodDays, gapsHours }) => {
        let now = START;
        const { after } = simulate(periodDays, gapsHours);
        after.forEach((stored, i) => {
          now += gapsHours[i]! * 3_600_000;
          expect(stored.length).toBeGreaterThanOrEqual(1);
          expect(stored.length).toBeLessThanOrEqual(2);
          const newest = Math.max(...stored.map((k) => Date.parse(k.storedAt)));
          expect(now - newest).toBeLessThan(periodDays * DAY_MS);
        });
      }),
    );
  });

  test("a key stays valid for at least one period after a newer key replaces it as latest", () => {
    fc.assert(
      fc.property(runs, ({ periodDays, gapsHours }) => {
        const { superseded, retired } = simulate(periodDays, gapsHours);
        for (const [keyId, at] of retired)
          expect(at - superseded.get(keyId)!).toBeGreaterThanOrEqual(periodDays * DAY_MS);
      }),
    );
  });

  test("a key is never retired while it is the newest, nor before a newer one replaced it", () => {
    fc.assert(
      fc.property(runs, ({ periodDays, gapsHours }) => {
        const { superseded, retired, retiredNewest } = simulate(periodDays, gapsHours);
        expect(retiredNewest.every((wasNewest) => !wasNewest)).toBe(true);
        for (const keyId of retired.keys()) expect(superseded.has(keyId)).toBe(true);
      }),
    );
  });

  test("a second run at the same moment changes nothing", () => {
    fc.assert(
      fc.property(
        runs,
        fc.integer({ min: 0, max: 24 * 200 }),
        ({ periodDays, gapsHours }, laterHours) => {
          const { after } = simulate(periodDays, gapsHours);
          const stored = after.at(-1)!;
          const now = new Date(
            Math.max(...stored.map((k) => Date.parse(k.storedAt))) + laterHours * 3_600_000,
          );
          const first = planRotation(stored, periodDays, now);
          const next = first.create
            ? [...first.keep, { keyId: "new", version: 1e6, storedAt: now.toISOString() }]
            : first.keep;
          const second = planRotation(next, periodDays, now);
          expect([second.create, second.retire]).toEqual([false, []]);
          expect(new Set(second.keep)).toEqual(new Set(next));
        },
      ),
    );
  });

  test("with no key yet, a key is made; at exactly one period, the next one", () => {
    expect(planRotation([], 30, new Date(START))).toEqual({ create: true, keep: [], retire: [] });
    const key = { keyId: "a", version: 1, storedAt: new Date(START).toISOString() };
    expect(planRotation([key], 30, new Date(START + 30 * DAY_MS - 1)).create).toBe(false);
    expect(planRotation([key], 30, new Date(START + 30 * DAY_MS))).toMatchObject({
      create: true,
      keep: [key],
      retire: [],
    });
  });
});

describe("the rotator's API key ids", () => {
  test("are the stack's prefix and the UTC second, a valid API key id, of the documented length", () => {
    expect(rotatedApiKeyId("gak-gemini-dev", new Date("2026-12-04T03:30:07.900Z"))).toBe(
      "gak-gemini-dev-20261204-033007",
    );
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("2000-01-01"), max: Date.parse("2999-12-31") }),
        (at) => {
          const id = rotatedApiKeyId("gak-gemini-dev", new Date(at));
          expect(API_KEY_ID.pattern.test(id)).toBe(true);
          expect(id.length).toBe("gak-gemini-dev".length + API_KEY_SUFFIX_LENGTH);
        },
      ),
    );
  });

  test("differ for keys made a second apart and sort in the order they were made", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("2026-01-01"), max: Date.parse("2030-01-01") }),
        fc.integer({ min: 1000, max: 10 * 365 * DAY_MS }),
        (at, later) => {
          const a = rotatedApiKeyId("p", new Date(at));
          const b = rotatedApiKeyId("p", new Date(at + later));
          expect(a < b).toBe(true);
        },
      ),
    );
  });
});
