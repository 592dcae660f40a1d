/**
 * The two kinds of key the rotator keeps, behind one interface, so one procedure (entry.ts) rotates
 * both: a service-account key, whose id Google chooses and whose private half exists only in the
 * answer to keys.create; and a Gemini API key, whose id the rotator chooses, restricted to the
 * Gemini API and bound to its service account, whose string can be read again.
 */

import type { Redactor } from "../cli/redact.ts";
import type { Attempt } from "../verify/http.ts";
import { rotatedApiKeyId } from "../rotation.ts";
import type { Api } from "./google/api.ts";
import { apiKeyString, createApiKey, deleteApiKey, listApiKeys } from "./google/api-keys.ts";
import { createAccountKeyAttempt, deleteAccountKey, listAccountKeys, MAX_ACCOUNT_KEYS } from "./google/iam-keys.ts";
import type { Pending } from "./ledger.ts";
import type { RotationKey } from "./outputs.ts";
import { proveApiKey, proveKeyFile, type Proof, type ProofDeps } from "./prove.ts";

/** The only service a Gemini API key may call. */
export const GEMINI_SERVICE = "generativelanguage.googleapis.com";
/** Marks an API key the rotator made, with the secret it is for (API keys carry annotations; IAM keys do not). */
export const MADE_FOR = "gemini-access-kit.secret";
/** How far Google's clock and this one may disagree when telling which keys a run made. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface LiveKey {
  id: string;
  createdAt: string;
}

export interface MadeKey extends LiveKey {
  /** What goes into the secret: the key file, or the key string. Secret. */
  material: string;
}

export interface KeyStore {
  /** "key" or "API key", for messages. */
  noun: string;
  /** How many keys Google allows (IAM: ten an account); none where the limit is far off. */
  maxKeys?: number;
  /** The keys of this entry that exist now (for an API key: those bound to its account or named with its prefix). */
  list(): Promise<LiveKey[]>;
  /** The id the next key will have, where the rotator chooses it; undefined where Google does. */
  nextId(now: Date): string | undefined;
  /** One attempt to make a key. */
  make(id: string | undefined): Promise<Attempt<MadeKey>>;
  /**
   * The keys among `live` the rotator made and never stored: those a run interrupted at `pending` (or
   * an attempt whose answer was lost) left behind, and any other it can tell it made.
   */
  leftBy(live: LiveKey[], pending: Pending | undefined, known: ReadonlySet<string>): LiveKey[];
  remove(id: string): Promise<void>;
  prove(key: MadeKey): Promise<Proof>;
}

function madeSince(live: LiveKey[], pending: Pending | undefined, known: ReadonlySet<string>): LiveKey[] {
  if (pending === undefined) return [];
  const made = (k: LiveKey) =>
    pending.keyId !== undefined ? k.id === pending.keyId
      : pending.existing !== undefined ? !pending.existing.includes(k.id)
        // A note without the list (written by hand, or damaged): what was made since, by Google's clock.
        : Date.parse(k.createdAt) >= Date.parse(pending.since) - CLOCK_SKEW_MS;
  return live.filter((k) => !known.has(k.id) && made(k));
}

export function serviceAccountKeys(api: Api, key: Extract<RotationKey, { kind: "service-account-key" }>, proof: ProofDeps, redactor: Redactor): KeyStore {
  return {
    noun: "key",
    maxKeys: MAX_ACCOUNT_KEYS,
    list: () => listAccountKeys(api, key.account),
    nextId: () => undefined,
    async make() {
      const attempt = await createAccountKeyAttempt(api, key.account);
      if (!("value" in attempt)) return attempt;
      redactor.add(attempt.value.file);
      return { value: { id: attempt.value.id, createdAt: attempt.value.createdAt, material: attempt.value.file } };
    },
    leftBy: madeSince,
    remove: (id) => deleteAccountKey(api, key.account, id),
    prove: (made) => proveKeyFile(proof, made.id, made.material),
  };
}

export function geminiApiKeys(api: Api, key: Extract<RotationKey, { kind: "api-key" }>, proof: ProofDeps, redactor: Redactor): KeyStore {
  const ours = (k: { id: string; annotations: Record<string, string>; serviceAccountEmail?: string }) =>
    k.annotations[MADE_FOR] === key.secret || k.serviceAccountEmail === key.account || k.id === key.keyIdPrefix || k.id.startsWith(`${key.keyIdPrefix}-`);
  let annotated = new Set<string>();
  // A deleted key's id stays taken for 30 days: the next key's id is the first free second from now.
  let taken = new Set<string>();
  return {
    noun: "API key",
    async list() {
      const all = await listApiKeys(api, key.project);
      taken = new Set(all.map((k) => k.id));
      const keys = all.filter((k) => k.deletedAt === undefined && ours(k));
      annotated = new Set(keys.filter((k) => k.annotations[MADE_FOR] === key.secret).map((k) => k.id));
      return keys;
    },
    nextId(now) {
      for (let at = now.getTime(); ; at += 1000) {
        const id = rotatedApiKeyId(key.keyIdPrefix, new Date(at));
        if (!taken.has(id)) return id;
      }
    },
    async make(id) {
      const made = await createApiKey(api, key.project, id!, {
        displayName: `Gemini (${id!})`.slice(0, 63),
        service: GEMINI_SERVICE,
        serviceAccountEmail: key.account,
        annotations: { [MADE_FOR]: key.secret },
      });
      const material = await apiKeyString(api, key.project, made.id);
      redactor.add(material);
      return { value: { id: made.id, createdAt: made.createdAt, material } };
    },
    // A key the rotator made for this secret and never stored is known by its annotation, whenever it was made.
    leftBy: (live, pending, known) => [...new Map([...madeSince(live, pending, known), ...live.filter((k) => annotated.has(k.id) && !known.has(k.id))].map((k) => [k.id, k])).values()],
    remove: (id) => deleteApiKey(api, key.project, id),
    prove: (made) => proveApiKey(proof, made.id, made.material),
  };
}
