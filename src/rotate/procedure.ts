/**
 * What the steps of rotating one entry share: what they act with and what they report. The steps
 * are the procedure (./entry.ts), making a key (./make.ts) and recovering an interrupted run
 * (./recover.ts).
 */

import type { Api } from "../google/apis/call.ts";
import type { Clock } from "../google/http.ts";
import type { KeyStore } from "./stores.ts";

type Action = "rotated" | "kept" | "pruned" | "unmanaged" | "orphan" | "adopted" | "waiting";

/** One line of the report: what happened to one key (or to a version no key is recorded for). */
export interface KeyLine {
  action: Action;
  /** The key's id, never the key; empty for a version whose key is not known. */
  keyId: string;
  version?: number;
  detail: string;
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
  clock: Clock;
  /** Retries of a step that failed in a way worth another try (the transport's setting). */
  retries: number;
  /** How long a run may hold a secret: no other run touches it until then. */
  leaseMs: number;
  dryRun: boolean;
  prune: boolean;
  progress: (line: string) => void;
}
