/**
 * The fake's IAM policy mixin, shared by the two resources preflight tests permissions on (Resource
 * Manager's projects, Secret Manager's secrets): whether a principal holds a permission through its
 * grants, and the body of testIamPermissions. A module of its own because both answer
 * testIamPermissions with the same checks and limits, and because Secret Manager, API Keys,
 * Organization Policy and Service Usage check grants with `holds` too.
 *
 * - testIamPermissions: google/iam/v1/iam_policy.proto ("A subset of ... permissions that the caller
 *   is allowed"; no permission needed to call it; an empty answer omits `permissions`); a permission
 *   that cannot be tested on the resource fails the call with 400 "Permission X is not valid for this
 *   resource." (googleapis/google-cloud-java#722, openshift/cloud-credential-operator).
 */

import { googleError, json } from "./respond.ts";
import type { RequestContext } from "./routes.ts";
import type { GoogleState } from "./state.ts";

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

/** Permissions whose resource is not a project (organizations and folders own these), refused as Google refuses them. */
const NOT_ON_PROJECTS =
  /^(resourcemanager\.(projects\.(create|list)|folders\.|organizations\.)|billing\.|servicemanagement\.services\.bind$)/;

/** Whether a principal holds a permission on a folder, organization or billing account. */
export function holdsOn(
  state: GoogleState,
  principal: string,
  resource: string,
  permission: string,
): boolean {
  return (state.resourceGrants.get(principal) ?? []).some(
    (g) => g.resource === resource && g.permissions.includes(permission),
  );
}

export function testPermissions(
  ctx: RequestContext,
  held: (permission: string) => boolean,
  notOnResource: RegExp = NOT_ON_PROJECTS,
): void {
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
    (p) => notOnResource.test(p) || !/^[a-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/.test(p),
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
