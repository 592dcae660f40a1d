/**
 * The fake's Service Usage v1, for preflight: services.batchGet on a project, behind the caller
 * check of resource-manager.ts (which also holds the services' titles, named by both).
 *
 * - services.batchGet: google/api/serviceusage/v1/serviceusage.proto (repeated `names`, full
 *   `projects/P/services/S`, at most 30; `services[]` with name in the number form, config.name, state).
 */

import { holds } from "./iam-policy.ts";
import { googleError, json, permissionDenied } from "./respond.ts";
import { caller, findProject, TITLES } from "./resource-manager.ts";
import type { Handler } from "./routes.ts";

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
