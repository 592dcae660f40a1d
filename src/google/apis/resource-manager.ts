/**
 * Cloud Resource Manager v1 (discovery document cloudresourcemanager v1): a project, projects.get;
 * and v3 (cloud.google.com/resource-manager/reference/rest/v3/projects/get): a project with its
 * labels and parent, as preflight reads one a stack vends. What the caller may do on a project,
 * folder or organization is ./iam-policy.ts.
 */

import { record } from "../../json.ts";
import { malformed } from "../http.ts";
import { context, getObject, onProject, stringFields, text, type Api } from "./call.ts";

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
  const body = await getObject(
    api,
    context(
      api,
      what,
      "cloudresourcemanager",
      onProject("resourcemanager.projects.get", "roles/browser"),
    ),
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

export interface ProjectV3 {
  projectId: string;
  /** From `name`, `projects/NUMBER`. */
  projectNumber: string;
  /** ACTIVE, or DELETE_REQUESTED for a project pending deletion. */
  state: string;
  /** `folders/N` or `organizations/N`; absent for a project outside any organization. */
  parent?: string;
  labels: Record<string, string>;
}

/**
 * `GET cloudresourcemanager.googleapis.com/v3/projects/{projectId}` (v3 Project: name
 * `projects/NUMBER`, parent `folders/N` or `organizations/N`, projectId, state, displayName, labels).
 * Needs resourcemanager.projects.get; a project that does not exist answers like one the caller may
 * not see (403, or NOT_FOUND), so the caller cannot tell the two apart.
 */
export async function getProjectV3(api: Api, project: string): Promise<ProjectV3> {
  const what = `Read project ${project}`;
  const url = `${api.endpoints.cloudResourceManager}/v3/projects/${encodeURIComponent(project)}`;
  const body = await getObject(
    api,
    context(
      api,
      what,
      "cloudresourcemanager",
      onProject("resourcemanager.projects.get", "roles/browser"),
    ),
    url,
  );
  const projectId = text(body.projectId);
  const projectNumber = /^projects\/(\d+)$/.exec(text(body.name) ?? "")?.[1];
  if (projectId === undefined || projectNumber === undefined)
    throw malformed(what, new URL(url).origin, 200, "has no projectId or name projects/NUMBER");
  const parent = text(body.parent);
  return {
    projectId,
    projectNumber,
    state: text(body.state) ?? "STATE_UNSPECIFIED",
    ...(parent === undefined ? {} : { parent }),
    labels: stringFields(body.labels),
  };
}
