/**
 * The fake's IAM service-account keys (iam v1, googleapis/google-api-nodejs-client
 * discovery/iam-v1.json, revision 20250116): keys.list (`keyTypes=USER_MANAGED`), keys.get, keys.create
 * (`privateKeyData` is the base64 of the key file; its `name` ends in the key id, the file's
 * `private_key_id`) and keys.delete. Key creation refused by the organization policy
 * iam.disableServiceAccountKeyCreation answers 400 FAILED_PRECONDITION with a
 * google.rpc.PreconditionFailure violation (cloud.google.com/iam/docs/troubleshoot-org-policies;
 * the violation as gcloud prints it in google/create-service-account#21), and an account's
 * eleventh key 400 FAILED_PRECONDITION "Precondition check failed." (IAM allows 10 keys an account,
 * cloud.google.com/iam/docs/keys-create-delete; the body as firebase/firebase-tools#6192 quotes it).
 */

import { bearer } from "./oauth.ts";
import { serviceAccountKey } from "./credentials.ts";
import { googleError, googleErrorWith, json, permissionDenied } from "./respond.ts";
import { settled, type AccountKey, type GoogleState } from "./state.ts";
import type { Handler, RequestContext } from "./routes.ts";

const MAX_KEYS = 10;

/** The project of an account's e-mail (`NAME@PROJECT.iam.gserviceaccount.com`). */
function accountProject(email: string): string {
  return /@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? "unknown";
}

function keyJson(email: string, key: AccountKey): Record<string, unknown> {
  return {
    name: `projects/${accountProject(email)}/serviceAccounts/${email}/keys/${key.keyId}`,
    validAfterTime: key.validAfterTime,
    validBeforeTime: "9999-12-31T23:59:59Z",
    keyAlgorithm: "KEY_ALG_RSA_2048",
    keyOrigin: "GOOGLE_PROVIDED",
    keyType: "USER_MANAGED",
    ...(key.disabled ? { disabled: true } : {}),
  };
}

/** The account's keys when the caller holds key admin on it; otherwise the error response is sent. */
function keysOf(
  ctx: RequestContext,
  email: string,
  permission: string,
): Map<string, AccountKey> | undefined {
  const { token } = bearer(ctx.state, ctx.req.headers.authorization);
  if (token === undefined) {
    json(
      ctx.res,
      401,
      googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
    );
    return undefined;
  }
  const keys = ctx.state.accounts.get(email);
  if (keys === undefined || !ctx.state.keyAdmins.get(email)?.has(token.principal)) {
    permissionDenied(
      ctx.res,
      permission,
      `projects/-/serviceAccounts/${email}`,
      "iam.googleapis.com",
    );
    return undefined;
  }
  return keys;
}

export const listKeys: Handler = (ctx, [, email]) => {
  const keys = keysOf(ctx, email!, "iam.serviceAccountKeys.list");
  if (keys === undefined) return;
  const listed = [...keys.values()]
    .filter((k) => settled(ctx.state, k.validAfterTime))
    .map((k) => keyJson(email!, k));
  // Every account also has Google's own system-managed keys; only keyTypes=USER_MANAGED leaves them out.
  const types = ctx.url.searchParams.getAll("keyTypes");
  if (!types.includes("USER_MANAGED")) {
    listed.push({
      ...keyJson(email!, {
        keyId: "0f5e1c2d3b4a59687786950a4b3c2d1e0f9a8b7c",
        validAfterTime: "2026-11-20T00:00:00Z",
        publicKeyPem: "",
        disabled: false,
        refusalsLeft: 0,
      }),
      keyType: "SYSTEM_MANAGED",
      validBeforeTime: "2026-12-06T00:00:00Z",
    });
  }
  json(ctx.res, 200, listed.length > 0 ? { keys: listed } : {});
};

/** IAM's 404 for a key id the account does not have. */
function keyNotFound(ctx: RequestContext, email: string, keyId: string): void {
  json(
    ctx.res,
    404,
    googleError(
      404,
      "NOT_FOUND",
      `Service account key projects/${accountProject(email)}/serviceAccounts/${email}/keys/${keyId} does not exist.`,
    ),
  );
}

export const getKey: Handler = (ctx, [, email, keyId]) => {
  const keys = keysOf(ctx, email!, "iam.serviceAccountKeys.get");
  if (keys === undefined) return;
  const key = keys.get(keyId!);
  if (key === undefined || !settled(ctx.state, key.validAfterTime))
    return keyNotFound(ctx, email!, keyId!);
  json(ctx.res, 200, keyJson(email!, key));
};

/**
 * Whether the project's effective policies enforce either key-creation constraint: one rule
 * `enforce: true` (the constraints are boolean; neither is enforced by default), the same
 * policies the fake's getEffectivePolicy answers with.
 */
function keyCreationEnforced(state: GoogleState, project: string): boolean {
  const policies = state.cloudProjects.get(project)?.policies;
  return [
    "iam.disableServiceAccountKeyCreation",
    "iam.managed.disableServiceAccountKeyCreation",
  ].some((c) => {
    const rules = policies?.get(c)?.rules;
    return Array.isArray(rules) && rules.some((r) => (r as { enforce?: unknown }).enforce === true);
  });
}

export const createKey: Handler = (ctx, [, email]) => {
  const keys = keysOf(ctx, email!, "iam.serviceAccountKeys.create");
  if (keys === undefined) return;
  if (ctx.state.keyCreationBlocked || keyCreationEnforced(ctx.state, accountProject(email!))) {
    return json(
      ctx.res,
      400,
      googleErrorWith(
        400,
        "FAILED_PRECONDITION",
        "Key creation is not allowed on this service account.",
        [
          {
            "@type": "type.googleapis.com/google.rpc.PreconditionFailure",
            violations: [
              {
                type: "constraints/iam.disableServiceAccountKeyCreation",
                subject: `projects/${accountProject(email!)}/serviceAccounts/${email!}?configvalue=${encodeURIComponent(email!)}`,
                description: "Key creation is not allowed on this service account.",
              },
            ],
          },
        ],
      ),
    );
  }
  if (keys.size >= MAX_KEYS)
    return json(
      ctx.res,
      400,
      googleErrorWith(400, "FAILED_PRECONDITION", "Precondition check failed.", []),
    );
  const generated = serviceAccountKey(email!, accountProject(email!));
  const key: AccountKey = {
    keyId: generated.keyId,
    validAfterTime: new Date(ctx.state.now()).toISOString(),
    publicKeyPem: generated.publicKeyPem,
    disabled: false,
    refusalsLeft: ctx.state.newKeyRefusals,
  };
  keys.set(key.keyId, key);
  json(ctx.res, 200, {
    ...keyJson(email!, key),
    privateKeyType: "TYPE_GOOGLE_CREDENTIALS_FILE",
    privateKeyData: Buffer.from(generated.file).toString("base64"),
  });
};

export const deleteKey: Handler = (ctx, [, email, keyId]) => {
  const keys = keysOf(ctx, email!, "iam.serviceAccountKeys.delete");
  if (keys === undefined) return;
  if (!keys.delete(keyId!)) return keyNotFound(ctx, email!, keyId!);
  json(ctx.res, 200, {});
};

/** The key ids IAM holds for an account now, for tests. */
export function keyIds(state: GoogleState, email: string): string[] {
  return [...(state.accounts.get(email)?.keys() ?? [])].sort();
}
