/**
 * Service-account key rotation as plain arithmetic on dates, so a stack decides which keys exist
 * before anything is registered.
 *
 * Time is cut into periods of `periodDays`, counted from the stack's `startDate` (period 0). Each
 * account has two key slots, "a" for even periods and "b" for odd ones. A slot holds the key issued
 * in the latest period of its parity, so at any time the current period's key and the previous
 * period's key both exist. When a new period begins, the next `pulumi up` replaces only the slot of
 * the new period's parity: the key issued two periods ago is revoked and a new key is issued, and the
 * key from the period just ended stays valid for one more period. A consumer that read `latest` from
 * the secret store therefore holds a key that lives at least until the rotation after next.
 *
 * A slot is declared only once its first period has begun, so a new stack issues exactly one key and
 * every key it ever issues is written to the secret store.
 */

export type SlotName = "a" | "b";

/** One key slot: which period's key it holds. */
export interface KeySlot {
  /** The slot's stable name, part of the resource name, so a rotation replaces in place. */
  slot: SlotName;
  /** The period whose key the slot holds; a change of it is what replaces the key. */
  period: number;
  /** True for the slot holding the newest key, the one `latest` in the secret store points to. */
  current: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether `text` is a real calendar day as YYYY-MM-DD. `Date.parse` rolls impossible days over
 * (2026-02-30 becomes March 2nd), so the day is rebuilt from its parts and compared.
 */
export function isCalendarDate(text: string): boolean {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (parts === null) return false;
  const day = new Date(Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3])));
  return day.toISOString().slice(0, 10) === text;
}

/** Days from startDate (YYYY-MM-DD, UTC) to now, rounded down; negative before the start date. */
export function daysSince(startDate: string, now: Date): number {
  const start = Date.parse(`${startDate}T00:00:00Z`);
  return Math.floor((now.getTime() - start) / DAY_MS);
}

/** The period that `now` falls in. */
export function currentPeriod(startDate: string, periodDays: number, now: Date): number {
  return Math.floor(daysSince(startDate, now) / periodDays);
}

/** The slots that exist in `period`, the current one last. */
export function keySlots(period: number): KeySlot[] {
  const current: KeySlot = { slot: period % 2 === 0 ? "a" : "b", period, current: true };
  if (period === 0) return [current];
  const previous: KeySlot = { slot: current.slot === "a" ? "b" : "a", period: period - 1, current: false };
  return [previous, current];
}

/** The first day of a period, for outputs that tell when the next rotation is due. */
export function periodStart(startDate: string, periodDays: number, period: number): string {
  const start = Date.parse(`${startDate}T00:00:00Z`);
  return new Date(start + period * periodDays * DAY_MS).toISOString().slice(0, 10);
}
