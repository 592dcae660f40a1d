/**
 * The fake's view of Google Cloud projects, for preflight: Cloud Resource Manager v1 projects.get
 * and projects.testIamPermissions, Cloud Billing v1 projects.getBillingInfo, Organization Policy v2
 * policies.getEffectivePolicy, Service Usage v1 services.batchGet, and Secret Manager v1
 * secrets.testIamPermissions. Shapes and errors as each source gives them:
 *
 * - projects.get: discovery/cloudresourcemanager-v1.json (Project: projectId, projectNumber as a
 *   string, name, lifecycleState, parent {type, id}, createTime). A project that does not exist and
 *   one the caller may not see are the same 403 "The caller does not have permission", never 404
 *   (googleapis/google-cloud-java#440, google-cloud-python#1426).
 * - testIamPermissions: google/iam/v1/iam_policy.proto ("A subset of ... permissions that the caller
 *   is allowed"; no permission needed to call it; an empty answer omits `permissions`); a permission
 *   that cannot be tested on the resource fails the call with 400 "Permission X is not valid for this
 *   resource." (googleapis/google-cloud-java#722, openshift/cloud-credential-operator).
 * - billingInfo: google/cloud/billing/v1/cloud_billing.proto (name `projects/ID/billingInfo`,
 *   projectId, billingAccountName, billingEnabled; false and "" omitted as proto3 JSON omits
 *   defaults); the caller needs resourcemanager.projects.get.
 * - getEffectivePolicy: google/cloud/orgpolicy/v2/orgpolicy.proto (`name` with the project number,
 *   `spec.rules[]` with enforce / allowAll / denyAll / values; no etag, no condition); the caller
 *   needs orgpolicy.policy.get, and a refusal reads "Permission 'orgpolicy.policies.get' denied on
 *   resource '//cloudresourcemanager.googleapis.com/projects/P' (or it may not exist)."
 *   (terraform-google-modules/terraform-google-org-policy#101, the same wording for create).
 * - services.batchGet: google/api/serviceusage/v1/serviceusage.proto (repeated `names`, full
 *   `projects/P/services/S`, at most 30; `services[]` with name in the number form, config.name, state).
 *
 * Each API must be enabled in the caller's quota project: the x-goog-user-project header, else a
 * service account's own project, else (user credentials) gcloud's shared project. Otherwise 403
 * with ErrorInfo SERVICE_DISABLED naming the service and that consumer (google/api/error_reason.proto;
 * GoogleCloudPlatform/cdmc#39 for orgpolicy, the same contract for every API).
 */

import { bearer } from "./auth.ts";
import { googleError, json, permissionDenied } from "./respond.ts";
import type { Handler, RequestContext } from "./routes.ts";
import type { CloudProject, GoogleState } from "./state.ts";

const GCLOUD_SHARED_PROJECT = "764086051850";

const TITLES: Record<string, string> = {
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

/** Whether the principal holds the permission on the project, or on one of its secrets. */
export function holds(
  state: GoogleState,
  principal: string,
  project: string,
  permission: string,
  secretId?: string,
): boolean {
  return (state.grants.get(principal) ?? []).some(
    (g) =>
      g.project === project &&
      g.permissions.includes(permission) &&
      (g.secretPrefix === undefined ||
        (secretId !== undefined && secretId.startsWith(g.secretPrefix))),
  );
}

/** The caller, once its token and quota project have been checked; otherwise the error response is sent. */
function caller(ctx: RequestContext, service: string): string | undefined {
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
function visible(ctx: RequestContext, principal: string, id: string): CloudProject | undefined {
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

/** Permissions whose resource is not a project (organizations and folders own these), refused as Google refuses them. */
const NOT_ON_PROJECTS =
  /^(resourcemanager\.(projects\.(create|list)|folders\.|organizations\.)|billing\.|servicemanagement\.services\.bind$)/;

function testPermissions(ctx: RequestContext, held: (permission: string) => boolean): void {
  let permissions: unknown;
  try {
    permissions = (JSON.parse(ctx.body) as { permissions?: unknown }).permissions;
  } catch {
    return json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received."),
    );
  }
  if (!Array.isArray(permissions) || permissions.some((p) => typeof p !== "string"))
    return json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", "Invalid value at 'permissions'."),
    );
  // The 100-permission limit is what openshift/cloud-credential-operator found (it splits its checks in 100s).
  if (permissions.length > 100)
    return json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", "The number of permissions exceeds the limit of 100."),
    );
  const invalid = (permissions as string[]).find(
    (p) => NOT_ON_PROJECTS.test(p) || !/^[a-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/.test(p),
  );
  if (invalid !== undefined)
    return json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", `Permission ${invalid} is not valid for this resource.`),
    );
  const allowed = (permissions as string[]).filter(held);
  json(ctx.res, 200, allowed.length > 0 ? { permissions: allowed } : {});
}

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
  testPermissions(
    ctx,
    (p) => exists && holds(ctx.state, principal, project.projectId, p, secretId),
  );
};

/** GET /v1/projects/{p}/billingInfo (Cloud Billing v1). */
export const getBillingInfo: Handler = (ctx, [id]) => {
  const principal = caller(ctx, "cloudbilling.googleapis.com");
  if (principal === undefined) return;
  const p = visible(ctx, principal, id!);
  if (p === undefined) return;
  json(ctx.res, 200, {
    name: `projects/${p.projectId}/billingInfo`,
    projectId: p.projectId,
    ...(p.billingAccount ? { billingAccountName: p.billingAccount } : {}),
    ...(p.billingEnabled ? { billingEnabled: true } : {}),
  });
};

/** GET /v2/projects/{p}/policies/{constraint}:getEffectivePolicy (Organization Policy v2). */
export const getEffectivePolicy: Handler = (ctx, [id, constraint]) => {
  const principal = caller(ctx, "orgpolicy.googleapis.com");
  if (principal === undefined) return;
  const p = findProject(ctx.state, id!);
  const resource = `//cloudresourcemanager.googleapis.com/projects/${id!}`;
  if (p === undefined || !holds(ctx.state, principal, p.projectId, "orgpolicy.policy.get")) {
    return permissionDenied(
      ctx.res,
      "orgpolicy.policies.get",
      resource,
      "orgpolicy.googleapis.com",
    );
  }
  if (!/^[a-zA-Z]+\.[a-zA-Z.]+$/.test(constraint!))
    return json(ctx.res, 404, googleError(404, "NOT_FOUND", "Requested entity was not found."));
  // What Google answers for a constraint no policy sets is not documented: the fake answers an empty
  // spec (proto3 JSON omits an empty rules list), and the kit then applies the constraint's default.
  const spec = p.policies.get(constraint!) ?? {};
  json(ctx.res, 200, { name: `projects/${p.number}/policies/${constraint!}`, spec });
};

/** GET /v1/projects/{p}/services:batchGet?names=... (Service Usage v1). */
export const batchGetServices: Handler = (ctx, [id]) => {
  const principal = caller(ctx, "serviceusage.googleapis.com");
  if (principal === undefined) return;
  const p = findProject(ctx.state, id!);
  if (p === undefined || !holds(ctx.state, principal, p.projectId, "serviceusage.services.get")) {
    return permissionDenied(
      ctx.res,
      "serviceusage.services.get",
      `projects/${id!}`,
      "serviceusage.googleapis.com",
    );
  }
  const names = ctx.url.searchParams.getAll("names");
  if (names.length === 0)
    return json(
      ctx.res,
      400,
      googleError(400, "INVALID_ARGUMENT", "No names were given.", {
        reason: "SU_MISSING_NAMES",
        domain: "serviceusage.googleapis.com",
      }),
    );
  if (names.length > 30)
    return json(
      ctx.res,
      400,
      googleError(
        400,
        "INVALID_ARGUMENT",
        "A single request can get a maximum of 30 services at a time.",
      ),
    );
  const services = [];
  for (const name of names) {
    const m = /^projects\/([^/]+)\/services\/([^/]+)$/.exec(name);
    if (m === null || findProject(ctx.state, m[1]!) !== p)
      return json(
        ctx.res,
        400,
        googleError(
          400,
          "INVALID_ARGUMENT",
          `Invalid service name ${name}: its parent must be projects/${id!}.`,
        ),
      );
    const service = m[2]!;
    services.push({
      name: `projects/${p.number}/services/${service}`,
      config: { name: service, title: TITLES[service] ?? service },
      state: p.services.has(service) ? "ENABLED" : "DISABLED",
      parent: `projects/${p.number}`,
    });
  }
  json(ctx.res, 200, { services });
};
