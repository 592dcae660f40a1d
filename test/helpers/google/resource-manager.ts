/**
 * The fake's Cloud Resource Manager v1, for preflight: projects.get and projects.testIamPermissions
 * (its body the IAM policy mixin of iam-policy.ts). The project lookup and the caller check every
 * preflight API shares are here too: the caller check finds the consumer project with the lookup,
 * and projects.get needs both, so one module holds them and the imports stay free of cycles.
 *
 * - projects.get: discovery/cloudresourcemanager-v1.json (Project: projectId, projectNumber as a
 *   string, name, lifecycleState, parent {type, id}, createTime). A project that does not exist and
 *   one the caller may not see are the same 403 "The caller does not have permission", never 404
 *   (googleapis/google-cloud-java#440, google-cloud-python#1426).
 *
 * - v3 (googleapis/googleapis google/cloud/resourcemanager/v3/projects.proto): projects.search with
 *   one `labels.KEY:*` or `labels.KEY:VALUE` term (only what the caller holds
 *   resourcemanager.projects.get on; pages of two, so callers must follow nextPageToken),
 *   projects.delete (ACTIVE to DELETE_REQUESTED, a long-running operation; an already
 *   DELETE_REQUESTED project is left as it is; a missing project is the same 403 as a forbidden one),
 *   and operations.get for that operation, done after `operationPolls` polls.
 *
 * Each API must be enabled in the caller's quota project: the x-goog-user-project header, else a
 * service account's own project, else (user credentials) gcloud's shared project. Otherwise 403
 * with ErrorInfo SERVICE_DISABLED naming the service and that consumer (google/api/error_reason.proto;
 * GoogleCloudPlatform/cdmc#39 for orgpolicy, the same contract for every API).
 * - v3 projects.get: cloud.google.com/resource-manager/reference/rest/v3/projects (Project: name
 *   `projects/NUMBER`, parent `folders/N` or `organizations/N`, projectId, state, displayName,
 *   labels, createTime, updateTime, etag), behind the same 403.
 * - v3 folders and organizations testIamPermissions (reference/rest/v3/folders/testIamPermissions):
 *   the IAM policy mixin of iam-policy.ts; one that does not exist, or that the caller may see
 *   nothing of, answers 403 as a project does.
 */

import { randomUUID } from "node:crypto";
import { holds, holdsOn, testPermissions } from "./iam-policy.ts";
import { bearer } from "./oauth.ts";
import { answerOperation, googleError, json } from "./respond.ts";
import type { Handler, RequestContext } from "./routes.ts";
import type { CloudProject, GoogleState } from "./state.ts";

const GCLOUD_SHARED_PROJECT = "764086051850";

export const TITLES: Record<string, string> = {
  "cloudbilling.googleapis.com": "Cloud Billing API",
  "cloudresourcemanager.googleapis.com": "Cloud Resource Manager API",
  "orgpolicy.googleapis.com": "Organization Policy API",
  "serviceusage.googleapis.com": "Service Usage API",
  "secretmanager.googleapis.com": "Secret Manager API",
  "apikeys.googleapis.com": "API Keys API",
};

/** The project by id or number. */
export function findProject(state: GoogleState, idOrNumber: string): CloudProject | undefined {
  return (
    state.cloudProjects.get(idOrNumber) ??
    [...state.cloudProjects.values()].find((p) => p.number === idOrNumber)
  );
}

/** The caller, once its token and quota project have been checked; otherwise the error response is sent. */
export function caller(ctx: RequestContext, service: string): string | undefined {
  const { token } = bearer(ctx.state, ctx.req.headers.authorization);
  if (token === undefined) {
    json(
      ctx.res,
      401,
      googleError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      ),
    );
    return undefined;
  }
  const header = ctx.req.headers["x-goog-user-project"];
  const named = typeof header === "string" ? header : undefined;
  if (named !== undefined && token.kind === "user" && !ctx.state.userProjects.has(named)) {
    json(
      ctx.res,
      403,
      googleError(
        403,
        "PERMISSION_DENIED",
        `Caller does not have required permission to use project ${named}. Grant the caller the roles/serviceusage.serviceUsageConsumer role, or a custom role with the serviceusage.services.use permission, by visiting https://console.developers.google.com/iam-admin/iam/admin?project=${named} and then retry. Propagation of the new permission may take a few minutes.`,
        {
          reason: "USER_PROJECT_DENIED",
          metadata: { consumer: `projects/${named}`, service: service },
        },
      ),
    );
    return undefined;
  }
  const own = /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(token.principal)?.[1];
  const consumerId = named ?? (token.kind === "user" ? undefined : own);
  const consumer = consumerId === undefined ? undefined : findProject(ctx.state, consumerId);
  if (consumer === undefined || !consumer.services.has(service)) {
    const shown =
      consumer?.number ?? (consumerId === undefined ? GCLOUD_SHARED_PROJECT : consumerId);
    const title = TITLES[service] ?? service;
    json(
      ctx.res,
      403,
      googleError(
        403,
        "PERMISSION_DENIED",
        `${title} has not been used in project ${shown} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/${service}/overview?project=${shown} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`,
        {
          reason: "SERVICE_DISABLED",
          metadata: {
            service,
            consumer: `projects/${shown}`,
            serviceTitle: title,
            containerInfo: shown,
            activationUrl: `https://console.developers.google.com/apis/api/${service}/overview?project=${shown}`,
          },
        },
      ),
    );
    return undefined;
  }
  return token.principal;
}

/** The project the caller may see (resourcemanager.projects.get), or the 403 Google gives for one missing or hidden. */
export function visible(
  ctx: RequestContext,
  principal: string,
  id: string,
): CloudProject | undefined {
  const project = findProject(ctx.state, id);
  if (
    project === undefined ||
    !holds(ctx.state, principal, project.projectId, "resourcemanager.projects.get")
  ) {
    json(
      ctx.res,
      403,
      googleError(403, "PERMISSION_DENIED", "The caller does not have permission"),
    );
    return undefined;
  }
  return project;
}

/** GET /v1/projects/{projectId} (Cloud Resource Manager v1). */
export const getProject: Handler = (ctx, [id]) => {
  const principal = caller(ctx, "cloudresourcemanager.googleapis.com");
  if (principal === undefined) return;
  const p = visible(ctx, principal, id!);
  if (p === undefined) return;
  json(ctx.res, 200, {
    projectNumber: p.number,
    projectId: p.projectId,
    lifecycleState: p.lifecycleState,
    name: p.projectId,
    createTime: "2026-03-02T09:14:07.412Z",
    ...(p.parent ? { parent: p.parent } : {}),
  });
};

/** POST /v1/projects/{resource}:testIamPermissions (Cloud Resource Manager v1): no permission needed to ask. */
export const testProjectPermissions: Handler = (ctx, [id]) => {
  const principal = caller(ctx, "cloudresourcemanager.googleapis.com");
  if (principal === undefined) return;
  const project = findProject(ctx.state, id!);
  // A project that does not exist (or that the caller cannot see) answers like projects.get.
  if (project === undefined)
    return json(
      ctx.res,
      403,
      googleError(403, "PERMISSION_DENIED", "The caller does not have permission"),
    );
  testPermissions(ctx, (p) => holds(ctx.state, principal, project.projectId, p));
};

/** A project as Resource Manager v3 writes it (message Project). */
function v3Project(p: CloudProject): Record<string, unknown> {
  return {
    name: `projects/${p.number}`,
    ...(p.parent ? { parent: `${p.parent.type}s/${p.parent.id}` } : {}),
    projectId: p.projectId,
    state: p.lifecycleState,
    displayName: p.projectId,
    createTime: p.createTime ?? "2026-03-02T09:14:07.412Z",
    labels: p.labels ?? {},
  };
}

const SEARCH_PAGE = 2;

/** GET /v3/projects:search?query=labels.KEY:* (Cloud Resource Manager v3, SearchProjects). */
export const searchProjects: Handler = (ctx) => {
  const principal = caller(ctx, "cloudresourcemanager.googleapis.com");
  if (principal === undefined) return;
  const query = ctx.url.searchParams.get("query") ?? "";
  const term = /^labels\.([a-z][-_a-z0-9]*):(\*|[-_a-z0-9]*)$/.exec(query.trim());
  if (term === null)
    return json(
      ctx.res,
      400,
      googleError(
        400,
        "INVALID_ARGUMENT",
        `The fake answers one labels.KEY:VALUE term, not ${query}.`,
      ),
    );
  const [, key, value] = term;
  const matching = [...ctx.state.cloudProjects.values()].filter(
    (p) =>
      holds(ctx.state, principal, p.projectId, "resourcemanager.projects.get") &&
      p.labels?.[key!] !== undefined &&
      (value === "*" || p.labels[key!] === value),
  );
  const start = Number(ctx.url.searchParams.get("pageToken") ?? "0");
  const page = matching.slice(start, start + SEARCH_PAGE);
  const next = start + SEARCH_PAGE < matching.length ? String(start + SEARCH_PAGE) : undefined;
  json(ctx.res, 200, {
    projects: page.map(v3Project),
    ...(next === undefined ? {} : { nextPageToken: next }),
  });
};

/** DELETE /v3/projects/{projectId} (Cloud Resource Manager v3, DeleteProject). */
export const deleteProject: Handler = (ctx, [id]) => {
  const principal = caller(ctx, "cloudresourcemanager.googleapis.com");
  if (principal === undefined) return;
  const project = findProject(ctx.state, id!);
  if (
    project === undefined ||
    !holds(ctx.state, principal, project.projectId, "resourcemanager.projects.delete")
  )
    return json(
      ctx.res,
      403,
      googleError(403, "PERMISSION_DENIED", "The caller does not have permission"),
    );
  project.lifecycleState = "DELETE_REQUESTED";
  const name = `operations/dp.${randomUUID()}`;
  ctx.state.operations.set(name, {
    name,
    pollsLeft: ctx.state.operationPolls,
    response: () => v3Project(project),
  });
  json(ctx.res, 200, {
    name,
    metadata: {
      "@type": "type.googleapis.com/google.cloud.resourcemanager.v3.DeleteProjectMetadata",
    },
  });
};

/** GET /v3/operations/{id} (Cloud Resource Manager v3, the project deletion's operation). */
export const getOperation: Handler = (ctx, [id]) => {
  if (caller(ctx, "cloudresourcemanager.googleapis.com") === undefined) return;
  answerOperation(ctx.res, ctx.state.operations, id!);
};

/** GET /v3/projects/{projectId} (Cloud Resource Manager v3). */
export const getProjectV3: Handler = (ctx, [id]) => {
  const principal = caller(ctx, "cloudresourcemanager.googleapis.com");
  if (principal === undefined) return;
  const p = visible(ctx, principal, id!);
  if (p === undefined) return;
  json(ctx.res, 200, {
    name: `projects/${p.number}`,
    ...(p.parent ? { parent: `${p.parent.type}s/${p.parent.id}` } : {}),
    projectId: p.projectId,
    state: p.lifecycleState,
    displayName: p.projectId,
    labels: p.labels ?? {},
    createTime: "2026-03-02T09:14:07.412Z",
    updateTime: "2026-03-02T09:14:07.412Z",
    etag: 'W/"7b1d"',
  });
};

/** POST /v3/{folders|organizations}/{id}:testIamPermissions (Cloud Resource Manager v3). */
export const testParentPermissions: Handler = (ctx, [kind, id]) => {
  const principal = caller(ctx, "cloudresourcemanager.googleapis.com");
  if (principal === undefined) return;
  const parent = `${kind!}/${id!}`;
  if (!ctx.state.parents.has(parent))
    return json(
      ctx.res,
      403,
      googleError(403, "PERMISSION_DENIED", "The caller does not have permission"),
    );
  // Billing and Secret Manager permissions are not tested on a folder or organization.
  testPermissions(
    ctx,
    (p) => holdsOn(ctx.state, principal, parent, p),
    /^(billing|secretmanager)\./,
  );
};
