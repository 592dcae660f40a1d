/**
 * Keys and versions the rotator did not make. Each is an alarm (the run fails, src/rotate/alarms.ts
 * says why and what to do), and a key is deleted only when the rotator can show it is safe:
 * - it is a credential of the stack's account: a key of a keyed account, or an API key bound to the
 *   API key's account and not made for another of the stack's API keys (one merely named or marked
 *   as the kit's is never deleted);
 * - a read by its id, which reflects what was just made or deleted, still shows it, with the time
 *   Google made it;
 * - it is older than the grace period (unmanagedKeyGraceHours; --prune skips it), and never younger
 *   than the settle window: Google's reads may not show yet what records a key that young;
 * - no enabled version the rotator did not record might hold it (unless --prune): consumers may
 *   read that version, and deleting its key would break them.
 * A version the rotator did not add is never destroyed but with --prune: it may be someone's fix.
 */

import { destroyVersion, getVersion, type Version } from "../google/apis/secret-manager.ts";
import type { SecretLedger } from "./ledger-store.ts";
import type { EntryDeps, KeyLine } from "./procedure.ts";
import type { LiveKey } from "./stores.ts";

const HOUR_MS = 3_600_000;

export interface Unrecorded {
  /** Enabled versions no key of the rotator's is recorded for: any may hold any key. */
  enabled: Version[];
  /** The newest version there is, when the rotator did not add it, and its state. */
  newest?: { number: number; state: string; createTime: string };
}

/**
 * The versions the ledger does not record (`foreign`: entries standing dropped). A list may lag, so
 * the versions above the newest seen (listed, or a recorded one read by number: `alive`) are read
 * by number, which Secret Manager answers consistently, until one is not there (numbers are never
 * reused or skipped); so is the newest, to say what state it is in. Not above the ledger's newest
 * entry: anyone who may update the secret can write one, for any number.
 */
export async function unrecordedVersions(
  d: EntryDeps,
  book: SecretLedger,
  versions: readonly Version[],
  alive: readonly number[],
  foreign: ReadonlySet<number>,
): Promise<Unrecorded> {
  const recorded = (n: number) => book.ledger.versions.has(n) && !foreign.has(n);
  const ledgerNewest = Math.max(0, ...alive);
  const enabled = versions.filter((v) => !recorded(v.number));
  const listed = versions[0];
  let newest = listed && { number: listed.number, state: "ENABLED", createTime: listed.createTime };
  for (let n = Math.max(ledgerNewest, listed?.number ?? 0) + 1; ; n++) {
    const read = await getVersion(d.api, d.secret, n);
    if (read === undefined) break;
    newest = { number: n, ...read };
    if (read.state === "ENABLED" && !recorded(n))
      enabled.push({ number: n, createTime: read.createTime });
  }
  if (newest === undefined || recorded(newest.number) || newest.number < ledgerNewest)
    return { enabled };
  if (newest.number === listed?.number)
    newest = {
      number: newest.number,
      ...((await getVersion(d.api, d.secret, newest.number)) ?? newest),
    };
  return { enabled, newest };
}

function at(ms: number): string {
  return new Date(ms).toISOString();
}

/** What becomes of one key the rotator did not make: deleted now, or why not. */
async function fate(
  d: EntryDeps,
  key: LiveKey,
  held: readonly Version[],
): Promise<{ prune: true; createdAt: string } | { prune: false; why: string }> {
  if (!d.store.ofAccount(key))
    return {
      prune: false,
      why: "it is not bound to the stack's account, so the rotator never deletes it",
    };
  if (held.length > 0 && !d.prune)
    return {
      prune: false,
      why: `left alone while version ${held.map((v) => v.number).join(", ")}, which the rotator did not add, is enabled: it may hold this key; --prune deletes it all the same`,
    };
  const floor = d.prune ? d.settleMs : Math.max(d.graceMs, d.settleMs);
  const due = Date.parse(key.createdAt) + floor;
  if (!(d.googleNow() >= due))
    return {
      prune: false,
      why: d.prune
        ? `too recent to delete (Google's reads may not show yet what records it); deleted after ${at(due)}`
        : `left alone until ${at(due)} (the ${d.graceMs / HOUR_MS} h grace period), then deleted; --prune deletes it sooner`,
    };
  // The list may lag: only a read by its id says the key is there, and when it was made.
  const read = await d.store.get(key.id);
  if (read === undefined)
    return {
      prune: false,
      why: "listed, but a read by its id does not find it (deleted meanwhile, or Google's reads lag); nothing deleted",
    };
  if (!(d.googleNow() >= Date.parse(read.createdAt) + floor))
    return { prune: false, why: `its read says it was made ${read.createdAt}; left alone for now` };
  return { prune: true, createdAt: read.createdAt };
}

/**
 * Keys of the entry that the ledger does not record (and no earlier step has spoken of). Deleted as
 * the file's comment says; each is a line with its alarm.
 */
export async function strangerKeys(
  d: EntryDeps,
  book: SecretLedger,
  live: readonly LiveKey[],
  said: readonly KeyLine[],
  held: readonly Version[],
): Promise<KeyLine[]> {
  const ours = new Set(book.ledger.versions.values());
  const acted = new Set(said.map((l) => l.keyId));
  const lines: KeyLine[] = [];
  for (const k of live.filter((k) => !ours.has(k.id) && !acted.has(k.id))) {
    const what = k.madeForThis
      ? "made by the rotator for this secret but never recorded as stored"
      : "not made by the rotator";
    const decided = await fate(d, k, held);
    if (decided.prune && !d.dryRun) await d.store.remove(k.id);
    const when = d.prune ? "(--prune)" : `after the ${d.graceMs / HOUR_MS} h grace period`;
    lines.push({
      action: decided.prune ? "pruned" : "unmanaged",
      keyId: k.id,
      createdAt: decided.prune ? decided.createdAt : k.createdAt,
      alarm: "UNMANAGED_KEY",
      detail: decided.prune
        ? `${what} (made ${k.createdAt}); ${d.dryRun ? "would be deleted" : "deleted"} ${when}`
        : `${what} (made ${k.createdAt}); ${decided.why}`,
    });
  }
  return lines;
}

/**
 * Versions no key of the rotator's is recorded for: reported, the newest of them as an alarm; with
 * --prune destroyed once older than the rotator's newest, never without.
 */
export async function strangerVersions(
  d: EntryDeps,
  book: SecretLedger,
  unrecorded: Unrecorded,
  madeVersion: number | undefined,
): Promise<KeyLine[]> {
  const newest = Math.max(0, madeVersion ?? 0, ...book.ledger.versions.keys());
  const lines: KeyLine[] = [];
  for (const v of unrecorded.enabled.filter(
    (v) => !book.ledger.versions.has(v.number) && v.number !== madeVersion,
  )) {
    const prunable = d.prune && newest > v.number;
    if (prunable && !d.dryRun) await destroyVersion(d.api, d.secret, v.number);
    const alarm =
      unrecorded.newest?.number === v.number ? { alarm: "FOREIGN_VERSION" as const } : {};
    lines.push({
      action: prunable ? "pruned" : "unmanaged",
      keyId: "",
      version: v.number,
      createdAt: v.createTime,
      ...alarm,
      detail: prunable
        ? `a version no key of the rotator's is recorded for, older than its newest; ${d.dryRun ? "would be destroyed" : "destroyed"} (--prune)`
        : `a version no key of the rotator's is recorded for (added ${v.createTime})${alarm.alarm ? ", and the newest: consumers reading latest get it" : ""}; never destroyed by the rotator${d.prune ? " while it is the newest" : ", --prune destroys it once the rotator's newer key is stored"}`,
    });
  }
  return lines;
}
