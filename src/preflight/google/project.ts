/**
 * The project and its billing: Cloud Resource Manager's projects.get and Cloud Billing's
 * getBillingInfo.
 */

import { record } from "../../json.ts";
import { malformed } from "../../verify/http.ts";
import type { Api } from "../../rotate/google/api.ts";
import { ctx, get, needs, text } from "./calls.ts";

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
