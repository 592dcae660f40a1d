/**
 * The fake's Secret Manager v1, in the shapes of its discovery document (secretmanager v1,
 * googleapis/google-api-nodejs-client discovery/secretmanager-v1.json, revision 20250324):
 * secrets.get and secrets.patch (annotations, with an etag that a stale patch fails on, 400
 * FAILED_PRECONDITION as cloud.google.com/secret-manager/docs/etags says), versions.list (newest
 * first, `filter=state:ENABLED`), addVersion (base64 `payload.data`, checked against
 * `payload.dataCrc32c`), versions.get, versions.destroy, versions.access (`latest` is the most
 * recently created version, whatever its state), and secrets.testIamPermissions (the IAM policy
 * mixin of iam-policy.ts, behind the caller check of resource-manager.ts). Names come back with the
 * project number, as Google writes them.
 */

import { crc32c } from "../../../src/google/apis/crc32c.ts";
import { holds, testPermissions } from "./iam-policy.ts";
import { bearer } from "./oauth.ts";
import { googleError, json, permissionDenied } from "./respond.ts";
import { caller, findProject } from "./resource-manager.ts";
import {
  byProjectId,
  byProjectNumber,
  settled,
  type GoogleState,
  type SecretVersion,
  type StoredSecret,
} from "./state.ts";
import type { Handler, RequestContext } from "./routes.ts";

const DOMAIN = "secretmanager.googleapis.com";

function etag(secret: StoredSecret): string {
  return `"${secret.etag.toString(16).padStart(14, "0")}"`;
}

function secretJson(state: GoogleState, secret: StoredSecret): Record<string, unknown> {
  return {
    name: byProjectNumber(state, secret.name),
    replication: { automatic: {} },
    createTime: "2026-11-02T10:00:00Z",
    labels: { "managed-by": "gemini-access-kit" },
    etag: etag(secret),
    ...(Object.keys(secret.annotations).length > 0 ? { annotations: secret.annotations } : {}),
  };
}

function versionJson(
  state: GoogleState,
  secret: StoredSecret,
  v: SecretVersion,
): Record<string, unknown> {
  return {
    name: byProjectNumber(state, `${secret.name}/versions/${v.number}`),
    createTime: v.createTime,
    state: v.state,
    ...(v.destroyTime ? { destroyTime: v.destroyTime } : {}),
    replicationStatus: { automatic: {} },
    etag: `"${v.number.toString(16).padStart(14, "0")}"`,
    clientSpecifiedPayloadChecksum: true,
  };
}

/** The secret and the caller, or the error response already sent (401 without a token, 403 without the permission). */
function authorized(
  ctx: Parameters<Handler>[0],
  name: string,
  permission: string,
  resource = name,
): StoredSecret | undefined {
  const { token } = bearer(ctx.state, ctx.req.headers.authorization);
  if (token === undefined) {
    json(
      ctx.res,
      401,
      googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
    );
    return undefined;
  }
  const secret = ctx.state.secrets.get(byProjectId(ctx.state, name));
  const allowed =
    permission === "secretmanager.versions.access" ? secret?.readers : secret?.managers;
  // Or the permission held through a grant on the project, perhaps limited by a condition on the secret's id.
  const [, project, id] =
    /^projects\/([^/]+)\/secrets\/([^/]+)/.exec(byProjectId(ctx.state, name)) ?? [];
  const granted =
    project !== undefined && holds(ctx.state, token.principal, project, permission, id);
  // Google answers 403 for a secret the caller may not use whether or not it exists.
  if (secret === undefined || !(allowed?.has(token.principal) || granted)) {
    if (secret !== undefined || permission === "secretmanager.versions.access")
      permissionDenied(ctx.res, permission, resource, DOMAIN);
    else
      json(
        ctx.res,
        404,
        googleError(404, "NOT_FOUND", `Secret [${name}] not found or has no versions.`),
      );
    return undefined;
  }
  return secret;
}

export const getSecret: Handler = (ctx, [name]) => {
  const secret = authorized(ctx, name!, "secretmanager.secrets.get");
  if (secret !== undefined) json(ctx.res, 200, secretJson(ctx.state, secret));
};

export const patchSecret: Handler = (ctx, [name]) => {
  const secret = authorized(ctx, name!, "secretmanager.secrets.update");
  if (secret === undefined) return;
  const body = JSON.parse(ctx.body || "{}") as {
    annotations?: Record<string, string>;
    etag?: string;
  };
  if (ctx.url.searchParams.get("updateMask") !== "annotations") {
    return json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", "The fake supports updateMask=annotations only."),
    );
  }
  if (body.etag !== undefined && body.etag !== etag(secret)) {
    return json(
      ctx.res,
      400,
      googleError(
        400,
        "FAILED_PRECONDITION",
        `The etag provided in the request does not match the current etag of Secret [${name!}].`,
      ),
    );
  }
  const annotations = body.annotations ?? {};
  const size = Object.entries(annotations).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
  const badKey = Object.keys(annotations).find(
    (k) => !/^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/.test(k),
  );
  if (badKey !== undefined || size >= 16 * 1024) {
    return json(
      ctx.res,
      400,
      googleError(
        400,
        "INVALID_ARGUMENT",
        `Invalid annotations${badKey ? `: key ${badKey}` : ": total size must be less than 16KiB"}.`,
      ),
    );
  }
  secret.annotations = annotations;
  secret.etag++;
  json(ctx.res, 200, secretJson(ctx.state, secret));
};

export const listVersions: Handler = (ctx, [name]) => {
  const secret = authorized(ctx, name!, "secretmanager.versions.list");
  if (secret === undefined) return;
  const filter = ctx.url.searchParams.get("filter");
  const state =
    filter === null ? undefined : /^state:(ENABLED|DISABLED|DESTROYED)$/.exec(filter)?.[1];
  if (filter !== null && state === undefined)
    return json(ctx.res, 400, googleError(400, "INVALID_ARGUMENT", `Invalid filter: ${filter}`));
  const matching = secret.versions
    .filter((v) => settled(ctx.state, v.createTime))
    .filter((v) => state === undefined || v.state === state)
    .sort((a, b) => b.number - a.number);
  const size = Math.min(Number(ctx.url.searchParams.get("pageSize") ?? 0) || 25000, 25000);
  const offset = Number(ctx.url.searchParams.get("pageToken") || 0);
  const page = matching.slice(offset, offset + size);
  json(ctx.res, 200, {
    ...(page.length > 0 ? { versions: page.map((v) => versionJson(ctx.state, secret, v)) } : {}),
    ...(offset + size < matching.length ? { nextPageToken: String(offset + size) } : {}),
    totalSize: filter === null ? matching.length : 0,
  });
};

/**
 * The version by its number, or undefined once the 404 Google gives for a missing one is sent. A
 * read (`settledOnly`) does not see a version made less than the read lag ago; writes by name do.
 */
function findVersion(
  ctx: RequestContext,
  secret: StoredSecret,
  name: string,
  number: string,
  settledOnly = false,
): SecretVersion | undefined {
  const version = secret.versions.find((v) => v.number === Number(number));
  if (version === undefined || (settledOnly && !settled(ctx.state, version.createTime))) {
    json(ctx.res, 404, googleError(404, "NOT_FOUND", `Secret Version [${name}] not found.`));
    return undefined;
  }
  return version;
}

export const getVersion: Handler = (ctx, [name, number]) => {
  const secret = authorized(
    ctx,
    name!,
    "secretmanager.versions.get",
    `${name!}/versions/${number!}`,
  );
  if (secret === undefined) return;
  const version = findVersion(ctx, secret, `${name!}/versions/${number!}`, number!, true);
  if (version === undefined) return;
  json(ctx.res, 200, versionJson(ctx.state, secret, version));
};

export const addVersion: Handler = (ctx, [name]) => {
  const secret = authorized(ctx, name!, "secretmanager.versions.add");
  if (secret === undefined) return;
  const payload = (
    JSON.parse(ctx.body || "{}") as { payload?: { data?: string; dataCrc32c?: string } }
  ).payload;
  if (typeof payload?.data !== "string")
    return json(ctx.res, 400, googleError(400, "INVALID_ARGUMENT", "Payload is required."));
  const data = Buffer.from(payload.data, "base64");
  if (payload.dataCrc32c !== undefined && payload.dataCrc32c !== String(crc32c(data))) {
    return json(
      ctx.res,
      400,
      googleError(
        400,
        "INVALID_ARGUMENT",
        "Checksum mismatch: the data does not match dataCrc32c.",
      ),
    );
  }
  const version: SecretVersion = {
    number: (secret.versions.at(-1)?.number ?? 0) + 1,
    createTime: new Date(ctx.state.now()).toISOString(),
    state: "ENABLED",
    data,
  };
  secret.versions.push(version);
  json(ctx.res, 200, versionJson(ctx.state, secret, version));
};

export const destroyVersion: Handler = (ctx, [name, number]) => {
  const secret = authorized(
    ctx,
    name!,
    "secretmanager.versions.destroy",
    `${name!}/versions/${number!}`,
  );
  if (secret === undefined) return;
  const version = findVersion(ctx, secret, `${name!}/versions/${number!}`, number!);
  if (version === undefined) return;
  if (version.state === "DESTROYED")
    return json(
      ctx.res,
      400,
      googleError(
        400,
        "FAILED_PRECONDITION",
        `Secret Version [${name!}/versions/${number!}] is in DESTROYED state.`,
      ),
    );
  Object.assign(version, {
    state: "DESTROYED",
    data: undefined,
    destroyTime: new Date(ctx.state.now()).toISOString(),
  });
  json(ctx.res, 200, versionJson(ctx.state, secret, version));
};

export const accessVersion: Handler = (ctx, [name, which]) => {
  const secret = authorized(
    ctx,
    name!,
    "secretmanager.versions.access",
    `${name!}/versions/${which!}`,
  );
  if (secret === undefined) return;
  const version =
    which === "latest"
      ? secret.versions.at(-1)
      : secret.versions.find((v) => v.number === Number(which));
  if (version === undefined)
    return json(
      ctx.res,
      404,
      googleError(404, "NOT_FOUND", `Secret [${name!}] not found or has no versions.`),
    );
  if (version.state !== "ENABLED" || version.data === undefined) {
    return json(
      ctx.res,
      400,
      googleError(
        400,
        "FAILED_PRECONDITION",
        `Secret Version [${byProjectNumber(ctx.state, `${secret.name}/versions/${version.number}`)}] is in ${version.state} state.`,
      ),
    );
  }
  json(ctx.res, 200, {
    name: byProjectNumber(ctx.state, `${secret.name}/versions/${version.number}`),
    payload: { data: version.data.toString("base64"), dataCrc32c: String(crc32c(version.data)) },
  });
};

/**
 * POST /v1/projects/{p}/secrets/{s}:testIamPermissions (Secret Manager v1, the IAM mixin): for a
 * secret that does not exist, an empty set, not NOT_FOUND (google/iam/v1/iam_policy.proto).
 */
export const testSecretPermissions: Handler = (ctx, [id, secretId]) => {
  const principal = caller(ctx, "secretmanager.googleapis.com");
  if (principal === undefined) return;
  const project = findProject(ctx.state, id!);
  const exists =
    project !== undefined &&
    ctx.state.secrets.has(`projects/${project.projectId}/secrets/${secretId!}`);
  // A secret that does not exist yet: Google answers NOT_FOUND, as it does to every method of a
  // missing secret (the behaviour a fresh project shows before its first up).
  if (!exists)
    return json(
      ctx.res,
      404,
      googleError(
        404,
        "NOT_FOUND",
        `Secret [projects/${id!}/secrets/${secretId!}] not found or has no versions.`,
      ),
    );
  testPermissions(ctx, (p) => holds(ctx.state, principal, project.projectId, p, secretId));
};
