/**
 * The organization policies on the project: which members may be granted roles, which APIs may be
 * used, and the grants default accounts get.
 */

import {
  ALWAYS_ALLOWED_SERVICES,
  CONSTRAINTS,
  listAllows,
  listRestricts,
  readBoolean,
} from "../../org-policy.ts";
import type { PreflightTarget, ProjectTarget } from "../targets.ts";
import type { CheckResult } from "./result.ts";
import { policyCheck, type PolicyReader } from "./policy.ts";

/** Members a domain restriction may refuse: anyone but the service accounts of the projects the stack acts in. */
function outsideCandidates(members: readonly string[], projects: readonly string[]): string[] {
  return members.filter(
    (m) =>
      !projects.some(
        (p) => m.startsWith("serviceAccount:") && m.endsWith(`@${p}.iam.gserviceaccount.com`),
      ),
  );
}

/** iam.allowedPolicyMemberDomains: a grant to a member outside the allowed customers fails up halfway. */
export function memberDomainsCheck(
  read: PolicyReader,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  return policyCheck(read, CONSTRAINTS.memberDomains, p.project, (rules, evidence) => {
    if (!listRestricts(rules))
      return {
        status: "pass",
        summary: `${p.project} allows IAM members from any domain.`,
        evidence,
      };
    const candidates = outsideCandidates(
      p.members,
      t.projects.map((x) => x.project),
    );
    const allowed = rules.flatMap((r) => r.allowedValues);
    if (candidates.length === 0)
      return {
        status: "pass",
        summary: `${p.project} restricts IAM members to ${allowed.join(", ") || "no one"}; the stack grants only its own service accounts there.`,
        evidence,
      };
    return {
      status: "warn",
      summary: `${p.project} restricts IAM members to the customers ${allowed.join(", ") || "(none listed)"}; the stack grants ${candidates.length} member${candidates.length === 1 ? "" : "s"} that may fall outside them.`,
      evidence: [...evidence, ...candidates.map((m) => `granted: ${m}`)],
      fix: `Check that each member above belongs to an allowed Google Workspace or Cloud Identity customer; a grant to one that does not fails pulumi up with FAILED_PRECONDITION "One or more users named in the policy do not belong to a permitted customer". Change it in ${t.stackFile}, or ask an organization policy administrator to allow its customer.`,
    };
  });
}

/** gcp.restrictServiceUsage: an API the stack needs that the organization denies. */
export function serviceUsageCheck(
  read: PolicyReader,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  return policyCheck(read, CONSTRAINTS.serviceUsage, p.project, (rules, evidence) => {
    const denied = p.apis.filter(
      (api) => !ALWAYS_ALLOWED_SERVICES.has(api) && !listAllows(rules, api),
    );
    if (denied.length === 0)
      return {
        status: "pass",
        summary: `${p.project} may use every API the stack needs (${p.apis.length}).`,
        evidence,
      };
    return {
      status: "fail",
      summary: `${CONSTRAINTS.serviceUsage} denies ${denied.join(", ")} in ${p.project}, which the stack needs.`,
      evidence,
      fix: `Have an organization policy administrator allow ${denied.length === 1 ? "it" : "them"} for this project (cloud.google.com/resource-manager/docs/organization-policy/restricting-resources), or move the stack to a project where ${denied.length === 1 ? "it is" : "they are"} allowed (gcp:project in ${t.stackFile}).`,
    };
  });
}

/** iam.automaticIamGrantsForDefaultServiceAccounts: not enforced, default service accounts get Editor. */
export function defaultGrantsCheck(read: PolicyReader, p: ProjectTarget): Promise<CheckResult> {
  return policyCheck(read, CONSTRAINTS.defaultGrants, p.project, (rules, evidence) => {
    if (readBoolean(CONSTRAINTS.defaultGrants, rules).enforced)
      return {
        status: "pass",
        summary: `Default service accounts in ${p.project} get no automatic Editor grant.`,
        evidence,
      };
    return {
      status: "warn",
      summary: `${CONSTRAINTS.defaultGrants} is not enforced on ${p.project}: a default Compute Engine or App Engine service account created there gets roles/editor on the project.`,
      evidence,
      fix: `Have an organization policy administrator enforce it: gcloud org-policies set-policy with enforce: true for ${CONSTRAINTS.defaultGrants} on projects/${p.project} (or the organization). It changes no existing grant.`,
    };
  });
}
