/**
 * One key the stack declares, rotated: read what exists (the secret's ledger and enabled versions,
 * the account's keys), refuse a secret another run holds, recover from an interrupted run, confirm
 * by direct reads what a list seems to say is gone (lists lag), decide with the rotation policy,
 * then make, prove and store a new key before any old one goes.
 */

import { Failure } from "../cli/failure.ts";
import { newestFirst, planRotation, type RotationPlan } from "../rotation.ts";
import { destroyVersion, enabledVersions } from "../google/apis/secret-manager.ts";
import { SecretLedger } from "./ledger-store.ts";
import type { EntryDeps, KeyLine } from "./procedure.ts";
import { makeProveStore, type Made } from "./make.ts";
import type { Proof } from "./prove.ts";
import { leaseHeld, recover } from "./recover.ts";
import { standing, type Retired } from "./standing.ts";
import { strangerKeys, strangerVersions, unrecordedVersions } from "./strangers.ts";

export interface EntryOutcome {
  /** waiting: a read that may lag left the secret as it was, for the next run. */
  status: "current" | "rotated" | "failed" | "waiting";
  keys: KeyLine[];
  /** When the newest key is due for replacement. */
  dueAt?: string;
  proof?: Proof;
  error?: { reason: string; message: string; fix: string };
}

/** Rotates one entry; a failure is part of the outcome, with the key in place untouched. */
export async function rotateEntry(d: EntryDeps): Promise<EntryOutcome> {
  const lines: KeyLine[] = [];
  // What the entry's strangers came to: said after its own keys, whether or not the run got that far.
  const strangers: KeyLine[] = [];
  try {
    const outcome = await run(d, lines, strangers);
    return { ...outcome, keys: [...lines, ...strangers] };
  } catch (err) {
    if (!(err instanceof Failure) || err.exitCode === 2) throw err;
    return {
      status: "failed",
      keys: [...lines, ...strangers],
      error: { reason: err.reason, message: err.message, fix: err.fix },
    };
  }
}

async function run(
  d: EntryDeps,
  lines: KeyLine[],
  strangers: KeyLine[],
): Promise<Omit<EntryOutcome, "keys">> {
  const book = await SecretLedger.open(d.api, d.secret, d.dryRun);
  const held = leaseHeld(book.ledger.pending, d.googleNow(), d.secret);
  if (held !== undefined) throw held;
  const versions = await enabledVersions(d.api, d.secret);
  const recovered = await recover(d, book, versions, await d.store.list(), lines);
  if (recovered.waiting !== undefined) {
    lines.push(recovered.waiting);
    return { status: "waiting" };
  }
  let live = recovered.live;
  const { stored, stale, waiting, foreign, newestUnusable } = await standing(
    d,
    book,
    versions,
    live,
  );
  lines.push(...foreign);
  const dropped = new Set(foreign.map((f) => f.version!));
  if (foreign.length > 0 && !d.dryRun) {
    for (const version of dropped) book.ledger.versions.delete(version);
    await book.save();
  }
  if (waiting.length > 0) {
    // A read that may lag: nothing is made, deleted or destroyed until Google shows it.
    lines.push(...waiting);
    return { status: "waiting" };
  }
  const unrecorded = await unrecordedVersions(
    d,
    book,
    versions,
    stored.map((s) => s.version),
    dropped,
  );
  // Consumers read `latest`, the most recently created version whatever its state: one someone
  // else added and then disabled or destroyed gives them nothing, so a new key is due now.
  const latestUnreadable = unrecorded.newest !== undefined && unrecorded.newest.state !== "ENABLED";
  if (latestUnreadable)
    lines.push({
      action: "unmanaged",
      keyId: "",
      version: unrecorded.newest!.number,
      detail: `the newest version, which the rotator did not add, is ${unrecorded.newest!.state.toLowerCase()}, so consumers reading latest get no key; a key of the rotator's is made now`,
    });
  const plan: RotationPlan = planRotation(
    stored,
    d.periodDays,
    d.now(),
    newestUnusable || latestUnreadable,
  );
  // Before a new key is made: deleting the keys the rotator did not make is what frees room under
  // IAM's ten keys an account.
  strangers.push(...(await strangerKeys(d, book, live, lines, unrecorded.enabled)));
  const pruned = new Set(strangers.filter((l) => l.action === "pruned").map((l) => l.keyId));
  live = live.filter((k) => !pruned.has(k.id));
  let made: Made | undefined;
  if (plan.create) {
    if (d.store.maxKeys !== undefined && live.length >= d.store.maxKeys) {
      throw new Failure(
        "KEY_LIMIT_REACHED",
        `The account has ${live.length} keys, the most IAM allows; a new one cannot be made.`,
        "Delete keys it no longer needs (run again with --prune to delete those the rotator did not make, once they are older than --settle-hours).",
      );
    }
    if (d.dryRun)
      lines.push({
        action: "rotated",
        keyId: d.store.nextId(new Date(d.googleNow())) ?? "(new)",
        detail: "would be made, proven with a model call, and added as the newest version",
      });
    else {
      made = await makeProveStore(d, book, live, versions);
      const p = made.proof;
      lines.push({
        action: "rotated",
        keyId: made.keyId,
        version: made.version,
        detail: `made, proven (${p.models === undefined ? "" : `${p.models} models listed, `}${p.model} called, ${p.attempts === 1 ? "first attempt" : `${p.attempts} attempts in ${p.seconds} s`}), added as the newest version`,
      });
    }
  }
  // Due one period after the new version's createTime: Google's clock, as every age here.
  const dueAt = made
    ? new Date(Date.parse(made.storedAt) + d.periodDays * 86_400_000).toISOString()
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
  strangers.push(...(await strangerVersions(d, book, unrecorded, made?.version)));
  return { status: made ? "rotated" : "current", dueAt, proof: made?.proof };
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

function day(iso: string | undefined): string {
  return iso === undefined ? "(unknown)" : iso.slice(0, 10);
}
