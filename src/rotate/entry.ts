/**
 * One key the stack declares, rotated: read what exists (the secret's ledger and enabled versions,
 * the account's keys), refuse a secret another run holds, recover from an interrupted run, confirm
 * by direct reads what a list seems to say is gone (lists lag), decide with the rotation policy,
 * then make, prove and store a new key before any old one goes.
 */

import { Failure } from "../cli/failure.ts";
import { newestFirst, planRotation, type RotationPlan, type StoredKey } from "../rotation.ts";
import {
  destroyVersion,
  enabledVersions,
  getVersion,
  type Version,
} from "../google/apis/secret-manager.ts";
import { SecretLedger } from "./ledger-store.ts";
import type { EntryDeps, KeyLine } from "./procedure.ts";
import { makeProveStore, type Made } from "./make.ts";
import type { Proof } from "./prove.ts";
import { leaseHeld, recover } from "./recover.ts";
import type { LiveKey } from "./stores.ts";

export interface EntryOutcome {
  status: "current" | "rotated" | "failed";
  keys: KeyLine[];
  /** When the newest key is due for replacement. */
  dueAt?: string;
  proof?: Proof;
  error?: { reason: string; message: string; fix: string };
}

/** Rotates one entry; a failure is part of the outcome, with the key in place untouched. */
export async function rotateEntry(d: EntryDeps): Promise<EntryOutcome> {
  const lines: KeyLine[] = [];
  try {
    return await run(d, lines);
  } catch (err) {
    if (!(err instanceof Failure) || err.exitCode === 2) throw err;
    return {
      status: "failed",
      keys: lines,
      error: { reason: err.reason, message: err.message, fix: err.fix },
    };
  }
}

interface Retired {
  keyId: string;
  version: number;
  /** What is still there to delete or destroy. */
  keyLive: boolean;
  versionEnabled: boolean;
  detail: string;
}

/**
 * The ledger's keys as they stand: usable (version enabled, key there and not disabled), or retired
 * for a reason. Absence from a list is confirmed by reading the version or key directly before
 * anything is concluded from it.
 */
async function standing(
  d: EntryDeps,
  book: SecretLedger,
  versions: Version[],
  live: LiveKey[],
): Promise<{ stored: StoredKey[]; stale: Retired[]; newestUnusable: boolean }> {
  const listed = new Map(versions.map((v) => [v.number, v]));
  const keys = new Map(live.map((k) => [k.id, k]));
  const stored: StoredKey[] = [];
  const stale: Retired[] = [];
  for (const [version, keyId] of book.ledger.versions) {
    const v = listed.get(version);
    const enabled =
      v !== undefined || (await getVersion(d.api, d.secret, version))?.state === "ENABLED";
    const key = keys.get(keyId) ?? (await d.store.get(keyId));
    if (enabled && key !== undefined && !key.disabled) {
      stored.push({
        keyId,
        version,
        storedAt: v?.createTime ?? new Date(d.clock.now()).toISOString(),
      });
      continue;
    }
    const why =
      !enabled && key === undefined
        ? "its key and version are gone already; forgotten"
        : key?.disabled
          ? "disabled in Google (by hand, or as exposed), so it authenticates no one; deleted, its version destroyed"
          : !enabled
            ? "its version was disabled or destroyed outside the rotator; the key is deleted too"
            : "its key was deleted outside the rotator; the version is destroyed too";
    stale.push({
      keyId,
      version,
      keyLive: key !== undefined,
      versionEnabled: enabled,
      detail: why,
    });
  }
  const newest = Math.max(0, ...book.ledger.versions.keys());
  return {
    stored,
    stale,
    newestUnusable: stale.some((s) => s.version === newest && s.versionEnabled),
  };
}

async function run(d: EntryDeps, lines: KeyLine[]): Promise<EntryOutcome> {
  const book = await SecretLedger.open(d.api, d.secret, d.dryRun);
  const held = leaseHeld(book.ledger.pending, d.clock.now(), d.secret);
  if (held !== undefined) throw held;
  const versions = await enabledVersions(d.api, d.secret);
  const live = await recover(
    { api: d.api, store: d.store, secret: d.secret, now: d.clock.now(), dryRun: d.dryRun },
    book,
    versions,
    await d.store.list(),
    lines,
  );
  const { stored, stale, newestUnusable } = await standing(d, book, versions, live);
  let plan: RotationPlan = planRotation(stored, d.periodDays, d.now);
  // Consumers read the newest version: when its key no longer works, a new one is due now.
  if (newestUnusable && !plan.create)
    plan = {
      ...plan,
      create: true,
      keep: newestFirst(stored).slice(0, 1),
      retire: newestFirst(stored).slice(1),
    };
  let made: Made | undefined;
  if (plan.create) {
    if (d.store.maxKeys !== undefined && live.length >= d.store.maxKeys) {
      throw new Failure(
        "KEY_LIMIT_REACHED",
        `The account has ${live.length} keys, the most IAM allows; a new one cannot be made.`,
        "Delete keys it no longer needs (run again with --prune to delete those the rotator did not make).",
      );
    }
    if (d.dryRun)
      lines.push({
        action: "rotated",
        keyId: d.store.nextId(new Date(d.clock.now())) ?? "(new)",
        detail: "would be made, proven with a model call, and added as the newest version",
      });
    else {
      made = await makeProveStore(d, book, live, versions);
      const p = made.proof;
      lines.push({
        action: "rotated",
        keyId: made.keyId,
        version: made.version,
        detail: `made, proven (${p.models} models listed, ${p.model} called, ${p.attempts === 1 ? "first attempt" : `${p.attempts} attempts in ${p.seconds} s`}), added as the newest version`,
      });
    }
  }
  const dueAt = made
    ? new Date(d.clock.now() + d.periodDays * 86_400_000).toISOString()
    : plan.dueAt;
  keptLines(plan, made, dueAt, lines);
  const retired: Retired[] = [
    ...plan.retire.map((k) => ({
      ...k,
      keyLive: true,
      versionEnabled: true,
      detail: `older than the previous key; ${d.dryRun ? "would be deleted, its version destroyed" : "deleted, its version destroyed"}`,
    })),
    ...stale,
  ];
  for (const r of retired) {
    if (!d.dryRun) {
      // The key first: revoking it is what matters; a run that dies here leaves a version the next run destroys.
      if (r.keyLive) await d.store.remove(r.keyId);
      if (r.versionEnabled) await destroyVersion(d.api, d.secret, r.version);
      book.ledger.versions.delete(r.version);
      await book.save();
    }
    lines.push({ action: "pruned", keyId: r.keyId, version: r.version, detail: r.detail });
  }
  const retiredVersions = new Set(retired.map((r) => r.version));
  await strangers(
    d,
    book,
    live,
    versions.filter((v) => !retiredVersions.has(v.number)),
    made?.version,
    lines,
  );
  return { status: made ? "rotated" : "current", keys: lines, dueAt, proof: made?.proof };
}

function keptLines(
  plan: RotationPlan,
  made: Made | undefined,
  dueAt: string | undefined,
  lines: KeyLine[],
): void {
  const keep = newestFirst(plan.keep);
  for (const k of keep) {
    const current = made === undefined && k === keep[0];
    const detail = current
      ? `current; the next is due ${day(dueAt)}`
      : `previous; valid until the next rotation, due ${day(dueAt)}`;
    // A key this run recovered already has its line: one line a key.
    const adopted = lines.find((l) => l.action === "adopted" && l.keyId === k.keyId);
    if (adopted !== undefined) adopted.detail = `${adopted.detail}; ${detail}`;
    else lines.push({ action: "kept", keyId: k.keyId, version: k.version, detail });
  }
}

/** Keys the rotator did not make (or did not record), and versions no key is recorded for: reported, deleted only with --prune. */
async function strangers(
  d: EntryDeps,
  book: SecretLedger,
  live: LiveKey[],
  versions: Version[],
  madeVersion: number | undefined,
  lines: KeyLine[],
): Promise<void> {
  const ours = new Set(book.ledger.versions.values());
  const acted = new Set(lines.map((l) => l.keyId));
  for (const k of live.filter((k) => !ours.has(k.id) && !acted.has(k.id))) {
    if (d.prune && !d.dryRun) await d.store.remove(k.id);
    const what = k.madeForThis
      ? "made by the rotator for this secret but never recorded as stored"
      : "not made by the rotator";
    lines.push(
      d.prune
        ? {
            action: "pruned",
            keyId: k.id,
            detail: `${what}; ${d.dryRun ? "would be deleted" : "deleted"} (--prune)`,
          }
        : {
            action: "unmanaged",
            keyId: k.id,
            detail: `${what} (made ${day(k.createdAt)}); left alone, --prune deletes it`,
          },
    );
  }
  const newest = Math.max(0, madeVersion ?? 0, ...book.ledger.versions.keys());
  for (const v of versions.filter(
    (v) => !book.ledger.versions.has(v.number) && v.number !== madeVersion,
  )) {
    const prunable = d.prune && newest > v.number;
    if (prunable && !d.dryRun) await destroyVersion(d.api, d.secret, v.number);
    lines.push(
      prunable
        ? {
            action: "pruned",
            keyId: "",
            version: v.number,
            detail: `a version no key of the rotator's is recorded for, older than its newest; ${d.dryRun ? "would be destroyed" : "destroyed"} (--prune)`,
          }
        : {
            action: "unmanaged",
            keyId: "",
            version: v.number,
            detail: `a version no key of the rotator's is recorded for (added ${day(v.createTime)}); left alone${d.prune ? " while it is the newest" : ", --prune destroys it once the rotator's newer key is stored"}`,
          },
    );
  }
}

function day(iso: string | undefined): string {
  return iso === undefined ? "(unknown)" : iso.slice(0, 10);
}
