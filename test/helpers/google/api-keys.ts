/**
 * The fake's API Keys v2 (googleapis/google-api-nodejs-client src/apis/apikeys/v2.ts; REST reference
 * cloud.google.com/api-keys/docs/reference/rest/v2/projects.locations.keys): keys.create with a
 * `keyId` (RFC 1034, `[a-z]([a-z0-9-]{0,61}[a-z0-9])?`), keys.delete and their long-running
 * operations (`operations/akmf.p7-...`, polled with operations.get until `done`, the response the
 * Key itself, `@type: type.googleapis.com/google.api.apikeys.v2.Key`), keys.list (deleted keys only
 * with `showDeleted`), keys.get and keys.getKeyString. A deleted key is soft-deleted: it keeps its id
 * for 30 days (its `deleteTime` set), so creating that id again is refused as ALREADY_EXISTS (409,
 * the standard code for a taken id, AIP-133; no Google page shows the body). Binding a key to a
 * service account needs iam.serviceAccountApiKeyBindings.create on it (ai.google.dev/gemini-api/docs/api-key).
 */

import { randomUUID } from "node:crypto";
import { apiKeyString } from "./credentials.ts";
import { holds } from "./iam-policy.ts";
import { bearer } from "./oauth.ts";
import { answerOperation, googleError, json, permissionDenied } from "./respond.ts";
import { findProject } from "./resource-manager.ts";
import { PROJECT_NUMBER, settled, type ApiKeyRecord, type GoogleState } from "./state.ts";
import type { Handler, RequestContext } from "./routes.ts";

const KEY_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const KEY_TYPE = "type.googleapis.com/google.api.apikeys.v2.Key";

function keyName(keyId: string): string {
  return `projects/${PROJECT_NUMBER}/locations/global/keys/${keyId}`;
}

function keyJson(key: ApiKeyRecord, withString = false): Record<string, unknown> {
  return {
    name: keyName(key.keyId),
    uid: key.uid,
    displayName: key.displayName,
    ...(withString ? { keyString: key.keyString } : {}),
    createTime: key.createTime,
    updateTime: key.updateTime,
    ...(key.deleteTime ? { deleteTime: key.deleteTime } : {}),
    ...(Object.keys(key.annotations).length > 0 ? { annotations: key.annotations } : {}),
    ...(key.restrictions ? { restrictions: key.restrictions } : {}),
    etag: `W/"${key.uid.slice(0, 8)}"`,
    ...(key.serviceAccountEmail ? { serviceAccountEmail: key.serviceAccountEmail } : {}),
  };
}

/** The caller, when it holds the API key rights on the project; otherwise the error response is sent. */
function admin(ctx: RequestContext, permission: string, resource: string): string | undefined {
  const { token } = bearer(ctx.state, ctx.req.headers.authorization);
  if (token === undefined) {
    json(
      ctx.res,
      401,
      googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
    );
    return undefined;
  }
  // The rotator's rights, or this one permission held through a grant on the project (preflight lists keys).
  const project = /^projects\/([^/]+)/.exec(resource)?.[1];
  if (
    !ctx.state.apiKeyAdmins.has(token.principal) &&
    !(
      project !== undefined &&
      holds(
        ctx.state,
        token.principal,
        findProject(ctx.state, project)?.projectId ?? project,
        permission,
      )
    )
  ) {
    permissionDenied(ctx.res, permission, resource, "apikeys.googleapis.com");
    return undefined;
  }
  return token.principal;
}

function operation(
  state: GoogleState,
  result: () => Record<string, unknown>,
): Record<string, unknown> {
  const name = `operations/akmf.p7-${PROJECT_NUMBER}-${randomUUID()}`;
  state.operations.set(name, { name, pollsLeft: state.operationPolls, response: result });
  return { name };
}

/**
 * The key of that id, or undefined once Google's 404 is sent. A read (`settledOnly`) does not see a
 * key made less than the read lag ago; calls by name that act on it do.
 */
function found(ctx: RequestContext, keyId: string, settledOnly = false): ApiKeyRecord | undefined {
  const key = ctx.state.apiKeyRecords.get(keyId);
  if (key === undefined || (settledOnly && !settled(ctx.state, key.createTime))) {
    json(ctx.res, 404, googleError(404, "NOT_FOUND", `key "${keyName(keyId)}" not found`));
    return undefined;
  }
  return key;
}

export const listApiKeys: Handler = (ctx, [project]) => {
  if (admin(ctx, "apikeys.keys.list", `projects/${project!}`) === undefined) return;
  const deleted = ctx.url.searchParams.get("showDeleted") === "true";
  const keys = [...ctx.state.apiKeyRecords.values()].filter(
    (k) => (deleted || k.deleteTime === undefined) && settled(ctx.state, k.createTime),
  );
  const size = Number(ctx.url.searchParams.get("pageSize") ?? 0) || 300;
  const offset = Number(ctx.url.searchParams.get("pageToken") || 0);
  const page = keys.slice(offset, offset + size);
  json(ctx.res, 200, {
    ...(page.length > 0 ? { keys: page.map((k) => keyJson(k)) } : {}),
    ...(offset + size < keys.length ? { nextPageToken: String(offset + size) } : {}),
  });
};

export const createApiKey: Handler = (ctx, [project]) => {
  if (admin(ctx, "apikeys.keys.create", `projects/${project!}`) === undefined) return;
  const keyId = ctx.url.searchParams.get("keyId") ?? randomUUID();
  if (!KEY_ID.test(keyId))
    return json(
      ctx.res,
      400,
      googleError(
        400,
        "INVALID_ARGUMENT",
        `Invalid key id ${keyId}: it must match [a-z]([a-z0-9-]{0,61}[a-z0-9])?.`,
      ),
    );
  if (ctx.state.apiKeyRecords.has(keyId))
    return json(
      ctx.res,
      409,
      googleError(409, "ALREADY_EXISTS", `Key with id ${keyId} already exists.`),
    );
  const body = JSON.parse(ctx.body || "{}") as Partial<ApiKeyRecord>;
  const caller = bearer(ctx.state, ctx.req.headers.authorization).token!.principal;
  if (
    body.serviceAccountEmail !== undefined &&
    !ctx.state.keyBinders.get(body.serviceAccountEmail)?.has(caller)
  ) {
    return permissionDenied(
      ctx.res,
      "iam.serviceAccountApiKeyBindings.create",
      `projects/-/serviceAccounts/${body.serviceAccountEmail}`,
      "iam.googleapis.com",
    );
  }
  if (body.serviceAccountEmail !== undefined && ctx.state.apiKeyBindingBlocked) {
    // The operation fails with the policy's violation. No Google page shows this body; it follows
    // the key-creation constraint's (400 FAILED_PRECONDITION, google.rpc.PreconditionFailure).
    const name = `operations/akmf.p7-${PROJECT_NUMBER}-${randomUUID()}`;
    ctx.state.operations.set(name, {
      name,
      pollsLeft: ctx.state.operationPolls,
      error: {
        code: 9,
        message: "Binding API keys to service accounts is not allowed by the organization policy.",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.PreconditionFailure",
            violations: [
              {
                type: "constraints/iam.managed.disableServiceAccountApiKeyCreation",
                subject: `projects/${project!}`,
                description: "API key binding to service accounts is disabled.",
              },
            ],
          },
        ],
      },
    });
    return json(ctx.res, 200, { name });
  }
  const now = new Date(ctx.state.now()).toISOString();
  const key: ApiKeyRecord = {
    keyId,
    uid: randomUUID(),
    displayName: body.displayName ?? "",
    keyString: apiKeyString(),
    createTime: now,
    updateTime: now,
    annotations: body.annotations ?? {},
    restrictions: body.restrictions,
    serviceAccountEmail: body.serviceAccountEmail,
    refusalsLeft: ctx.state.newKeyRefusals,
    listOnly: ctx.state.newApiKeysListOnly,
  };
  ctx.state.apiKeyRecords.set(keyId, key);
  ctx.state.apiKeys.set(key.keyString, key);
  json(
    ctx.res,
    200,
    operation(ctx.state, () => ({ "@type": KEY_TYPE, ...keyJson(key, true) })),
  );
};

export const getApiKey: Handler = (ctx, [project, keyId]) => {
  if (
    admin(ctx, "apikeys.keys.get", `projects/${project!}/locations/global/keys/${keyId!}`) ===
    undefined
  )
    return;
  const key = found(ctx, keyId!, true);
  if (key !== undefined) json(ctx.res, 200, keyJson(key));
};

export const getKeyString: Handler = (ctx, [project, keyId]) => {
  if (
    admin(
      ctx,
      "apikeys.keys.getKeyString",
      `projects/${project!}/locations/global/keys/${keyId!}`,
    ) === undefined
  )
    return;
  const key = found(ctx, keyId!);
  if (key !== undefined) json(ctx.res, 200, { keyString: key.keyString });
};

export const deleteApiKey: Handler = (ctx, [project, keyId]) => {
  if (
    admin(ctx, "apikeys.keys.delete", `projects/${project!}/locations/global/keys/${keyId!}`) ===
    undefined
  )
    return;
  const key = found(ctx, keyId!);
  if (key === undefined) return;
  key.deleteTime ??= new Date(ctx.state.now()).toISOString();
  json(
    ctx.res,
    200,
    operation(ctx.state, () => ({ "@type": KEY_TYPE, ...keyJson(key) })),
  );
};

export const getOperation: Handler = (ctx, [id]) => {
  if (admin(ctx, "serviceusage.operations.get", `operations/${id!}`) === undefined) return;
  answerOperation(ctx.res, ctx.state.operations, id!, {
    metadata: { "@type": "type.googleapis.com/google.protobuf.Empty" },
  });
};

/** The project's API keys that are not deleted, by id, for tests. */
export function liveApiKeys(state: GoogleState): string[] {
  return [...state.apiKeyRecords.values()]
    .filter((k) => k.deleteTime === undefined)
    .map((k) => k.keyId)
    .sort();
}
