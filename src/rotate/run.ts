/**
 * The rotate command's core: read what the stack declares, act as the caller (ADC, or an account it
 * impersonates), and rotate each key in turn. Collaborators (fetch, clock, files, the process runner)
 * come in as parameters, so tests run it against the fake Google in-process.
 */

import type { Redactor } from "../cli/redact.ts";
import { stackOutputJson, type Runner } from "../cli/stack-outputs.ts";
import { stackFileName } from "../cli/stacks.ts";
import { commandHttp, type Clock, type Http } from "../google/http.ts";
import { openSession } from "../google/session.ts";
import type { RotateOptions } from "./args.ts";
import { rotateEntry, type EntryOutcome } from "./entry.ts";
import type { Api } from "../google/apis/call.ts";
import { parseRotation } from "./outputs.ts";
import type { RotationKey } from "../rotation.ts";
import { accountProject } from "../naming.ts";
import { keyCreationRefusals } from "./policies.ts";
import { entryAlarms, type Alarm } from "./alarms.ts";
import { LEASE_MARGIN_MS } from "./procedure.ts";
import { apiKeyStore, serviceAccountKeys } from "./stores.ts";

export interface RotateDeps {
  fetch: typeof fetch;
  clock: Clock;
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  run: Runner;
  progress: (line: string) => void;
  redactor: Redactor;
}

export interface EntryResult extends EntryOutcome {
  kind: RotationKey["kind"];
  account: string;
  secret: string;
  /** Keys and versions the rotator did not make: each fails the run, though its work is done. */
  alarms: Alarm[];
}

export interface RotateResult {
  ok: boolean;
  command: "rotate";
  source: string;
  periodDays: number;
  /** How long a key the rotator did not make may live before it deletes it. */
  unmanagedKeyGraceHours: number;
  /** The moment the policy was applied at. */
  now: string;
  dryRun: boolean;
  /** Who acted. */
  caller?: string;
  keys: EntryResult[];
  exitCode: 0 | 1;
}

/** The rotation list, from the stack (through the Pulumi CLI) or a saved outputs file. */
async function rotationList(options: RotateOptions, deps: RotateDeps) {
  if (options.stack !== undefined) {
    deps.progress(`Reading the outputs of stack ${options.stack}...`);
    return parseRotation(await stackOutputJson(options.stack, deps.run), `stack ${options.stack}`);
  }
  return parseRotation(await deps.readFile(options.outputs!), options.outputs!);
}

/** Where the rotator's grants come from, for the fix of a refused call. */
const GRANTED_BY =
  "The CI stack grants it to the environment's rotator (npm run deploy -- --stack ci applies it); running as yourself, you need the same.";

/** The caller the management calls are made as: ADC, or the account it impersonates. */
export function rotatorApi(
  options: Pick<RotateOptions, "auth" | "impersonate">,
  http: Http,
  deps: Pick<RotateDeps, "env" | "readFile" | "redactor" | "progress">,
): Promise<Api> {
  return openSession({ ...options, grantedBy: GRANTED_BY }, http, deps);
}

export async function runRotate(options: RotateOptions, deps: RotateDeps): Promise<RotateResult> {
  const list = await rotationList(options, deps);
  const local = () => deps.clock.now();
  let googleNow = local;
  const now = () => options.now ?? new Date(googleNow());
  const result: RotateResult = {
    ok: true,
    command: "rotate",
    source: list.source,
    periodDays: list.periodDays,
    unmanagedKeyGraceHours: list.unmanagedKeyGraceHours,
    now: now().toISOString(),
    dryRun: options.dryRun,
    keys: [],
    exitCode: 0,
  };
  if (list.keys.length === 0) return result;
  const http = commandHttp(options, deps);
  googleNow = () => http.googleClock?.now(local()) ?? local();
  const api = await rotatorApi(options, http, deps);
  result.caller = api.principal;
  const proof = {
    http,
    endpoints: api.endpoints,
    redactor: deps.redactor,
    deadlineMs: options.proofTimeoutSeconds * 1000,
    progress: deps.progress,
  };
  // Before anything is read or made: the policies that would refuse the keys (src/rotate/policies.ts).
  const refused = await keyCreationRefusals(
    api,
    list.keys,
    options.stack === undefined ? "the stack's file" : stackFileName(options.stack),
    deps.progress,
  );
  for (const key of list.keys) {
    const refusal =
      key.kind === "service-account-key"
        ? refused.get(accountProject(key.account) ?? "")
        : undefined;
    if (refusal !== undefined) {
      result.keys.push({
        kind: key.kind,
        account: key.account,
        secret: key.secret,
        status: "failed",
        keys: [],
        alarms: [],
        error: { reason: refusal.reason, message: refusal.message, fix: refusal.fix },
      });
      continue;
    }
    deps.progress(
      `${key.kind === "api-key" ? "The API key bound to" : "The key of"} ${key.account} (${key.secret})...`,
    );
    // Long enough for a make, the whole proof and the store: a run that holds the secret longer has died.
    const leaseMs = options.proofTimeoutSeconds * 1000 + LEASE_MARGIN_MS;
    const store =
      key.kind === "api-key"
        ? apiKeyStore(api, key, proof, deps.redactor, siblingSecrets(list.keys, key))
        : serviceAccountKeys(api, key, proof, deps.redactor, leaseMs);
    const outcome = await rotateEntry({
      api,
      store,
      secret: key.secret,
      periodDays: list.periodDays,
      now,
      googleNow,
      settleMs: options.settleHours * 3_600_000,
      graceMs: list.unmanagedKeyGraceHours * 3_600_000,
      clock: deps.clock,
      retries: options.retries,
      leaseMs,
      dryRun: options.dryRun,
      prune: options.prune,
      progress: deps.progress,
    });
    result.keys.push({
      kind: key.kind,
      account: key.account,
      secret: key.secret,
      ...outcome,
      alarms: entryAlarms(key, outcome.keys, outcome.dueAt),
    });
  }
  // As of the moment the policy was applied: Google's time once its answers gave it.
  result.now = now().toISOString();
  result.ok = result.keys.every((k) => k.status !== "failed" && k.alarms.length === 0);
  result.exitCode = result.ok ? 0 : 1;
  return result;
}

/** The secrets of the list's other API key entries in the same project: their keys are theirs. */
function siblingSecrets(
  keys: readonly RotationKey[],
  key: Extract<RotationKey, { kind: "api-key" }>,
): Set<string> {
  return new Set(
    keys
      .filter((k) => k.kind === "api-key" && k !== key && k.project === key.project)
      .map((k) => k.secret),
  );
}
