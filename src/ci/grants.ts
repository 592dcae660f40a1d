/**
 * What each CI account may do, derived from what the stack's resources are. Pure, so a test and the
 * plan can state the grants without running the program.
 *
 * The deployer manages the stack's resources, not the CI identity itself: it gets no right on the
 * pool, the provider, or its own bindings, so a change to ciIdentity is applied by an administrator
 * (see the README), and a workflow cannot widen its own access.
 */

import type { KitConfig } from "../config/types.ts";

/** One project-level role and why the account holds it. */
export interface RoleGrant {
  role: string;
  /** What of the kit's resources needs it; shown by the plan and the README. */
  reason: string;
  condition?: { title: string; description: string; expression: string };
}

/** `roles/resourcemanager.projectIamAdmin` limited to the roles the stack's accounts are given. */
function delegatedGrant(roles: string[]): RoleGrant {
  const list = roles.map((r) => `'${r}'`).join(", ");
  return {
    role: "roles/resourcemanager.projectIamAdmin",
    reason: "grants the stack's accounts their project roles, and only those roles",
    condition: {
      title: "kit-account-roles-only",
      description: "May grant or revoke only the roles the stack's service accounts hold.",
      expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${list}])`,
    },
  };
}

/** The deployer's project roles: one per kind of resource the stack manages. */
export function deployerGrants(c: KitConfig): RoleGrant[] {
  const grants: RoleGrant[] = [{ role: "roles/serviceusage.serviceUsageAdmin", reason: "enables the stack's APIs" }];
  if (c.accounts.length > 0) {
    grants.push({ role: "roles/iam.serviceAccountAdmin", reason: "creates the stack's service accounts and sets who may impersonate them" });
  }
  if (c.accounts.some((a) => a.createKey)) {
    grants.push({ role: "roles/iam.serviceAccountKeyAdmin", reason: "issues and revokes the rotating keys" });
  }
  if (c.accounts.some((a) => a.createKey) || c.oauth?.client !== undefined || c.apiKey !== undefined) {
    grants.push({ role: "roles/secretmanager.admin", reason: "creates the secrets, writes their versions and sets their readers" });
  }
  if (c.apiKey !== undefined) {
    grants.push({ role: "roles/serviceusage.apiKeysAdmin", reason: "creates the API key" });
  }
  const roles = [...new Set(c.accounts.flatMap((a) => a.roles))].sort();
  if (roles.length > 0) grants.push(delegatedGrant(roles));
  return grants;
}

/**
 * The previewer's project roles. `pulumi preview` reads the state, not the cloud, so these only
 * matter for `preview --refresh`; none of them can read a secret's value or an API key string
 * (which is why apiKeysViewer, which includes getKeyString, is not among them).
 */
export function previewerGrants(c: KitConfig): RoleGrant[] {
  const grants: RoleGrant[] = [{ role: "roles/serviceusage.serviceUsageViewer", reason: "reads which APIs are enabled" }];
  if (c.accounts.length > 0) grants.push({ role: "roles/iam.serviceAccountViewer", reason: "reads the service accounts" });
  if (c.accounts.some((a) => a.createKey) || c.oauth?.client !== undefined || c.apiKey !== undefined) {
    grants.push({ role: "roles/secretmanager.viewer", reason: "reads the secrets' metadata, never their values" });
  }
  return grants;
}
