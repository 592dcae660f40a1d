/**
 * Making one key: note, make, note its id, prove, store, record. Each step is noted in the secret
 * before it is taken. Nothing is deleted unless it is certain no version holds it: a key whose proof
 * failed is deleted by its id; once adding the version may have taken effect (its answer lost),
 * the key stays, with the note, and the next run records it or deletes it, whichever is true.
 */

import { Failure } from "../cli/failure.ts";
import type { EntryDeps } from "./procedure.ts";
import { addVersionAttempt, enabledVersions, type Version } from "../google/apis/secret-manager.ts";
import type { SecretLedger } from "./ledger-store.ts";
import type { Proof } from "./prove.ts";
import type { LiveKey, MadeKey } from "./stores.ts";

export interface Made {
  keyId: string;
  version: number;
  /** The version's createTime: Google's time the key became the newest. */
  storedAt: string;
  proof: Proof;
}

const backoff = (tries: number) => Math.min(1000 * 2 ** tries, 16_000);

/** A failure after which the note stays: the next run, once the lease has passed, finishes the step. */
function leftForNextRun(failure: Failure, what: string): Failure {
  return new Failure(
    failure.reason,
    failure.message,
    `${failure.fix} ${what} The note in the secret lets the next run (after its lease) finish it; the key in place is untouched.`,
  );
}

export async function makeProveStore(
  d: EntryDeps,
  book: SecretLedger,
  live: LiveKey[],
  versions: Version[],
): Promise<Made> {
  const { ledger } = book;
  // The lease is Google's time, which every run reads alike whatever its own clock says.
  const now = d.googleNow();
  const newestVersion = Math.max(0, ...versions.map((v) => v.number), ...ledger.versions.keys());
  const id = d.store.nextId(new Date(now));
  ledger.pending = {
    since: new Date(now).toISOString(),
    until: new Date(now + d.leaseMs).toISOString(),
    newestVersion,
    existing: live.map((k) => k.id),
    ...(id !== undefined ? { keyId: id } : {}),
  };
  await book.save();
  const forget = async () => {
    ledger.pending = undefined;
    await book.save();
  };
  const discard = async (keyId: string, cause: unknown) => {
    try {
      await d.store.remove(keyId);
      await forget();
    } catch {
      throw cause instanceof Failure
        ? leftForNextRun(cause, `Deleting the new ${d.store.noun} ${keyId} failed too.`)
        : cause;
    }
  };
  d.progress(`Making a new ${d.store.noun}...`);
  let made: MadeKey | undefined;
  for (let tries = 0; made === undefined; tries++) {
    const attempt = await d.store.make(id);
    if ("value" in attempt) {
      made = attempt.value;
      break;
    }
    if (attempt.acted && id !== undefined) {
      // The request may have made the key anyway: the rotator chose its id, so it is known and goes.
      // One not visible yet is left for the next run, which knows it by the note.
      const left = [await d.store.get(id)].filter((k) => k !== undefined);
      for (const k of left) await d.store.remove(k.id);
      if (left.length === 0)
        throw leftForNextRun(attempt.failure, "A key may have been made all the same.");
    }
    // Where Google chose the id, a key a lost answer made cannot be told from one someone made at
    // that moment: it is left alone (its private half was lost with the answer), reported as
    // unmanaged (an alarm), and deleted as any such key once past the grace period.
    if (!attempt.transient || tries >= d.retries) {
      await forget();
      throw attempt.failure;
    }
    d.progress(`${attempt.failure.message} Trying again (${tries + 1} of ${d.retries}).`);
    await d.clock.sleep(backoff(tries));
  }
  ledger.pending = { ...ledger.pending, keyId: made.id };
  await book.save();
  d.progress(
    `Made ${d.store.noun} ${made.id}; proving it with a model call (a new key can take minutes to be accepted)...`,
  );
  const proof = await d.store.prove(made).catch(async (err: unknown) => {
    // Never stored: delete it by its id, then forget the note; if that fails, the note stays.
    await discard(made.id, err);
    throw err;
  });
  ledger.pending = { ...ledger.pending, storing: true };
  await book.save();
  const version = await store(d, made, newestVersion, discard);
  ledger.versions.set(version.number, made.id);
  ledger.recorded.set(version.number, version.createTime);
  ledger.pending = undefined;
  await book.save();
  return { keyId: made.id, version: version.number, storedAt: version.createTime, proof };
}

/**
 * Adds the proven key as the newest version. After a lost answer, a version above the newest seen
 * before is the one added; when none shows, adding again is harmless (a second version of the same
 * key), and after the last attempt the key stays for the next run.
 */
async function store(
  d: EntryDeps,
  made: MadeKey,
  newestBefore: number,
  discard: (keyId: string, cause: unknown) => Promise<void>,
): Promise<Version> {
  for (let tries = 0; ; tries++) {
    const attempt = await addVersionAttempt(d.api, d.secret, made.material);
    if ("value" in attempt) return attempt.value;
    if (!attempt.transient) {
      // Refused outright (4xx): no version holds the key, so it goes.
      await discard(made.id, attempt.failure);
      throw attempt.failure;
    }
    let appeared: Version | undefined;
    try {
      appeared = (await enabledVersions(d.api, d.secret)).find((v) => v.number > newestBefore);
    } catch (err) {
      if (err instanceof Failure)
        throw leftForNextRun(attempt.failure, "The new key may have been stored all the same.");
      throw err;
    }
    if (appeared !== undefined) return appeared;
    if (tries >= d.retries)
      throw leftForNextRun(attempt.failure, "The new key may have been stored all the same.");
    await d.clock.sleep(backoff(tries));
  }
}
