/**
 * The two kinds of key the rotator keeps, behind one interface, so one procedure (entry.ts) rotates
 * both: a service-account key, whose id Google chooses and whose private half exists only in the
 * answer to keys.create; and an API key, whose id the rotator chooses, restricted to the one API its
 * entry names (the Gemini API, or Vertex AI for a Vertex key) and bound to its service account,
 * whose string can be read again.
 */

import { Failure } from "../cli/failure.ts";
import type { Redactor } from "../cli/redact.ts";
import type { Attempt } from "../google/http.ts";
import { DEFAULT_VERTEX_MODEL, rotatedApiKeyId, VERTEX_API } from "../rotation.ts";
import type { Api } from "../google/apis/call.ts";
import {
  apiKeyString,
  createApiKey,
  deleteApiKey,
  getApiKey,
  listApiKeys,
  type ApiKey,
} from "../google/apis/api-keys.ts";
import {
  createAccountKeyAttempt,
  deleteAccountKey,
  getAccountKey,
  listAccountKeys,
  MAX_ACCOUNT_KEYS,
} from "../google/apis/iam-keys.ts";
import type { RotationKey } from "../rotation.ts";
import {
  proveApiKey,
  proveKeyFile,
  proveVertexApiKey,
  type Proof,
  type ProofDeps,
} from "./prove.ts";

/** Marks an API key the rotator made, with the secret it is for (API keys carry annotations; IAM keys do not). */
const MADE_FOR = "gemini-access-kit.secret";

export interface LiveKey {
  id: string;
  createdAt: string;
  /** Google disabled it (by hand, or as exposed): it authenticates no one. */
  disabled?: boolean;
  /** An API key that says the rotator made it for this secret. */
  madeForThis?: boolean;
  /**
   * An API key with every mark of the rotator's for this entry: its id (the prefix and a time) and
   * its annotation naming the secret (or, for the earlier kit's key, the prefix itself as its id),
   * bound to the entry's account and restricted to the entry's API alone. Anyone who may update the
   * secret can write its ledger, so a ledger entry alone proves nothing; these marks are Google's
   * own record of the key.
   */
  marked?: boolean;
  /** An API key bound to the entry's account (a service-account key always belongs to its account). */
  bound?: boolean;
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
  /** The keys of this entry that exist now (for an API key: those bound to its account or named with its prefix). A list may lag. */
  list(): Promise<LiveKey[]>;
  /** One key read by its id, which reflects what was just made or deleted; undefined when it is gone. */
  get(id: string): Promise<LiveKey | undefined>;
  /**
   * Whether a key the ledger records for a version stored at `storedAt` (its createTime, when
   * Google shows the version) is one the rotator made for this entry: only such a key is ever
   * deleted. An API key carries the rotator's marks; a service-account key carries none, so it must
   * have been made within the lease before its version was added, on Google's clock.
   */
  mine(key: LiveKey, storedAt: string | undefined): boolean;
  /**
   * Whether a key is a credential of the entry's account, which alone the rotator may delete when
   * it did not make it: every key of a keyed account; an API key only when bound to the account.
   */
  ofAccount(key: LiveKey): boolean;
  /** The id the next key will have, where the rotator chooses it; undefined where Google does. */
  nextId(now: Date): string | undefined;
  /**
   * One attempt to make a key. A failure is `transient` when trying again may succeed; `acted`
   * says whether the request may have made a key anyway (its answer lost).
   */
  make(id: string | undefined): Promise<Attempt<MadeKey> & { acted?: boolean }>;
  remove(id: string): Promise<void>;
  prove(key: MadeKey): Promise<Proof>;
}

/**
 * Whether a failed request may still have taken effect: its answer was lost (a timeout, a dropped
 * connection, a 5xx, an answer that was not Google's). A 429 is refused before anything is done, and
 * a 4xx is refused outright.
 */
function mayHaveActed(failure: Failure): boolean {
  return ["SERVER_ERROR", "TIMEOUT", "NETWORK", "MALFORMED_RESPONSE"].includes(failure.reason);
}

/** How far Google's clocks (a key's validAfterTime, a version's createTime) may disagree. */
const CLOCK_SKEW_MS = 5 * 60_000;

export function serviceAccountKeys(
  api: Api,
  key: Extract<RotationKey, { kind: "service-account-key" }>,
  proof: ProofDeps,
  redactor: Redactor,
  leaseMs: number,
): KeyStore {
  return {
    noun: "key",
    maxKeys: MAX_ACCOUNT_KEYS,
    list: () => listAccountKeys(api, key.account),
    get: (id) => getAccountKey(api, key.account, id),
    mine(live, storedAt) {
      if (storedAt === undefined) return false;
      const made = Date.parse(live.createdAt);
      const stored = Date.parse(storedAt);
      return made <= stored + CLOCK_SKEW_MS && made >= stored - leaseMs - CLOCK_SKEW_MS;
    },
    ofAccount: () => true,
    nextId: () => undefined,
    async make() {
      const attempt = await createAccountKeyAttempt(api, key.account);
      if (!("value" in attempt)) return { ...attempt, acted: mayHaveActed(attempt.failure) };
      redactor.add(attempt.value.file);
      return {
        value: {
          id: attempt.value.id,
          createdAt: attempt.value.createdAt,
          material: attempt.value.file,
        },
      };
    },
    remove: (id) => deleteAccountKey(api, key.account, id),
    prove: (made) => proveKeyFile(proof, made.id, made.material),
  };
}

/**
 * The API keys of one entry. `siblings` are the secrets of the stack's other API key entries: a key
 * made for one of them (its annotation names it) is that entry's, though it may be bound to the same
 * account, so it is neither this entry's nor a stranger to alarm on (or delete) here.
 */
export function apiKeyStore(
  api: Api,
  key: Extract<RotationKey, { kind: "api-key" }>,
  proof: ProofDeps,
  redactor: Redactor,
  siblings: ReadonlySet<string> = new Set(),
): KeyStore {
  const ours = (k: ApiKey) =>
    !siblings.has(k.annotations[MADE_FOR] ?? "") &&
    (k.annotations[MADE_FOR] === key.secret ||
      k.serviceAccountEmail === key.account ||
      k.id === key.keyIdPrefix ||
      k.id.startsWith(`${key.keyIdPrefix}-`));
  // The prefix is an API key id (outputs.ts checks it: letters, digits, hyphens), so it is literal here.
  const stamped = new RegExp(`^${key.keyIdPrefix}-\\d{8}-\\d{6}$`);
  const live = (k: ApiKey): LiveKey => ({
    id: k.id,
    createdAt: k.createdAt,
    madeForThis: k.annotations[MADE_FOR] === key.secret,
    bound: k.serviceAccountEmail === key.account,
    // The earlier kit's key (made by pulumi up, moved here by rotate migrate) has the prefix itself
    // as its id and no annotation; every key the rotator makes has both its stamp and annotation.
    marked:
      (k.id === key.keyIdPrefix ||
        (stamped.test(k.id) && k.annotations[MADE_FOR] === key.secret)) &&
      k.serviceAccountEmail === key.account &&
      k.services.length === 1 &&
      k.services[0] === key.service,
  });
  // A deleted key's id stays taken for 30 days: the next key's id is the first free second from now.
  let taken = new Set<string>();
  return {
    noun: "API key",
    async list() {
      const all = await listApiKeys(api, key.project, { showDeleted: true });
      taken = new Set(all.map((k) => k.id));
      return all.filter((k) => k.deletedAt === undefined && ours(k)).map(live);
    },
    async get(id) {
      try {
        const k = await getApiKey(api, key.project, id);
        return k.deletedAt === undefined ? live(k) : undefined;
      } catch (err) {
        if (err instanceof Failure && err.reason === "NOT_FOUND") return undefined;
        throw err;
      }
    },
    mine: (k) => k.marked === true,
    ofAccount: (k) => k.bound === true,
    nextId(now) {
      for (let at = now.getTime(); ; at += 1000) {
        const id = rotatedApiKeyId(key.keyIdPrefix, new Date(at));
        if (!taken.has(id)) return id;
      }
    },
    // Making the key of a chosen id is safe to retry: the transport retries it, and a key an answer
    // was lost for is found by its id. So a failure here is final, and may have made the key.
    // Once Google accepted the create, a failure before its operation ended, or in reading the
    // string of the key it made, leaves a key that may be live: `acted`, so the rotator deletes it by
    // its id or leaves the note for the next run. An operation that ended in an error made none.
    async make(id) {
      let mayExist = false;
      try {
        const made = await createApiKey(
          api,
          key.project,
          id!,
          {
            displayName: key.displayName,
            service: key.service,
            serviceAccountEmail: key.account,
            annotations: { [MADE_FOR]: key.secret },
          },
          (unknown) => (mayExist = unknown),
        );
        mayExist = true;
        const material = await apiKeyString(api, key.project, made.id);
        redactor.add(material);
        return { value: { id: made.id, createdAt: made.createdAt, material } };
      } catch (err) {
        if (!(err instanceof Failure)) throw err;
        return { failure: err, transient: false, acted: mayExist || mayHaveActed(err) };
      }
    },
    remove: (id) => deleteApiKey(api, key.project, id),
    prove: (made) =>
      key.service === VERTEX_API
        ? proveVertexApiKey(proof, made.id, made.material, key.model ?? DEFAULT_VERTEX_MODEL)
        : proveApiKey(proof, made.id, made.material),
  };
}
