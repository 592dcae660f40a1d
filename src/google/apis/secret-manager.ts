/**
 * Secret Manager v1 (discovery document secretmanager v1; the methods' shapes as
 * googleapis/google-api-nodejs-client discovery/secretmanager-v1.json, revision 20250324, gives
 * them). For whoever reads a secret the stack wrote (a key, the OAuth client, an API key):
 * versions.access of `latest`, its payload checked against `dataCrc32c`. For whoever keeps the
 * keys in it (the rotator): secrets.get and secrets.patch of its annotations (the etag travels in
 * the body; a stale one is refused with 400 FAILED_PRECONDITION,
 * cloud.google.com/secret-manager/docs/etags), versions.list with `filter=state:ENABLED`,
 * versions.get, addVersion with base64 `payload.data` and its `dataCrc32c`, and versions.destroy.
 * And whether a secret exists at all, for preflight.
 */

import { Failure } from "../../cli/failure.ts";
import { record } from "../../json.ts";
import type { CallContext } from "../errors/context.ts";
import { attemptJson, callJson, malformed, type Attempt, type Http } from "../http.ts";
import { context, listPages, stringFields, timestamp, type Api } from "./call.ts";
import { crc32c } from "./crc32c.ts";

const MANAGE =
  "The caller needs, on this secret only, secretmanager.secrets.get and .update (its annotations) and secretmanager.versions.add, .get, .list and .destroy.";

const SECRET_NAME = /^projects\/[^/]+\/secrets\/[A-Za-z0-9_-]{1,255}$/;

export interface SecretSource {
  /** `projects/P/secrets/S`, as the stack exports it. */
  name: string;
  /** The stack config key whose members may read it, named in the fix when reading is refused. */
  grantKey: string;
}

/** The secret's latest value as text. */
export async function accessSecret(
  http: Http,
  endpoint: string,
  headers: () => Promise<Record<string, string>>,
  source: SecretSource,
  context: Omit<CallContext, "what" | "service" | "grantKey">,
): Promise<string> {
  if (!SECRET_NAME.test(source.name)) {
    throw new Failure(
      "BAD_INPUT",
      `The stack output names the secret ${JSON.stringify(source.name)}, which is not projects/P/secrets/S.`,
      "Check --outputs is the JSON of `pulumi stack output --json`.",
      2,
    );
  }
  const what = `Read secret ${source.name}`;
  const url = `${endpoint}/v1/${source.name}/versions/latest:access`;
  const body = await callJson(
    http,
    { ...context, what, service: "secretmanager", grantKey: source.grantKey },
    { method: "GET", url, headers: await headers() },
  );
  const payload = record(record(body)?.payload);
  const data = payload?.data;
  if (typeof data !== "string")
    throw malformed(what, new URL(url).origin, 200, "has no payload.data");
  const bytes = Buffer.from(data, "base64");
  const expected = payload?.dataCrc32c;
  if (
    (typeof expected === "string" || typeof expected === "number") &&
    String(expected) !== String(crc32c(bytes))
  ) {
    throw malformed(
      what,
      new URL(url).origin,
      200,
      "has a payload whose CRC32C does not match dataCrc32c",
    );
  }
  return bytes.toString("utf8");
}

export interface SecretState {
  annotations: Record<string, string>;
  etag?: string;
}

export interface Version {
  number: number;
  createTime: string;
}

function url(api: Api, path: string): string {
  return `${api.endpoints.secretManager}/v1/${path}`;
}

function versionOf(value: unknown, what: string, origin: string): Version {
  const v = record(value);
  const number = typeof v?.name === "string" ? /\/versions\/(\d+)$/.exec(v.name)?.[1] : undefined;
  const createTime = timestamp(v?.createTime);
  if (number === undefined || createTime === undefined)
    throw malformed(what, origin, 200, "has a version without a name or an RFC 3339 createTime");
  return { number: Number(number), createTime };
}

/** A version's states (SecretVersion.State); anything else is not Google's answer. */
const VERSION_STATES = new Set(["ENABLED", "DISABLED", "DESTROYED"]);

export async function getSecret(api: Api, secret: string): Promise<SecretState> {
  const what = `Read the metadata of secret ${secret}`;
  const denied = `${MANAGE} If the secret does not exist, run pulumi up for the stack first: it creates the secret the key goes in.`;
  const body = record(
    await callJson(api.http, context(api, what, "secretmanager", denied), {
      method: "GET",
      url: url(api, secret),
      headers: await api.headers(),
    }),
  );
  if (body === undefined || typeof body.name !== "string")
    throw malformed(what, api.endpoints.secretManager, 200, "is not a secret");
  return {
    annotations: stringFields(body.annotations),
    etag: typeof body.etag === "string" ? body.etag : undefined,
  };
}

/**
 * Replaces the secret's annotations (updateMask=annotations), provided nobody changed the secret
 * since `etag`; returns the new etag (`{ stale: true }` when someone did).
 */
export async function patchAnnotations(
  api: Api,
  secret: string,
  state: SecretState,
): Promise<{ etag?: string; stale: boolean }> {
  const what = `Record the rotator's keys in the annotations of ${secret}`;
  const request = {
    method: "PATCH" as const,
    url: `${url(api, secret)}?updateMask=annotations`,
    headers: await api.headers(),
    body: { annotations: state.annotations, etag: state.etag },
  };
  try {
    const body = record(
      await callJson(api.http, context(api, what, "secretmanager", MANAGE), request),
    );
    return { etag: typeof body?.etag === "string" ? body.etag : undefined, stale: false };
  } catch (err) {
    if (
      err instanceof Failure &&
      state.etag !== undefined &&
      /FAILED_PRECONDITION/.test(err.message)
    )
      return { stale: true };
    throw err;
  }
}

/** The secret's enabled versions, newest first (every page). */
export async function enabledVersions(api: Api, secret: string): Promise<Version[]> {
  const what = `List the enabled versions of ${secret}`;
  const u = new URL(`${url(api, secret)}/versions`);
  u.searchParams.set("filter", "state:ENABLED");
  const versions = await listPages(
    api,
    context(api, what, "secretmanager", MANAGE),
    u,
    "versions",
    (v, origin) => versionOf(v, what, origin),
  );
  return versions.sort((a, b) => b.number - a.number);
}

/**
 * One version read by its number, which Secret Manager answers consistently right after a change
 * (unlike a list, which may lag minutes behind: cloud.google.com/secret-manager/docs/reference/
 * consistency). Undefined when there is no such version.
 */
export async function getVersion(
  api: Api,
  secret: string,
  version: number,
): Promise<{ state: string; createTime: string } | undefined> {
  const what = `Read version ${version} of ${secret}`;
  let body: unknown;
  try {
    body = await callJson(api.http, context(api, what, "secretmanager", MANAGE), {
      method: "GET",
      url: `${url(api, secret)}/versions/${version}`,
      headers: await api.headers(),
    });
  } catch (err) {
    if (err instanceof Failure && err.reason === "NOT_FOUND" && /not found/i.test(err.message))
      return undefined;
    throw err;
  }
  // An answer that is not this version (no name, another number, no known state) is malformed,
  // never read as a version that is gone or disabled: the rotator would act on that.
  const read = versionOf(body, what, api.endpoints.secretManager);
  const state = record(body)?.state;
  if (read.number !== version || typeof state !== "string" || !VERSION_STATES.has(state))
    throw malformed(
      what,
      api.endpoints.secretManager,
      200,
      `is not version ${version} with a state`,
    );
  return { state, createTime: read.createTime };
}

/** One attempt to add `data` as the secret's newest version (not retried here: a lost answer may still have added it). */
export async function addVersionAttempt(
  api: Api,
  secret: string,
  data: string,
): Promise<Attempt<Version>> {
  const what = `Add the new key to ${secret}`;
  const bytes = Buffer.from(data, "utf8");
  const body = { payload: { data: bytes.toString("base64"), dataCrc32c: String(crc32c(bytes)) } };
  const attempt = await attemptJson(api.http, context(api, what, "secretmanager", MANAGE), {
    method: "POST",
    url: `${url(api, secret)}:addVersion`,
    headers: await api.headers(),
    body,
  });
  return "value" in attempt
    ? { value: versionOf(attempt.value, what, api.endpoints.secretManager) }
    : attempt;
}

/** Destroys a version's data for good; a version already destroyed is done. */
export async function destroyVersion(api: Api, secret: string, version: number): Promise<void> {
  const what = `Destroy version ${version} of ${secret}`;
  try {
    await callJson(api.http, context(api, what, "secretmanager", MANAGE), {
      method: "POST",
      url: `${url(api, secret)}/versions/${version}:destroy`,
      headers: await api.headers(),
      body: {},
    });
  } catch (err) {
    if (err instanceof Failure && /DESTROYED state/.test(err.message)) return;
    throw err;
  }
}

/**
 * Whether the secret exists: secrets.get, 200 or 404; "unknown" when the caller may not read it
 * (Google answers 403 whether or not it exists).
 */
export async function secretExists(
  api: Api,
  project: string,
  secretId: string,
): Promise<"yes" | "no" | "unknown"> {
  try {
    await getSecret(api, `projects/${project}/secrets/${secretId}`);
    return "yes";
  } catch (err) {
    if (err instanceof Failure && err.reason === "NOT_FOUND") return "no";
    if (err instanceof Failure && err.reason === "PERMISSION_DENIED") return "unknown";
    throw err;
  }
}
