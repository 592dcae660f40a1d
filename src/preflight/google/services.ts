/**
 * The project's APIs (Service Usage's batchGet) and its API keys (API Keys' keys.list).
 */

import { record } from "../../json.ts";
import { malformed } from "../../verify/http.ts";
import { listPages, type Api } from "../../rotate/google/api.ts";
import { ctx, get, needs, text } from "./calls.ts";

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
