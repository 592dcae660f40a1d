/**
 * Cloud Resource Manager v1 (discovery document cloudresourcemanager v1): a project, projects.get.
 * What the caller may do on it is ./iam-policy.ts.
 */

import { record } from "../../json.ts";
import { malformed } from "../http.ts";
import { context, getObject, onProject, text, type Api } from "./call.ts";

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
