/**
 * The read-only calls preflight makes, each in the request and response shapes of its API's
 * reference (sources with each call). Every call goes through the verify transport (timeouts,
 * retries, Google's error bodies diagnosed); a refusal becomes a Failure whose fix says which
 * permission the caller lacks.
 */

import { Failure } from "../cli/failure.ts";
import { record } from "../json.ts";
import type { CallContext } from "../verify/diagnose.ts";
import { callJson, malformed } from "../verify/http.ts";
import { listPages, type Api } from "../rotate/google/api.ts";

/** What a refused read needs, named for the fix. */
function needs(permission: string, role: string): string {
  return `The caller needs ${permission} on the project (${role} has it; CI's deployer holds it through its preflight role), or the project does not exist.`;
}

function ctx(api: Api, what: string, service: CallContext["service"], denied: string): CallContext {
  return { what, service, identity: api.identity, principal: api.principal, denied };
}

async function get(api: Api, context: CallContext, url: string): Promise<Record<string, unknown>> {
  const body = record(
    await callJson(api.http, context, { method: "GET", url, headers: await api.headers() }),
  );
  if (body === undefined)
    throw malformed(context.what, new URL(url).origin, 200, "is not a JSON object");
  return body;
}

async function post(
  api: Api,
  context: CallContext,
  url: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const body = record(
    await callJson(api.http, context, {
      method: "POST",
      url,
      headers: await api.headers(),
      body: payload,
    }),
  );
  if (body === undefined)
    throw malformed(context.what, new URL(url).origin, 200, "is not a JSON object");
  return body;
}

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;

export interface ProjectInfo {
  projectId: string;
  /** A string: project numbers exceed what a JSON number holds exactly. */
  projectNumber: string;
  /** ACTIVE, or DELETE_REQUESTED for a project pending deletion. */
  lifecycleState: string;
  parent?: string;
}

/**
 * `GET cloudresourcemanager.googleapis.com/v1/projects/{projectId}` (discovery cloudresourcemanager
 * v1: projectId, projectNumber as an int64 string, lifecycleState, parent {type, id}). A project that
 * does not exist answers 403 like one the caller may not see.
 */
export async function getProject(api: Api, project: string): Promise<ProjectInfo> {
  const what = `Read project ${project}`;
  const url = `${api.endpoints.cloudResourceManager}/v1/projects/${encodeURIComponent(project)}`;
  const body = await get(
    api,
    ctx(api, what, "cloudresourcemanager", needs("resourcemanager.projects.get", "roles/browser")),
    url,
  );
  const projectId = text(body.projectId);
  const projectNumber = text(body.projectNumber);
  if (projectId === undefined || projectNumber === undefined)
    throw malformed(what, new URL(url).origin, 200, "has no projectId or projectNumber");
  const parent = record(body.parent);
  return {
    projectId,
    projectNumber,
    lifecycleState: text(body.lifecycleState) ?? "LIFECYCLE_STATE_UNSPECIFIED",
    ...(parent && text(parent.type) && text(parent.id)
      ? { parent: `${String(parent.type)}s/${String(parent.id)}` }
      : {}),
  };
}

export interface BillingInfo {
  enabled: boolean;
  account?: string;
}

/**
 * `GET cloudbilling.googleapis.com/v1/projects/{projectId}/billingInfo` (ProjectBillingInfo: name,
 * projectId, billingAccountName, billingEnabled; proto3 JSON omits false and "", so an absent field
 * is false). Needs resourcemanager.projects.get on the project
 * (cloud.google.com/billing/docs/reference/rest/v1/projects/getBillingInfo).
 */
export async function getBillingInfo(api: Api, project: string): Promise<BillingInfo> {
  const url = `${api.endpoints.cloudBilling}/v1/projects/${encodeURIComponent(project)}/billingInfo`;
  const body = await get(
    api,
    ctx(
      api,
      `Read the billing of ${project}`,
      "cloudbilling",
      needs("resourcemanager.projects.get", "roles/browser"),
    ),
    url,
  );
  return {
    enabled: body.billingEnabled === true,
    ...(text(body.billingAccountName) ? { account: text(body.billingAccountName) } : {}),
  };
}

/** One rule of an effective policy (orgpolicy v2 PolicyRule): exactly one of enforce, allowAll, denyAll, values. */
export interface PolicyRule {
  enforce?: boolean;
  allowAll?: boolean;
  denyAll?: boolean;
  allowedValues: string[];
  deniedValues: string[];
  /** Managed constraints' parameters, e.g. `{ allowedServices: [...] }`. */
  parameters?: Record<string, unknown>;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/**
 * `GET orgpolicy.googleapis.com/v2/projects/{project}/policies/{constraint}:getEffectivePolicy`
 * (google/cloud/orgpolicy/v2/orgpolicy.proto: a Policy whose `spec.rules` are the merged, evaluated
 * rules, no etag or condition; `dryRunSpec` is audit-only and not read). Needs orgpolicy.policy.get
 * (the REST page names it orgpolicy.policies.get; roles grant orgpolicy.policy.get). An answer
 * without rules means no policy sets the constraint; its default then applies.
 */
export async function getEffectivePolicy(
  api: Api,
  project: string,
  constraint: string,
): Promise<PolicyRule[]> {
  const what = `Read the effective policy ${constraint} of ${project}`;
  const url = `${api.endpoints.orgPolicy}/v2/projects/${encodeURIComponent(project)}/policies/${constraint}:getEffectivePolicy`;
  const body = await get(
    api,
    ctx(api, what, "orgpolicy", needs("orgpolicy.policy.get", "roles/orgpolicy.policyViewer")),
    url,
  );
  const spec = record(body.spec);
  const rules = spec?.rules ?? [];
  if (!Array.isArray(rules))
    throw malformed(what, new URL(url).origin, 200, 'has "spec.rules" that is not a list');
  return rules.map((r) => {
    const rule = record(r) ?? {};
    const values = record(rule.values);
    return {
      ...(typeof rule.enforce === "boolean" ? { enforce: rule.enforce } : {}),
      ...(rule.allowAll === true ? { allowAll: true } : {}),
      ...(rule.denyAll === true ? { denyAll: true } : {}),
      // "is:" marks a literal value and may be left out (orgpolicy.proto PolicyRule.values).
      allowedValues: strings(values?.allowedValues).map((v) => v.replace(/^is:/, "")),
      deniedValues: strings(values?.deniedValues).map((v) => v.replace(/^is:/, "")),
      ...(record(rule.parameters) ? { parameters: record(rule.parameters) } : {}),
    };
  });
}

/** testIamPermissions takes at most 100 permissions a call (openshift/cloud-credential-operator splits its checks so). */
const PER_CALL = 100;

export interface Tested {
  held: Set<string>;
  /** Permissions Google refused to test on this resource ("Permission X is not valid for this resource."). */
  untestable: string[];
}

/**
 * testIamPermissions (google/iam/v1/iam_policy.proto: the subset the caller holds, `permissions`
 * omitted when none; no permission needed to ask): in calls of at most 100, dropping and naming a
 * permission Google says cannot be tested on the resource.
 */
async function testIam(
  api: Api,
  what: string,
  service: CallContext["service"],
  url: string,
  permissions: readonly string[],
): Promise<Tested> {
  const held = new Set<string>();
  const untestable: string[] = [];
  let queue = [...new Set(permissions)];
  while (queue.length > 0) {
    const batch = queue.slice(0, PER_CALL);
    try {
      const body = await post(
        api,
        ctx(
          api,
          what,
          service,
          "Google refused to test the caller's permissions here; the project may not exist.",
        ),
        url,
        { permissions: batch },
      );
      for (const p of strings(body.permissions)) held.add(p);
      queue = queue.slice(PER_CALL);
    } catch (err) {
      const invalid =
        err instanceof Failure
          ? /Permission (\S+) is not valid for this resource/.exec(err.message)?.[1]
          : undefined;
      if (invalid === undefined || !batch.includes(invalid)) throw err;
      untestable.push(invalid);
      queue = queue.filter((p) => p !== invalid);
    }
  }
  return { held, untestable };
}

/** `POST cloudresourcemanager.googleapis.com/v1/projects/{resource}:testIamPermissions`. */
export function testProjectPermissions(
  api: Api,
  project: string,
  permissions: readonly string[],
): Promise<Tested> {
  const url = `${api.endpoints.cloudResourceManager}/v1/projects/${encodeURIComponent(project)}:testIamPermissions`;
  return testIam(
    api,
    `Test the caller's permissions on ${project}`,
    "cloudresourcemanager",
    url,
    permissions,
  );
}

/**
 * `POST secretmanager.googleapis.com/v1/projects/{p}/secrets/{s}:testIamPermissions`: what the
 * caller holds on the secret, grants whose condition names the secret included. A secret that does
 * not exist yet answers with none.
 */
export function testSecretPermissions(
  api: Api,
  project: string,
  secretId: string,
  permissions: readonly string[],
): Promise<Tested> {
  const url = `${api.endpoints.secretManager}/v1/projects/${encodeURIComponent(project)}/secrets/${encodeURIComponent(secretId)}:testIamPermissions`;
  return testIam(
    api,
    `Test the caller's permissions on secret ${secretId}`,
    "secretmanager",
    url,
    permissions,
  );
}

/**
 * Whether the secret exists: `GET secretmanager.googleapis.com/v1/projects/{p}/secrets/{s}`, 200 or
 * 404; "unknown" when the caller may not read it (Google answers 403 whether or not it exists).
 */
export async function secretExists(
  api: Api,
  project: string,
  secretId: string,
): Promise<"yes" | "no" | "unknown"> {
  const url = `${api.endpoints.secretManager}/v1/projects/${encodeURIComponent(project)}/secrets/${encodeURIComponent(secretId)}`;
  try {
    await get(
      api,
      ctx(api, `Read secret ${secretId}`, "secretmanager", "The caller may not read the secret."),
      url,
    );
    return "yes";
  } catch (err) {
    if (err instanceof Failure && err.reason === "NOT_FOUND") return "no";
    if (err instanceof Failure && err.reason === "PERMISSION_DENIED") return "unknown";
    throw err;
  }
}

/** batchGet takes at most 30 names (serviceusage.proto BatchGetServicesRequest). */
const SERVICES_PER_CALL = 30;

/**
 * `GET serviceusage.googleapis.com/v1/projects/{p}/services:batchGet?names=projects/{p}/services/{s}...`
 * (Service: name in the project-number form, config.name, state ENABLED or DISABLED; an absent state
 * is STATE_UNSPECIFIED). The state of each service, by its name.
 */
export async function serviceStates(
  api: Api,
  project: string,
  services: readonly string[],
): Promise<Map<string, boolean>> {
  const what = `Read which APIs are enabled in ${project}`;
  const states = new Map<string, boolean>();
  for (let i = 0; i < services.length; i += SERVICES_PER_CALL) {
    const u = new URL(
      `${api.endpoints.serviceUsage}/v1/projects/${encodeURIComponent(project)}/services:batchGet`,
    );
    for (const s of services.slice(i, i + SERVICES_PER_CALL))
      u.searchParams.append("names", `projects/${project}/services/${s}`);
    const body = await get(
      api,
      ctx(
        api,
        what,
        "serviceusage",
        needs("serviceusage.services.get", "roles/serviceusage.serviceUsageViewer"),
      ),
      u.href,
    );
    for (const entry of Array.isArray(body.services) ? (body.services as unknown[]) : []) {
      const service = record(entry);
      const name = text(record(service?.config)?.name) ?? text(service?.name)?.split("/").pop();
      if (name !== undefined) states.set(name, service?.state === "ENABLED");
    }
  }
  for (const s of services)
    if (!states.has(s))
      throw malformed(
        what,
        api.endpoints.serviceUsage,
        200,
        `does not say whether ${s} is enabled`,
      );
  return states;
}

export interface ProjectApiKey {
  /** `projects/NUMBER/locations/global/keys/ID`: a name, never the key. */
  name: string;
  displayName?: string;
  /** The services its API restriction allows; empty: every API. */
  services: string[];
  serviceAccountEmail?: string;
}

/**
 * `GET apikeys.googleapis.com/v2/projects/{p}/locations/global/keys` (V2ListKeysResponse: keys[],
 * nextPageToken; deleted keys only with showDeleted). A key's restrictions.apiTargets absent or
 * empty means "all targets are allowed" (V2Restrictions); serviceAccountEmail names the account a key
 * is bound to. The list carries no key string.
 */
export function listProjectApiKeys(api: Api, project: string): Promise<ProjectApiKey[]> {
  const what = `List the API keys of ${project}`;
  const u = new URL(
    `${api.endpoints.apiKeys}/v2/projects/${encodeURIComponent(project)}/locations/global/keys`,
  );
  u.searchParams.set("pageSize", "300");
  return listPages(
    api,
    ctx(api, what, "apikeys", needs("apikeys.keys.list", "roles/viewer")),
    u,
    "keys",
    (item, origin) => {
      const k = record(item);
      const name = text(k?.name);
      if (k === undefined || name === undefined)
        throw malformed(what, origin, 200, "lists a key without a name");
      const targets = Array.isArray(record(k.restrictions)?.apiTargets)
        ? (record(k.restrictions)!.apiTargets as unknown[])
        : [];
      return {
        name,
        ...(text(k.displayName) ? { displayName: text(k.displayName) } : {}),
        services: targets
          .map((t) => text(record(t)?.service))
          .filter((s): s is string => s !== undefined),
        ...(text(k.serviceAccountEmail)
          ? { serviceAccountEmail: text(k.serviceAccountEmail) }
          : {}),
      };
    },
  );
}
