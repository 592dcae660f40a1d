/**
 * Which key each version of a key secret holds, kept in the secret's own annotations, since the
 * rotator may manage versions but never read them. Secret Manager annotations exist "to allow client
 * tools to store their own state information without requiring a database"; keys are 1-63
 * characters, alphanumeric at both ends with `-`, `_` and `.` between, and all of them together must
 * be under 16 KiB (Secret.annotations, secretmanager v1). A version has no annotations of its own.
 * The stack's Secret resource leaves annotations it does not set alone (@pulumi/gcp
 * secretmanager/secret.d.ts: "non-authoritative"), so `pulumi up` does not undo these.
 *
 *   gemini-access-kit.v7        the key id version 7 holds, and `@` the time it was recorded (the
 *                               version's createTime, Google's clock): a key and version that
 *                               neither shows yet are "not visible yet", not gone, while that time
 *                               is within the settle window. Entries without a time (written before
 *                               the kit recorded one) are read as before.
 *   gemini-access-kit.pending   a run under way: when it began and until when it may take (its
 *                               lease; another run before then refuses the secret), the newest
 *                               version before it, the keys that existed before it (where Google
 *                               chooses the new key's id), the new key's id once known, and
 *                               whether adding it as a version has begun.
 *                               Written before each step, so a run that dies leaves a note the
 *                               next run, after the lease, recovers from
 * Pure.
 */

const PREFIX = "gemini-access-kit.";
const VERSION_KEY = /^gemini-access-kit\.v(\d{1,9})$/;
const PENDING_KEY = `${PREFIX}pending`;

export interface Pending {
  /** When the run began making the key. */
  since: string;
  /** The end of its lease: until then the run may still be working, and no other run touches the secret. */
  until: string;
  /** The newest version number before the run: a version it added is numbered above. */
  newestVersion: number;
  /** The keys that existed before: one made in the lease that is not among them (nor in the ledger) is that run's. */
  existing?: string[];
  /** The key, once it exists (an API key's id is chosen before it is made). */
  keyId?: string;
  /** Set before the key is added as a version: until then it was never stored anywhere. */
  storing?: boolean;
}

export interface Ledger {
  /** Version number to the key id it holds. */
  versions: Map<number, string>;
  /** Version number to when its entry was recorded (RFC 3339, Google's clock), where known. */
  recorded: Map<number, string>;
  pending?: Pending;
  /** A note was there that could not be read (written by hand, or damaged): nothing is inferred from it. */
  unreadableNote?: boolean;
  /** Annotations that are not the rotator's, kept as they are. */
  others: Record<string, string>;
}

function parsePending(text: string): Pending | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const time = (v: unknown): v is string => typeof v === "string" && !Number.isNaN(Date.parse(v));
  if (!time(value.since) || !time(value.until) || typeof value.newestVersion !== "number")
    return undefined;
  const existing =
    Array.isArray(value.existing) && value.existing.every((id) => typeof id === "string")
      ? value.existing
      : undefined;
  return {
    since: value.since,
    until: value.until,
    newestVersion: value.newestVersion,
    ...(existing ? { existing } : {}),
    ...(typeof value.keyId === "string" ? { keyId: value.keyId } : {}),
    ...(value.storing === true ? { storing: true } : {}),
  };
}

export function readLedger(annotations: Readonly<Record<string, string>>): Ledger {
  const ledger: Ledger = { versions: new Map(), recorded: new Map(), others: {} };
  for (const [key, value] of Object.entries(annotations)) {
    const version = VERSION_KEY.exec(key);
    if (version !== null) {
      // Key ids hold no `@` (IAM's are hex, API Keys' are [a-z0-9-]); a time that does not parse is left out.
      const at = value.lastIndexOf("@");
      const time = at < 0 ? undefined : value.slice(at + 1);
      const valid = time !== undefined && !Number.isNaN(Date.parse(time));
      ledger.versions.set(Number(version[1]), at < 0 ? value : value.slice(0, at));
      if (valid) ledger.recorded.set(Number(version[1]), time);
    } else if (key === PENDING_KEY) {
      ledger.pending = parsePending(value);
      ledger.unreadableNote = ledger.pending === undefined;
    } else ledger.others[key] = value;
  }
  return ledger;
}

export function ledgerAnnotations(ledger: Ledger): Record<string, string> {
  const annotations: Record<string, string> = { ...ledger.others };
  for (const [version, keyId] of [...ledger.versions].sort(([a], [b]) => a - b)) {
    const at = ledger.recorded.get(version);
    annotations[`${PREFIX}v${version}`] = at === undefined ? keyId : `${keyId}@${at}`;
  }
  if (ledger.pending !== undefined) annotations[PENDING_KEY] = JSON.stringify(ledger.pending);
  return annotations;
}
