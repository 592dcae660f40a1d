/**
 * IAM v1's service-account keys (projects.serviceAccounts.keys, in the shapes of
 * googleapis/google-api-nodejs-client discovery/iam-v1.json, revision 20250116), as the rotator
 * keeps them: keys.list with `keyTypes=USER_MANAGED` (Google's own system-managed keys are not the
 * kit's), keys.get, keys.create, whose `privateKeyData` is the base64 of the key file and whose
 * `name` ends in the key id (the file's `private_key_id`), and keys.delete. Accounts are named with
 * their project, not the `-` wildcard, which Google warns turns a missing account's 404 into a
 * misleading 403.
 */

import { Failure } from "../../cli/failure.ts";
import { record } from "../../json.ts";
import { attemptJson, callJson, malformed, type Attempt } from "../http.ts";
import { context, timestamp, type Api } from "./call.ts";
import { accountProject } from "../../naming.ts";

/** IAM allows ten keys an account (cloud.google.com/iam/docs/keys-create-delete). */
export const MAX_ACCOUNT_KEYS = 10;

const KEY_ADMIN =
  "The caller needs roles/iam.serviceAccountKeyAdmin on this account (on the account, not the project).";

export interface AccountKey {
  id: string;
  /** validAfterTime: when IAM made it. */
  createdAt: string;
  disabled: boolean;
}

export interface NewAccountKey extends AccountKey {
  /** The key file, as Google issued it: secret. */
  file: string;
}

function accountPath(email: string): string {
  return `projects/${accountProject(email) ?? "-"}/serviceAccounts/${email}`;
}

function keyOf(value: unknown, what: string, origin: string): AccountKey {
  const k = record(value);
  const id = typeof k?.name === "string" ? /\/keys\/([^/]+)$/.exec(k.name)?.[1] : undefined;
  const createdAt = timestamp(k?.validAfterTime);
  if (id === undefined || createdAt === undefined)
    throw malformed(what, origin, 200, "has a key without a name or an RFC 3339 validAfterTime");
  return { id, createdAt, disabled: k?.disabled === true };
}

export async function listAccountKeys(api: Api, email: string): Promise<AccountKey[]> {
  const what = `List the keys of ${email}`;
  const u = new URL(`${api.endpoints.iam}/v1/${accountPath(email)}/keys`);
  u.searchParams.set("keyTypes", "USER_MANAGED");
  const body = record(
    await callJson(api.http, context(api, what, "iam", KEY_ADMIN), {
      method: "GET",
      url: u.href,
      headers: await api.headers(),
    }),
  );
  if (body === undefined) throw malformed(what, u.origin, 200, "is not a JSON object");
  return (Array.isArray(body.keys) ? body.keys : []).map((k) => keyOf(k, what, u.origin));
}

/** One key read by its id (a list may not show a key made or deleted moments ago); undefined when it is gone. */
export async function getAccountKey(
  api: Api,
  email: string,
  id: string,
): Promise<AccountKey | undefined> {
  const what = `Read key ${id} of ${email}`;
  try {
    return keyOf(
      await callJson(api.http, context(api, what, "iam", KEY_ADMIN), {
        method: "GET",
        url: `${api.endpoints.iam}/v1/${accountPath(email)}/keys/${id}`,
        headers: await api.headers(),
      }),
      what,
      api.endpoints.iam,
    );
  } catch (err) {
    if (
      err instanceof Failure &&
      err.reason === "NOT_FOUND" &&
      /does not exist|not found/i.test(err.message)
    )
      return undefined;
    throw err;
  }
}

/** One attempt to make a key (not retried here: a lost answer may still have made one, whose private half is then lost). */
export async function createAccountKeyAttempt(
  api: Api,
  email: string,
): Promise<Attempt<NewAccountKey>> {
  const what = `Make a key for ${email}`;
  const request = {
    method: "POST" as const,
    url: `${api.endpoints.iam}/v1/${accountPath(email)}/keys`,
    headers: await api.headers(),
    body: { privateKeyType: "TYPE_GOOGLE_CREDENTIALS_FILE", keyAlgorithm: "KEY_ALG_RSA_2048" },
  };
  const attempt = await attemptJson(api.http, context(api, what, "iam", KEY_ADMIN), request);
  if (!("value" in attempt)) return attempt;
  const key = keyOf(attempt.value, what, api.endpoints.iam);
  const data = record(attempt.value)?.privateKeyData;
  if (typeof data !== "string")
    throw malformed(what, api.endpoints.iam, 200, "has no privateKeyData");
  const file = Buffer.from(data, "base64").toString("utf8");
  let keyId: unknown;
  try {
    keyId = record(JSON.parse(file))?.private_key_id;
  } catch {
    keyId = undefined;
  }
  // The key's name ends in its id, which is the file's private_key_id: a file that disagrees is not this key.
  if (keyId !== key.id)
    throw malformed(
      what,
      api.endpoints.iam,
      200,
      "has privateKeyData that is not the key file of the key it names",
    );
  return { value: { ...key, file } };
}

/** Deletes a key; one already gone is done. */
export async function deleteAccountKey(api: Api, email: string, id: string): Promise<void> {
  const what = `Delete key ${id} of ${email}`;
  try {
    await callJson(api.http, context(api, what, "iam", KEY_ADMIN), {
      method: "DELETE",
      url: `${api.endpoints.iam}/v1/${accountPath(email)}/keys/${id}`,
      headers: await api.headers(),
    });
  } catch (err) {
    if (
      err instanceof Failure &&
      err.reason === "NOT_FOUND" &&
      /does not exist|not found/i.test(err.message)
    )
      return;
    throw err;
  }
}
