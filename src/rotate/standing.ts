/**
 * How each key the ledger records stands, from what Google shows of it and of its version. Three
 * rules decide, before any key is deleted or version destroyed:
 * - Only a key the rotator can prove it made is ever deleted (KeyStore.mine): anyone who may update
 *   the secret can write its ledger, so a recorded id alone proves nothing.
 * - Secret Manager's and IAM's reads are eventually consistent (Google documents only "add a version,
 *   then access it by number" as strongly consistent: cloud.google.com/secret-manager/docs/reference/
 *   consistency; IAM: "each read is eventually consistent"). So a key or version that a list and a
 *   read by name both miss is gone only once it is older than the settle window; until then it is
 *   "waiting", and the run leaves the whole secret alone.
 * - A version disabled by hand (not destroyed) may be enabled again: its key stays until it is
 *   retired like any other, and a new key is made at once, since consumers read the newest version.
 */

import { getVersion, type Version } from "../google/apis/secret-manager.ts";
import type { StoredKey } from "../rotation.ts";
import type { SecretLedger } from "./ledger-store.ts";
import type { EntryDeps, KeyLine } from "./procedure.ts";
import type { LiveKey } from "./stores.ts";

/** How far ahead of Google's clock a recorded time may be and still count (clock steps within Google). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** A recorded key that is to go: the key deleted and the version destroyed, as far as each is there. */
export interface Retired {
  keyId: string;
  version: number;
  keyLive: boolean;
  versionEnabled: boolean;
  detail: string;
}

export interface Standing {
  /** The keys that work, as the rotation policy sees them. */
  stored: StoredKey[];
  /** Recorded keys that no longer work, and what is left of them. */
  stale: Retired[];
  /** Entries that cannot be judged yet (a read that may lag): the secret is left alone this run. */
  waiting: KeyLine[];
  /** Entries the rotator cannot prove it made: left alone, and dropped from the ledger. */
  foreign: KeyLine[];
  /** The newest version's key does not work (or the version is disabled): a new key is due now. */
  newestUnusable: boolean;
}

/** What Google shows of a version: listed (enabled), read by number, or nothing. */
async function versionOf(
  d: EntryDeps,
  version: number,
  listed: ReadonlyMap<number, Version>,
): Promise<{ state: string; createTime: string } | undefined> {
  const seen = listed.get(version);
  if (seen !== undefined) return { state: "ENABLED", createTime: seen.createTime };
  return getVersion(d.api, d.secret, version);
}

export async function standing(
  d: EntryDeps,
  book: SecretLedger,
  versions: readonly Version[],
  live: readonly LiveKey[],
): Promise<Standing> {
  const listed = new Map(versions.map((v) => [v.number, v]));
  const keys = new Map(live.map((k) => [k.id, k]));
  // Within the settle window; a time ahead of Google's (written by hand) proves nothing.
  const young = (time: string | undefined) => {
    const age = time === undefined ? Number.NaN : d.googleNow() - Date.parse(time);
    return age >= -FUTURE_TOLERANCE_MS && age < d.settleMs;
  };
  const result: Standing = {
    stored: [],
    stale: [],
    waiting: [],
    foreign: [],
    newestUnusable: false,
  };
  const newest = Math.max(0, ...book.ledger.versions.keys());
  for (const [version, keyId] of book.ledger.versions) {
    const read = await versionOf(d, version, listed);
    const key = keys.get(keyId) ?? (await d.store.get(keyId));
    const wait = (detail: string) =>
      result.waiting.push({ action: "waiting", keyId, version, detail });
    const retire = (detail: string, keyLive: boolean, versionEnabled: boolean) =>
      result.stale.push({ keyId, version, keyLive, versionEnabled, detail });
    const alive = read?.state === "ENABLED" || read?.state === "DISABLED";
    if (key !== undefined && !d.store.mine(key, read?.createTime)) {
      if (read === undefined && young(key.createdAt))
        wait(
          "made moments ago, and its version is not visible yet (Google's reads lag); left alone",
        );
      else
        result.foreign.push({
          action: "unmanaged",
          keyId,
          version,
          createdAt: key.createdAt,
          alarm: "UNMANAGED_KEY",
          detail: `the ledger records it for version ${version}, but nothing shows the rotator made it for this secret (${d.store.noun === "API key" ? "its id, binding, restriction or annotation" : "its version's time"}); left alone, and dropped from the ledger`,
        });
      continue;
    }
    if (key !== undefined) {
      if (key.disabled) {
        retire(
          "disabled in Google (by hand, or as exposed), so it authenticates no one; deleted, its version destroyed",
          true,
          alive,
        );
      } else if (alive) {
        result.stored.push({ keyId, version, storedAt: read.createTime });
        if (read.state === "DISABLED" && version === newest) result.newestUnusable = true;
      } else if (read === undefined && young(key.createdAt)) {
        wait(
          "made moments ago, and its version is not visible yet (Google's reads lag); left alone",
        );
      } else {
        retire(
          "its version was destroyed outside the rotator; the key is deleted too",
          true,
          false,
        );
      }
    } else if (alive) {
      if (young(read.createTime))
        wait("stored moments ago, and its key is not visible yet (Google's reads lag); left alone");
      else
        retire(
          "its key was deleted outside the rotator; the version is destroyed too",
          false,
          true,
        );
    } else if (young(book.ledger.recorded.get(version))) {
      wait(
        "recorded moments ago, and neither its key nor its version is visible yet (Google's reads lag); left alone",
      );
    } else {
      retire("its key and version are gone already; forgotten", false, false);
    }
    if (result.stale.at(-1)?.version === version && version === newest && alive)
      result.newestUnusable = true;
  }
  return result;
}
