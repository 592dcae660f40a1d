/**
 * What the steps of rotating one entry share: what they act with and what they report. The steps
 * are the procedure (./entry.ts), making a key (./make.ts) and recovering an interrupted run
 * (./recover.ts).
 */

import type { Api } from "../google/apis/call.ts";
import type { Clock } from "../google/http.ts";
import type { KeyStore } from "./stores.ts";

/** What a run may take besides its proof (make, store, record, the transport's retries). */
export const LEASE_MARGIN_MS = 15 * 60_000;
/** The longest --proof-timeout a run may be given. */
export const MAX_PROOF_TIMEOUT_SECONDS = 3600;
/**
 * The longest lease any run can hold: the longest proof timeout and the margin. A note that claims
 * more was not written by a run of the rotator as it is (or was damaged); it holds no longer than
 * this. It is the longest, not this run's own, since the note's writer may have been given a longer
 * --proof-timeout, and cutting its lease short would take its key for a dead run's.
 */
export const MAX_LEASE_MS = MAX_PROOF_TIMEOUT_SECONDS * 1000 + LEASE_MARGIN_MS;

type Action = "rotated" | "kept" | "pruned" | "unmanaged" | "orphan" | "adopted" | "waiting";

/** One line of the report: what happened to one key (or to a version no key is recorded for). */
export interface KeyLine {
  action: Action;
  /** The key's id, never the key; empty for a version whose key is not known. */
  keyId: string;
  version?: number;
  detail: string;
  /** When Google made the key or added the version, where the line is about one the rotator did not make. */
  createdAt?: string;
  /** A key or version the rotator did not make: the run fails, with this reason (src/rotate/alarms.ts). */
  alarm?: "UNMANAGED_KEY" | "FOREIGN_VERSION";
}

export interface EntryDeps {
  api: Api;
  store: KeyStore;
  secret: string;
  periodDays: number;
  /** The moment the policy is applied at: a dry run's --now, else Google's now. */
  now: () => Date;
  /** Google's time now (its answers' Date header), in epoch ms: what ages and leases are measured on. */
  googleNow: () => number;
  /** How long Google's reads may lag a change: what was made since then and cannot be seen is left alone. */
  settleMs: number;
  /** How long a key the rotator did not make may live before it deletes it (unmanagedKeyGraceHours). */
  graceMs: number;
  clock: Clock;
  /** Retries of a step that failed in a way worth another try (the transport's setting). */
  retries: number;
  /** How long a run may hold a secret: no other run touches it until then. */
  leaseMs: number;
  dryRun: boolean;
  /** Delete the keys the rotator did not make without waiting for the grace period. */
  prune: boolean;
  progress: (line: string) => void;
}
