/**
 * API Keys v2 (REST reference cloud.google.com/api-keys/docs/reference/rest/v2; shapes as
 * googleapis/google-api-nodejs-client src/apis/apikeys/v2.ts gives them): keys.list (V2ListKeysResponse:
 * keys[], nextPageToken; deleted keys only with showDeleted; no key string), keys.create with a
 * `keyId` of the caller's choosing and keys.delete, both long-running operations polled with
 * operations.get until `done` (Google advises a 10-second backoff,
 * cloud.google.com/api-keys/docs/polling-operations), keys.get and keys.getKeyString. Key names
 * carry the project number, so keys are matched by id (the name's last segment). A key's
 * restrictions.apiTargets absent or empty means "all targets are allowed" (V2Restrictions);
 * serviceAccountEmail names the account a key is bound to.
 */

import { Failure } from "../../cli/failure.ts";
import { record } from "../../json.ts";
import { diagnoseHttp } from "../errors/diagnose.ts";
import { callJson, malformed } from "../http.ts";
import { context, listPages, onProject, stringFields, text, timestamp, type Api } from "./call.ts";

const ADMIN =
  "The caller needs apikeys.keys.create, .delete, .get, .getKeyString and .list and serviceusage.operations.get on the project, and iam.serviceAccountApiKeyBindings.create on the account the key is bound to.";

/** How long a create or delete may take before the call gives up on it. */
const OPERATION_DEADLINE_MS = 120_000;

export interface ApiKey {
  /** `projects/NUMBER/locations/global/keys/ID`: a name, never the key. */
  name: string;
  id: string;
  createdAt: string;
  displayName?: string;
  /** The services its API restriction allows; empty: every API. */
  services: string[];
  /** Set once deleted: a deleted key is kept 30 days, and its id stays taken. */
  deletedAt?: string;
  serviceAccountEmail?: string;
  annotations: Record<string, string>;
}

/** The body of keys.create: restricted to one service, bound to one account. */
export interface NewApiKeySpec {
  displayName: string;
  service: string;
  serviceAccountEmail: string;
  annotations: Record<string, string>;
}

function keysUrl(api: Api, project: string): string {
  return `${api.endpoints.apiKeys}/v2/projects/${project}/locations/global/keys`;
}

function apiKeyOf(value: unknown, what: string, origin: string): ApiKey {
  const k = record(value);
  const name = text(k?.name);
  const id = name === undefined ? undefined : /\/keys\/([^/]+)$/.exec(name)?.[1];
  const createdAt = timestamp(k?.createTime);
  if (k === undefined || name === undefined || id === undefined || createdAt === undefined)
    throw malformed(what, origin, 200, "has a key without a name or an RFC 3339 createTime");
  // A key that is deleted but whose deletion time cannot be read is not taken for a live one.
  const deletedAt =
    k.deleteTime === undefined || k.deleteTime === "" ? undefined : timestamp(k.deleteTime);
  if (deletedAt === undefined && k.deleteTime !== undefined && k.deleteTime !== "")
    throw malformed(what, origin, 200, "has a key whose deleteTime is not an RFC 3339 time");
  const targets = record(k.restrictions)?.apiTargets;
  return {
    name,
    id,
    createdAt,
    ...(deletedAt !== undefined ? { deletedAt } : {}),
    ...(text(k.displayName) ? { displayName: text(k.displayName) } : {}),
    services: (Array.isArray(targets) ? (targets as unknown[]) : [])
      .map((t) => text(record(t)?.service))
      .filter((s): s is string => s !== undefined),
    ...(text(k.serviceAccountEmail) ? { serviceAccountEmail: text(k.serviceAccountEmail) } : {}),
    annotations: stringFields(k.annotations),
  };
}

/** The project's keys, every page; with `showDeleted`, those deleted in the last 30 days too (their ids are still taken). */
export async function listApiKeys(
  api: Api,
  project: string,
  options: { showDeleted: boolean },
): Promise<ApiKey[]> {
  const what = `List the API keys of ${project}`;
  const u = new URL(keysUrl(api, project));
  u.searchParams.set("pageSize", "300");
  if (options.showDeleted) u.searchParams.set("showDeleted", "true");
  const ctx = context(api, what, "apikeys", onProject("apikeys.keys.list", "roles/viewer"));
  return listPages(api, ctx, u, "keys", (k, origin) => apiKeyOf(k, what, origin));
}

/** Polls an operation until it is done; its `error` becomes a Failure. */
async function finished(
  api: Api,
  what: string,
  op: unknown,
  ended: () => void = () => undefined,
): Promise<Record<string, unknown>> {
  let current = record(op);
  const started = api.http.clock.now();
  const deadline = started + OPERATION_DEADLINE_MS;
  let said = started;
  for (let poll = 0; current?.done !== true; poll++) {
    if (typeof current?.name !== "string" || !current.name.startsWith("operations/"))
      throw malformed(what, api.endpoints.apiKeys, 200, "is not a long-running operation");
    if (api.http.clock.now() >= deadline) {
      throw new Failure(
        "TIMEOUT",
        `${what}: Google's operation ${current.name} was not done after ${OPERATION_DEADLINE_MS / 1000} s.`,
        "Run again: the rotator finds the key it made, if the operation finished later.",
      );
    }
    // A line every half minute, so a slow operation is seen waiting, not hanging.
    const now = api.http.clock.now();
    if (now - said >= 30_000) {
      said = now;
      api.http.progress(
        `  ${what}: Google's operation is not done yet after ${Math.round((now - started) / 1000)} s (it gives up at ${OPERATION_DEADLINE_MS / 1000} s)...`,
      );
    }
    await api.http.clock.sleep(Math.min(500 * 2 ** poll, 10_000));
    current = record(
      await callJson(api.http, context(api, what, "apikeys", ADMIN), {
        method: "GET",
        url: `${api.endpoints.apiKeys}/v2/${current.name}`,
        headers: await api.headers(),
      }),
    );
  }
  ended();
  const error = record(current.error);
  if (error !== undefined) {
    const message = typeof error.message === "string" ? error.message.slice(0, 300) : "no message";
    // The operation's Status has the shape of an error body's `error`, details included.
    const failure = diagnoseHttp(400, { error }, context(api, what, "apikeys", ADMIN));
    throw failure.reason === "REQUEST_FAILED"
      ? new Failure("REQUEST_FAILED", `${what} failed: ${message}`, ADMIN)
      : failure;
  }
  return record(current.response) ?? {};
}

/**
 * Makes the key `keyId` and waits for it. Retrying with the same id is safe: if an earlier attempt
 * made it, Google refuses the id as taken, and the key the rotator made is then the one of that id
 * that carries its annotations.
 */
export async function createApiKey(
  api: Api,
  project: string,
  keyId: string,
  spec: NewApiKeySpec,
  /**
   * Told true once Google has accepted the request (from then on the key may exist) and false once
   * its operation has ended, either way: a failure in between leaves the outcome unknown.
   */
  pending: (unknown: boolean) => void = () => undefined,
): Promise<ApiKey> {
  const what = `Make the API key ${keyId}`;
  const body = {
    displayName: spec.displayName,
    restrictions: { apiTargets: [{ service: spec.service }] },
    serviceAccountEmail: spec.serviceAccountEmail,
    annotations: spec.annotations,
  };
  let op: unknown;
  try {
    op = await callJson(api.http, context(api, what, "apikeys", ADMIN), {
      method: "POST",
      url: `${keysUrl(api, project)}?keyId=${keyId}`,
      headers: await api.headers(),
      body,
    });
  } catch (err) {
    if (!(err instanceof Failure && /ALREADY_EXISTS|HTTP 409/.test(err.message))) throw err;
    const existing = await getApiKey(api, project, keyId);
    const ours = Object.entries(spec.annotations).every(([k, v]) => existing.annotations[k] === v);
    if (!ours || existing.deletedAt !== undefined)
      throw new Failure(
        "REQUEST_FAILED",
        `${what}: the id is taken by a key the rotator did not make now.`,
        "Run again a second later: the rotator gives every key an id of its own.",
      );
    return existing;
  }
  pending(true);
  return apiKeyOf(await finished(api, what, op, () => pending(false)), what, api.endpoints.apiKeys);
}

export async function getApiKey(api: Api, project: string, keyId: string): Promise<ApiKey> {
  const what = `Read the API key ${keyId}`;
  return apiKeyOf(
    await callJson(api.http, context(api, what, "apikeys", ADMIN), {
      method: "GET",
      url: `${keysUrl(api, project)}/${keyId}`,
      headers: await api.headers(),
    }),
    what,
    api.endpoints.apiKeys,
  );
}

/** The key's string: secret. */
export async function apiKeyString(api: Api, project: string, keyId: string): Promise<string> {
  const what = `Read the string of the API key ${keyId}`;
  const body = record(
    await callJson(api.http, context(api, what, "apikeys", ADMIN), {
      method: "GET",
      url: `${keysUrl(api, project)}/${keyId}/keyString`,
      headers: await api.headers(),
    }),
  );
  if (typeof body?.keyString !== "string" || body.keyString === "")
    throw malformed(what, api.endpoints.apiKeys, 200, "has no keyString");
  return body.keyString;
}

/**
 * Deletes a key and waits for it; one already gone is done. `checkExistingUsage=SKIP`: the rotator
 * deletes a key the policy has retired (or one it just made), whether or not it carried traffic
 * lately, which the newer API would otherwise check (keys.delete, checkExistingUsage).
 */
export async function deleteApiKey(api: Api, project: string, keyId: string): Promise<void> {
  const what = `Delete the API key ${keyId}`;
  let op: unknown;
  try {
    op = await callJson(api.http, context(api, what, "apikeys", ADMIN), {
      method: "DELETE",
      url: `${keysUrl(api, project)}/${keyId}?checkExistingUsage=SKIP`,
      headers: await api.headers(),
    });
  } catch (err) {
    if (err instanceof Failure && err.reason === "NOT_FOUND" && /not found/i.test(err.message))
      return;
    throw err;
  }
  await finished(api, what, op);
}
