/**
 * Cloud Resource Manager: v1 (discovery document cloudresourcemanager v1) projects.get; v3
 * (googleapis/googleapis google/cloud/resourcemanager/v3/projects.proto;
 * cloud.google.com/resource-manager/reference/rest/v3/projects/get) projects.get with a project's
 * labels and parent, as preflight reads one a stack vends, projects.search and projects.delete,
 * with operations.get for the deletion's long-running operation. What the caller may do on a
 * project, folder or organization is ./iam-policy.ts.
 */

import { Failure } from "../../cli/failure.ts";
import { record } from "../../json.ts";
import { callJson, malformed } from "../http.ts";
import {
  context,
  getObject,
  listPages,
  onProject,
  stringFields,
  text,
  timestamp,
  type Api,
} from "./call.ts";

export interface ProjectInfo {
  projectId: string;
  /** A string: project numbers exceed what a JSON number holds exactly. */
  projectNumber: string;
  /** ACTIVE, or DELETE_REQUESTED for a project pending deletion. */
  lifecycleState: string;
  parent?: string;
}

/** One project's GET in either version: the same call, permission and error context; the bodies differ. */
async function readProject(api: Api, project: string, version: "v1" | "v3") {
  const what = `Read project ${project}`;
  const url = `${api.endpoints.cloudResourceManager}/${version}/projects/${encodeURIComponent(project)}`;
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
  return { what, url, body };
}

/**
 * `GET cloudresourcemanager.googleapis.com/v1/projects/{projectId}` (discovery cloudresourcemanager
 * v1: projectId, projectNumber as an int64 string, lifecycleState, parent {type, id}). A project that
 * does not exist answers 403 like one the caller may not see.
 */
export async function getProject(api: Api, project: string): Promise<ProjectInfo> {
  const { what, url, body } = await readProject(api, project, "v1");
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

/** A project as v3 describes it (projects.proto, message Project), as far as a search needs it. */
export interface FoundProject {
  projectId: string;
  /** ACTIVE, or DELETE_REQUESTED for a project pending deletion. */
  state: string;
  /** RFC 3339. */
  createTime: string;
  labels: Record<string, string>;
}

function foundProject(value: unknown, what: string, origin: string): FoundProject {
  const p = record(value);
  const projectId = text(p?.projectId);
  const createTime = timestamp(p?.createTime);
  if (p === undefined || projectId === undefined || createTime === undefined)
    throw malformed(
      what,
      origin,
      200,
      "has a project without a projectId or an RFC 3339 createTime",
    );
  return {
    projectId,
    state: text(p.state) ?? "STATE_UNSPECIFIED",
    createTime,
    labels: stringFields(p.labels),
  };
}

/**
 * `GET cloudresourcemanager.googleapis.com/v3/projects:search?query=QUERY`, every page
 * (SearchProjects: the projects the caller holds resourcemanager.projects.get on that match the
 * query, `labels.KEY:*` for those carrying the label KEY; eventually consistent with project
 * changes; SearchProjectsResponse: projects[], nextPageToken).
 */
export async function searchProjects(api: Api, query: string): Promise<FoundProject[]> {
  const what = `Search the projects matching ${query}`;
  const u = new URL(`${api.endpoints.cloudResourceManager}/v3/projects:search`);
  u.searchParams.set("query", query);
  const ctx = context(
    api,
    what,
    "cloudresourcemanager",
    "The caller sees only the projects it holds resourcemanager.projects.get on (roles/browser has it, on the folder or organization).",
  );
  return listPages(api, ctx, u, "projects", (p, origin) => foundProject(p, what, origin));
}

/** How long a deletion's operation may take before the call gives up on it. */
const DELETE_DEADLINE_MS = 120_000;

/**
 * `DELETE cloudresourcemanager.googleapis.com/v3/projects/{projectId}` (DeleteProject: the project
 * goes from ACTIVE to DELETE_REQUESTED, and an already DELETE_REQUESTED one is left as it is, without
 * an error), then `GET /v3/operations/{id}` until the operation is done. Google refuses a project
 * that does not exist as it refuses one the caller may not delete (403).
 */
export async function deleteProject(api: Api, projectId: string): Promise<void> {
  const what = `Delete project ${projectId}`;
  const ctx = context(
    api,
    what,
    "cloudresourcemanager",
    onProject(
      "resourcemanager.projects.delete",
      "roles/owner or roles/resourcemanager.projectDeleter",
    ),
  );
  const call = async (method: "GET" | "DELETE", path: string) =>
    record(
      await callJson(api.http, ctx, {
        method,
        url: `${api.endpoints.cloudResourceManager}/v3/${path}`,
        headers: await api.headers(),
      }),
    );
  let op = await call("DELETE", `projects/${encodeURIComponent(projectId)}`);
  const deadline = api.http.clock.now() + DELETE_DEADLINE_MS;
  for (let poll = 0; op?.done !== true; poll++) {
    const name = text(op?.name);
    if (name === undefined || !name.startsWith("operations/"))
      throw malformed(
        what,
        api.endpoints.cloudResourceManager,
        200,
        "is not a long-running operation",
      );
    if (api.http.clock.now() >= deadline)
      throw new Failure(
        "TIMEOUT",
        `${what}: Google's operation ${name} was not done after ${DELETE_DEADLINE_MS / 1000} s.`,
        `Look at the project's state later (gcloud projects describe ${projectId}): DELETE_REQUESTED means it is deleted.`,
      );
    await api.http.clock.sleep(Math.min(500 * 2 ** poll, 10_000));
    op = await call("GET", name);
  }
  const error = record(op.error);
  if (error !== undefined)
    throw new Failure(
      "REQUEST_FAILED",
      `${what} failed: ${typeof error.message === "string" ? error.message.slice(0, 300) : "no message"}`,
      `Delete it by hand (gcloud projects delete ${projectId}), or let npm run e2e -- janitor do it later.`,
    );
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
  const { what, url, body } = await readProject(api, project, "v3");
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
