/**
 * Service Usage v1 (discovery document serviceusage v1; google/api/serviceusage/v1/serviceusage.proto):
 * which of a project's APIs are enabled, services.batchGet.
 */

import { record } from "../../json.ts";
import { malformed } from "../http.ts";
import { context, getObject, onProject, text, type Api } from "./call.ts";

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
    const body = await getObject(
      api,
      context(
        api,
        what,
        "serviceusage",
        onProject("serviceusage.services.get", "roles/serviceusage.serviceUsageViewer"),
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
