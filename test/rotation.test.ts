import { currentPeriod, keySlots, periodStart } from "../src/rotation";

describe("key rotation", () => {
  test("a new stack has one key slot, so every key it issues is stored", () => {
    expect(keySlots(0)).toEqual([{ slot: "a", period: 0, current: true }]);
  });

  test("from the second period on, the previous period's key stays beside the current one", () => {
    expect(keySlots(1)).toEqual([
      { slot: "a", period: 0, current: false },
      { slot: "b", period: 1, current: true },
    ]);
    expect(keySlots(2)).toEqual([
      { slot: "b", period: 1, current: false },
      { slot: "a", period: 2, current: true },
    ]);
  });

  test("a rotation replaces exactly one slot: the one whose key is two periods old", () => {
    for (let period = 1; period < 10; period++) {
      const before = new Map(keySlots(period).map((s) => [s.slot, s.period]));
      const after = new Map(keySlots(period + 1).map((s) => [s.slot, s.period]));
      const changed = [...after].filter(([slot, p]) => before.get(slot) !== p);
      expect(changed).toHaveLength(1);
      // The key that survives is the one that was current: a consumer who read latest still holds a valid key.
      const current = keySlots(period).find((s) => s.current)!;
      expect(after.get(current.slot)).toBe(current.period);
    }
  });

  test("periods are counted in whole days from the start date, in UTC", () => {
    expect(currentPeriod("2026-11-01", 30, new Date("2026-11-30T23:59:59Z"))).toBe(0);
    expect(currentPeriod("2026-11-01", 30, new Date("2026-12-01T00:00:00Z"))).toBe(1);
    expect(currentPeriod("2026-11-01", 45, new Date("2027-03-01T00:00:00Z"))).toBe(2);
    expect(periodStart("2026-11-01", 30, 1)).toBe("2026-12-01");
  });
});
