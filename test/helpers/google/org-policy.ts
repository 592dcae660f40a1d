/**
 * The fake's Organization Policy v2, for preflight: policies.getEffectivePolicy on a project,
 * behind the caller check of resource-manager.ts.
 *
 * - getEffectivePolicy: google/cloud/orgpolicy/v2/orgpolicy.proto (`name` with the project number,
 *   `spec.rules[]` with enforce / allowAll / denyAll / values; no etag, no condition); the caller
 *   needs orgpolicy.policy.get, and a refusal reads "Permission 'orgpolicy.policies.get' denied on
 *   resource '//cloudresourcemanager.googleapis.com/projects/P' (or it may not exist)."
 *   (terraform-google-modules/terraform-google-org-policy#101, the same wording for create).
 */

import { holds } from "./iam-policy.ts";
import { googleError, json, permissionDenied } from "./respond.ts";
import { caller, findProject } from "./resource-manager.ts";
import type { Handler } from "./routes.ts";

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
