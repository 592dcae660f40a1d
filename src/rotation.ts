/**
 * The rotation policy, as arithmetic on a secret's keys: what the rotator (npm run rotate) does with
 * them at a given moment. Pure, so the stack's config check (which API key ids it leaves room for)
 * and the rotator share it, and tests can check it for any history of runs.
 *
 * A key secret holds the rotator's keys as versions. When the newest is `periodDays` old, or there is
 * none, the rotator makes a key, proves it and adds it as the newest version. The key it supersedes
 * stays valid one more period, until the next rotation; every key older than that one is deleted and
 * its version destroyed. So a consumer that read `latest` holds a key that stays valid for at least
 * one more period, and after any run at most two of the rotator's keys are live.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The API a Gemini API key (apiKey) is restricted to. */
export const GEMINI_API = "generativelanguage.googleapis.com";
/** The Vertex AI API (displayed as "Gemini Enterprise Agent Platform API"): what vertex.apiKey's key calls. */
export const VERTEX_API = "aiplatform.googleapis.com";

/**
 * The model verify calls, preflight expects and the rotator proves a Vertex key with, when a stack
 * names none: Gemini 3.8 Flash, generally available on Vertex at global and the multi-regions
 * (Google's developer guide for it,
 * docs.cloud.google.com/gemini-enterprise-agent-platform/models/guides/gemini-3-8-flash, read
 * December 2026). Models retire; a stack that names its models never depends on this.
 */
export const DEFAULT_VERTEX_MODEL = "gemini-3.8-flash";

/**
 * One key the rotator keeps: the account it belongs to (or an API key is bound to) and the secret it
 * goes in, by resource name (`projects/PROJECT_ID/secrets/ID`), never its value. What a stack exports
 * in its `rotation` output (src/outputs.ts) and what the rotator reads back (src/rotate/outputs.ts).
 */
export type RotationKey =
  | { kind: "service-account-key"; account: string; secret: string }
  | {
      kind: "api-key";
      account: string;
      secret: string;
      project: string;
      keyIdPrefix: string;
      /** apiKey.displayName: what the rotator names each key it makes. */
      displayName: string;
      /**
       * The one API each key it makes may call: generativelanguage.googleapis.com (apiKey) or
       * aiplatform.googleapis.com (vertex.apiKey, called in Vertex AI express mode).
       */
      service: string;
      /** For an aiplatform key: the model its proof calls in express mode (the stack's first expected model). */
      model?: string;
    };

/** One of the rotator's keys, as its secret holds it. */
export interface StoredKey {
  /** The key's id: the service-account key id (= the key file's private_key_id), or the API key's id. */
  keyId: string;
  /** The secret version that holds it. */
  version: number;
  /** When that version was added (RFC 3339, as Secret Manager reports createTime). */
  storedAt: string;
}

export interface RotationPlan {
  /** Make, prove and store a new key. */
  create: boolean;
  /** The keys that stay: the current one, and the previous one unless a new key supersedes the current. */
  keep: StoredKey[];
  /** Keys older than the previous key: deleted, and their versions destroyed (after the new key is stored, when one is made). */
  retire: StoredKey[];
  /** When the newest key is due for replacement; undefined when there is none. */
  dueAt?: string;
}

/** Newest first: by version number, which Secret Manager increases with every version added. */
export function newestFirst(keys: readonly StoredKey[]): StoredKey[] {
  return [...keys].sort((a, b) => b.version - a.version);
}

/**
 * What a run at `now` does with the keys a secret holds. `renew` makes a key now whatever the
 * newest's age (its key no longer works). Every key but the newest stays valid one full period after
 * the key above it replaced it, measured from that key's storedAt, whatever the spacing of runs; so
 * when a run renews early, the key before stays until its period is up.
 */
export function planRotation(
  stored: readonly StoredKey[],
  periodDays: number,
  now: Date,
  renew = false,
): RotationPlan {
  const keys = newestFirst(stored);
  const newest = keys[0];
  if (newest === undefined) return { create: true, keep: [], retire: [] };
  const period = periodDays * DAY_MS;
  const due = Date.parse(newest.storedAt) + period;
  const keep: StoredKey[] = [newest];
  const retire: StoredKey[] = [];
  for (let i = 1; i < keys.length; i++) {
    const replacedAt = Date.parse(keys[i - 1]!.storedAt);
    (now.getTime() >= replacedAt + period ? retire : keep).push(keys[i]!);
  }
  return {
    create: renew || now.getTime() >= due,
    keep,
    retire,
    dueAt: new Date(due).toISOString(),
  };
}

/**
 * unmanagedKeyGraceHours: how long a key of the stack's accounts that the rotator did not make may
 * live before the rotator deletes it. At least an hour, so the alarm a run raises for it reaches a
 * person before the key goes (and the rotator never deletes a key younger than its settle window,
 * 12 hours by default, whatever this says: Google's reads may lag). At most 30 days, so a key made
 * outside the rotator never outlives a rotation period by much.
 */
export const GRACE_HOURS = { default: 24, min: 1, max: 720 } as const;

/** `-YYYYMMDD-HHMMSS`, in UTC: what the rotator appends to the stack's API key id prefix. */
export const API_KEY_SUFFIX_LENGTH = 16;

/**
 * The id of an API key made at `at`: the stack's prefix and the UTC time to the second. A deleted
 * key's id stays taken for 30 days (API Keys API, keys.delete), so every key gets an id of its own.
 */
export function rotatedApiKeyId(prefix: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").slice(0, 15).replace("T", "-");
  return `${prefix}-${stamp}`;
}
