/**
 * A run that died leaves a note in the secret (ledger.ts): the next run, once the note's lease has
 * passed, finishes it. A key it made and stored but did not record is recorded (the version above
 * the newest it saw, read by number, since a list may lag); a key it made and never stored is
 * deleted. Only keys the note identifies count: the one it names, or, where Google chose the id,
 * one made during the lease that was not there before. Every other key is left alone.
 */

import { Failure } from "../cli/failure.ts";
import { MAX_LEASE_MS, type KeyLine } from "./procedure.ts";
import type { Api } from "../google/apis/call.ts";
import { getVersion, type Version } from "../google/apis/secret-manager.ts";
import type { SecretLedger } from "./ledger-store.ts";
import type { Pending } from "./ledger.ts";
import type { KeyStore, LiveKey } from "./stores.ts";

/** How far Google's clock and this one may disagree. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface RecoverDeps {
  api: Api;
  store: KeyStore;
  secret: string;
  dryRun: boolean;
  /** Google's time now, and how long its reads may lag a change (EntryDeps). */
  googleNow: () => number;
  settleMs: number;
}

/**
 * When a note's lease ends, on Google's clock: its `until`, but no later than the longest lease a
 * run can hold after `since` (a note claiming more, say until the year 9999, would otherwise stop
 * every run), and at once for a note that says it was written ahead of Google's clock, which no run
 * of the rotator wrote. `overlong` says the note claimed more than that.
 */
function leaseEnd(pending: Pending, now: number): { end: number; overlong: boolean } {
  const since = Date.parse(pending.since);
  const until = Date.parse(pending.until);
  if (since > now + CLOCK_SKEW_MS) return { end: Math.min(until, now), overlong: true };
  const cap = since + MAX_LEASE_MS;
  return until > cap ? { end: cap, overlong: true } : { end: until, overlong: false };
}

/** A note whose lease has not passed: another run may still be working on the secret. */
export function leaseHeld(
  pending: Pending | undefined,
  now: number,
  secret: string,
): Failure | undefined {
  if (pending === undefined) return undefined;
  const { end, overlong } = leaseEnd(pending, now);
  if (end <= now) return undefined;
  const claimed = overlong
    ? `; the note claims it lasts until ${pending.until}, longer than any run takes, so it is held only until then`
    : "";
  return new Failure(
    "ROTATION_UNSAFE",
    `Another rotation of ${secret} began at ${pending.since} and may still be running (its lease ends ${new Date(end).toISOString()}${claimed}).`,
    "Let it finish. If it died, run again after the lease ends: the next run then finishes what it left.",
  );
}

/** The keys among `live` that a run interrupted at `pending` made and never recorded. */
function madeBy(
  pending: Pending,
  leaseEndsAt: number,
  live: LiveKey[],
  known: ReadonlySet<string>,
): LiveKey[] {
  if (pending.keyId !== undefined)
    return live.filter((k) => k.id === pending.keyId && !known.has(k.id));
  const from = Date.parse(pending.since) - CLOCK_SKEW_MS;
  const to = leaseEndsAt + CLOCK_SKEW_MS;
  const existing = new Set(pending.existing ?? live.map((k) => k.id));
  return live.filter(
    (k) =>
      !known.has(k.id) &&
      !existing.has(k.id) &&
      Date.parse(k.createdAt) >= from &&
      Date.parse(k.createdAt) <= to,
  );
}

/** The version a run interrupted at `pending` added, if it added one no key is recorded for. */
async function addedBy(
  d: RecoverDeps,
  pending: Pending,
  versions: Version[],
  book: SecretLedger,
): Promise<number | undefined> {
  const candidates = new Set([
    pending.newestVersion + 1,
    ...versions.map((v) => v.number).filter((n) => n > pending.newestVersion),
  ]);
  for (const number of [...candidates].sort((a, b) => a - b)) {
    if (book.ledger.versions.has(number)) continue;
    if ((await getVersion(d.api, d.secret, number))?.state === "ENABLED") return number;
  }
  return undefined;
}

/**
 * Finishes what a dead run left; returns the keys that are still there, and a waiting line when
 * what it left cannot be judged yet (its version may not be visible: Google's reads lag).
 */
export async function recover(
  d: RecoverDeps,
  book: SecretLedger,
  versions: Version[],
  live: LiveKey[],
  lines: KeyLine[],
): Promise<{ live: LiveKey[]; waiting?: KeyLine }> {
  const { ledger } = book;
  if (ledger.unreadableNote) {
    lines.push({
      action: "unmanaged",
      keyId: "",
      detail:
        "the rotator's note in the secret could not be read; nothing was inferred from it, and it is cleared",
    });
  }
  const pending = ledger.pending;
  if (pending === undefined) {
    if (ledger.unreadableNote) await book.save();
    return { live };
  }
  const lease = leaseEnd(pending, d.googleNow());
  if (lease.overlong) {
    lines.push({
      action: "unmanaged",
      keyId: "",
      detail: `the rotator's note claimed a lease until ${pending.until}, longer than any run holds (${MAX_LEASE_MS / 60_000} minutes from its start, ${pending.since}); taken as ended at ${new Date(lease.end).toISOString()}`,
    });
  }
  const known = new Set(ledger.versions.values());
  let present = live;
  if (
    pending.keyId !== undefined &&
    !known.has(pending.keyId) &&
    !live.some((k) => k.id === pending.keyId)
  ) {
    const key = await d.store.get(pending.keyId);
    if (key !== undefined) present = [...live, key];
  }
  const gone = new Set<string>();
  for (const key of madeBy(pending, lease.end, present, known)) {
    if (pending.keyId !== key.id) {
      // Google chose the id and its answer was lost: a key made then cannot be told from one
      // someone made meanwhile, so it is never deleted as the run's.
      lines.push({
        action: "unmanaged",
        keyId: key.id,
        createdAt: key.createdAt,
        alarm: "UNMANAGED_KEY",
        detail:
          "made while an interrupted run was making a key whose answer was lost (its private half with it), or by someone else then; left alone now, and deleted as any key the rotator did not make once past the grace period",
      });
      continue;
    }
    const stored = pending.storing ? await addedBy(d, pending, versions, book) : undefined;
    if (stored !== undefined) {
      ledger.versions.set(stored, key.id);
      ledger.recorded.set(stored, new Date(d.googleNow()).toISOString());
      lines.push({
        action: "adopted",
        keyId: key.id,
        version: stored,
        detail: "stored by a run that was interrupted before it recorded it; recorded now",
      });
      continue;
    }
    if (pending.storing && d.googleNow() - Date.parse(key.createdAt) < d.settleMs) {
      // Its version may exist and not be visible yet: deleting the key could break it.
      return {
        live,
        waiting: {
          action: "waiting",
          keyId: key.id,
          detail:
            "made by an interrupted run that had begun storing it, and no version shows it yet (Google's reads lag); left alone",
        },
      };
    }
    if (!d.dryRun) await d.store.remove(key.id);
    gone.add(key.id);
    lines.push({
      action: "orphan",
      keyId: key.id,
      detail: `made by an interrupted run and never stored; ${d.dryRun ? "would be deleted" : "deleted"}`,
    });
  }
  ledger.pending = undefined;
  await book.save();
  return { live: present.filter((k) => !gone.has(k.id)) };
}
