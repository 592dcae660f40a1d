/**
 * One key the stack declares, rotated: read what exists (the secret's ledger and enabled versions,
 * the account's keys), recover from an interrupted run, decide with the rotation policy, then make,
 * prove and store a new key before any old one goes. Every step that changes something is written
 * to the ledger first, so a run that dies at any point leaves a state the next run recognises.
 */

import { Failure } from "../cli/failure.ts";
import type { Clock } from "../verify/http.ts";
import { newestFirst, planRotation, type StoredKey } from "../rotation.ts";
import type { Api } from "./google/api.ts";
import { addVersionAttempt, destroyVersion, enabledVersions, type Version } from "./google/secrets.ts";
import { SecretLedger } from "./ledger-store.ts";
import type { Proof } from "./prove.ts";
import type { KeyStore, LiveKey, MadeKey } from "./stores.ts";

export type Action = "rotated" | "kept" | "pruned" | "unmanaged" | "orphan" | "adopted";

/** One line of the report: what happened to one key (or to a version no key is recorded for). */
export interface KeyLine {
  action: Action;
  /** The key's id, never the key; empty for a version whose key is not known. */
  keyId: string;
  version?: number;
  detail: string;
}

export interface EntryOutcome {
  status: "current" | "rotated" | "failed";
  keys: KeyLine[];
  /** When the newest key is due for replacement. */
  dueAt?: string;
  proof?: Proof;
  error?: { reason: string; message: string; fix: string };
}

export interface EntryDeps {
  api: Api;
  store: KeyStore;
  secret: string;
  periodDays: number;
  /** The moment the policy is applied at (--now, else the clock's). */
  now: Date;
  clock: Clock;
  /** Retries of a step that failed in a way worth another try (the transport's setting). */
  retries: number;
  dryRun: boolean;
  prune: boolean;
  progress: (line: string) => void;
}

/** Rotates one entry; a failure is part of the outcome, with everything as it was before the failing step. */
export async function rotateEntry(d: EntryDeps): Promise<EntryOutcome> {
  const lines: KeyLine[] = [];
  try {
    return await run(d, lines);
  } catch (err) {
    if (!(err instanceof Failure) || err.exitCode === 2) throw err;
    return { status: "failed", keys: lines, error: { reason: err.reason, message: err.message, fix: err.fix } };
  }
}

async function run(d: EntryDeps, lines: KeyLine[]): Promise<EntryOutcome> {
  const book = await SecretLedger.open(d.api, d.secret, d.dryRun);
  const { ledger } = book;
  const versions = await enabledVersions(d.api, d.secret);
  let live = await d.store.list();
  live = await recover(d, book, versions, live, lines);

  const enabled = new Map(versions.map((v) => [v.number, v]));
  const liveIds = new Set(live.map((k) => k.id));
  const stored: StoredKey[] = [];
  const stale: { keyId: string; version: number; detail: string }[] = [];
  for (const [version, keyId] of ledger.versions) {
    const v = enabled.get(version);
    if (v !== undefined && liveIds.has(keyId)) stored.push({ keyId, version, storedAt: v.createTime });
    else if (v === undefined && !liveIds.has(keyId)) stale.push({ keyId, version, detail: "its key and version are gone already; forgotten" });
    else stale.push({ keyId, version, detail: v === undefined ? "its version was disabled or destroyed outside the rotator; the key is deleted too" : "its key was deleted outside the rotator; the version is destroyed too" });
  }
  const plan = planRotation(stored, d.periodDays, d.now);
  let made: { keyId: string; version: number; proof: Proof } | undefined;
  if (plan.create) {
    if (d.store.maxKeys !== undefined && live.length >= d.store.maxKeys) {
      throw new Failure("KEY_LIMIT_REACHED", `The account has ${live.length} keys, the most IAM allows; a new one cannot be made.`, "Delete keys it no longer needs (run again with --prune to delete those the rotator did not make).");
    }
    if (d.dryRun) lines.push({ action: "rotated", keyId: d.store.nextId(new Date(d.clock.now())) ?? "(new)", detail: "would be made, proven with a models call, and added as the newest version" });
    else {
      made = await makeProveStore(d, book, live, versions);
      const p = made.proof;
      lines.push({ action: "rotated", keyId: made.keyId, version: made.version, detail: `made, proven (${p.models} models listed, ${p.attempts === 1 ? "first attempt" : `${p.attempts} attempts in ${p.seconds} s`}), added as the newest version` });
    }
  }
  const dueAt = made ? new Date(d.clock.now() + d.periodDays * 86_400_000).toISOString() : plan.dueAt;
  const keep = newestFirst(plan.keep);
  for (const k of keep) {
    const current = made === undefined && k === keep[0];
    const detail = current ? `current; the next is due ${day(dueAt)}` : `previous; valid until the next rotation, due ${day(dueAt)}`;
    // A key this run recovered already has its line: one line a key.
    const adopted = lines.find((l) => l.action === "adopted" && l.keyId === k.keyId);
    if (adopted !== undefined) adopted.detail = `${adopted.detail}; ${detail}`;
    else lines.push({ action: "kept", keyId: k.keyId, version: k.version, detail });
  }
  const retired = plan.retire.map((k) => ({ ...k, detail: `older than the previous key; ${d.dryRun ? "would be deleted, its version destroyed" : "deleted, its version destroyed"}` }));
  for (const r of [...retired, ...stale]) {
    if (!d.dryRun) {
      // The key first: revoking it is what matters; a run that dies here leaves a version the next run destroys.
      if (liveIds.has(r.keyId)) await d.store.remove(r.keyId);
      if (enabled.has(r.version)) await destroyVersion(d.api, d.secret, r.version);
      ledger.versions.delete(r.version);
      await book.save();
    }
    lines.push({ action: "pruned", keyId: r.keyId, version: r.version, detail: r.detail });
  }
  const retiredVersions = new Set([...retired, ...stale].map((r) => r.version));
  await strangers(d, book, live, versions.filter((v) => !retiredVersions.has(v.number)), made?.version, lines);
  return { status: made ? "rotated" : "current", keys: lines, dueAt, proof: made?.proof };
}

/** A run that died leaves a note: a key made and stored but not recorded is recorded; one never stored is deleted. */
async function recover(d: EntryDeps, book: SecretLedger, versions: Version[], live: LiveKey[], lines: KeyLine[]): Promise<LiveKey[]> {
  const { ledger } = book;
  const pending = ledger.pending;
  const known = new Set(ledger.versions.values());
  if (pending?.keyId !== undefined && live.some((k) => k.id === pending.keyId) && !known.has(pending.keyId)) {
    const stored = versions.find((v) => !ledger.versions.has(v.number) && Date.parse(v.createTime) >= Date.parse(pending.since));
    if (stored !== undefined) {
      ledger.versions.set(stored.number, pending.keyId);
      known.add(pending.keyId);
      lines.push({ action: "adopted", keyId: pending.keyId, version: stored.number, detail: "stored by a run that was interrupted before it recorded it; recorded now" });
    }
  }
  const orphans = d.store.leftBy(live, pending, known);
  for (const o of orphans) {
    if (!d.dryRun) await d.store.remove(o.id);
    lines.push({ action: "orphan", keyId: o.id, detail: `made by an interrupted run and never stored; ${d.dryRun ? "would be deleted" : "deleted"}` });
  }
  if (pending !== undefined || lines.length > 0) {
    ledger.pending = undefined;
    await book.save();
  }
  const gone = new Set(orphans.map((o) => o.id));
  return live.filter((k) => !gone.has(k.id));
}

async function makeProveStore(d: EntryDeps, book: SecretLedger, live: LiveKey[], versions: Version[]): Promise<{ keyId: string; version: number; proof: Proof }> {
  const { ledger } = book;
  const since = new Date(d.clock.now()).toISOString();
  const id = d.store.nextId(new Date(d.clock.now()));
  ledger.pending = { since, existing: live.map((k) => k.id), ...(id !== undefined ? { keyId: id } : {}) };
  await book.save();
  const known = new Set(ledger.versions.values());
  // After a failure: whatever this run made goes again, and the note with it. When that cannot be
  // done either, the note stays, and the next run finishes it.
  const discard = async (failure: unknown): Promise<never> => {
    try {
      for (const o of d.store.leftBy(await d.store.list(), ledger.pending, known)) await d.store.remove(o.id);
      ledger.pending = undefined;
      await book.save();
    } catch (cleanup) {
      if (failure instanceof Failure) {
        const said = cleanup instanceof Error ? cleanup.message : String(cleanup);
        throw new Failure(failure.reason, failure.message, `${failure.fix} Removing what this run made failed too (${said}); the next run removes it.`);
      }
    }
    throw failure;
  };
  d.progress(`Making a new ${d.store.noun}...`);
  let made: MadeKey | undefined;
  for (let tries = 0; made === undefined; tries++) {
    const attempt = await d.store.make(id).catch(discard);
    if ("value" in attempt) made = attempt.value;
    else {
      // A lost answer may still have made a key, whose private half went with the answer: it must not stay.
      for (const o of d.store.leftBy(await d.store.list(), ledger.pending, known)) await d.store.remove(o.id);
      if (!attempt.transient || tries >= d.retries) await discard(attempt.failure);
      d.progress(`${attempt.failure.message} Trying again (${tries + 1} of ${d.retries}).`);
      await d.clock.sleep(Math.min(1000 * 2 ** tries, 16_000));
    }
  }
  ledger.pending = { ...ledger.pending, keyId: made.id };
  await book.save();
  d.progress(`Made ${d.store.noun} ${made.id}; proving it with a models call (a new key can take minutes to be accepted)...`);
  const proof = await d.store.prove(made).catch(discard);
  const version = await store(d, made, versions, since).catch(discard);
  ledger.versions.set(version, made.id);
  ledger.pending = undefined;
  await book.save();
  return { keyId: made.id, version, proof };
}

/** Adds the proven key as the newest version; after a lost answer, a version that appeared since is that one. */
async function store(d: EntryDeps, made: MadeKey, before: Version[], since: string): Promise<number> {
  const newestBefore = Math.max(0, ...before.map((v) => v.number));
  for (let tries = 0; ; tries++) {
    const attempt = await addVersionAttempt(d.api, d.secret, made.material);
    if ("value" in attempt) return attempt.value.number;
    const appeared = (await enabledVersions(d.api, d.secret)).find((v) => v.number > newestBefore && Date.parse(v.createTime) >= Date.parse(since) - 60_000);
    if (appeared !== undefined) return appeared.number;
    if (!attempt.transient || tries >= d.retries) throw attempt.failure;
    await d.clock.sleep(Math.min(1000 * 2 ** tries, 16_000));
  }
}

/** Keys the rotator did not make, and versions no key is recorded for: reported, deleted only with --prune. */
async function strangers(d: EntryDeps, book: SecretLedger, live: LiveKey[], versions: Version[], madeVersion: number | undefined, lines: KeyLine[]): Promise<void> {
  const ours = new Set(book.ledger.versions.values());
  const acted = new Set(lines.map((l) => l.keyId));
  for (const k of live.filter((k) => !ours.has(k.id) && !acted.has(k.id))) {
    if (d.prune && !d.dryRun) await d.store.remove(k.id);
    lines.push(d.prune
      ? { action: "pruned", keyId: k.id, detail: `not made by the rotator; ${d.dryRun ? "would be deleted" : "deleted"} (--prune)` }
      : { action: "unmanaged", keyId: k.id, detail: `not made by the rotator (made ${day(k.createdAt)}); left alone, --prune deletes it` });
  }
  const newest = Math.max(0, madeVersion ?? 0, ...book.ledger.versions.keys());
  for (const v of versions.filter((v) => !book.ledger.versions.has(v.number) && v.number !== madeVersion)) {
    const prunable = d.prune && newest > v.number;
    if (prunable && !d.dryRun) await destroyVersion(d.api, d.secret, v.number);
    lines.push(prunable
      ? { action: "pruned", keyId: "", version: v.number, detail: `a version no key of the rotator's is recorded for, older than its newest; ${d.dryRun ? "would be destroyed" : "destroyed"} (--prune)` }
      : { action: "unmanaged", keyId: "", version: v.number, detail: `a version no key of the rotator's is recorded for (added ${day(v.createTime)}); left alone${d.prune ? " while it is the newest" : ", --prune destroys it once the rotator's newer key is stored"}` });
  }
}

function day(iso: string | undefined): string {
  return iso === undefined ? "(unknown)" : iso.slice(0, 10);
}
