/**
 * The organization policies on the project: which members may be granted roles, which APIs may be
 * used, and the grants default accounts get.
 */

import {
  ALWAYS_ALLOWED_SERVICES,
  CONSTRAINTS,
  listAllows,
  listRestricts,
  parameterList,
  readBoolean,
} from "../../org-policy.ts";
import type { PreflightTarget, ProjectTarget } from "../targets.ts";
import type { CheckResult } from "./result.ts";
import { policiesCheck, policyCheck, type PolicyReader } from "./policy.ts";

/** Members a domain restriction may refuse: anyone but the service accounts of the projects the stack acts in. */
function outsideCandidates(members: readonly string[], projects: readonly string[]): string[] {
  return members.filter(
    (m) =>
      !projects.some(
        (p) => m.startsWith("serviceAccount:") && m.endsWith(`@${p}.iam.gserviceaccount.com`),
      ),
  );
}

/**
 * iam.allowedPolicyMemberDomains and its managed counterpart iam.managed.allowedPolicyMembers
 * (enforced with allowedMemberSubjects and allowedPrincipalSets): a grant to a member outside what
 * they allow fails up halfway. A member the managed policy lists by name is allowed; principal sets
 * (an organization's, a workforce pool's) cannot be expanded from here, so the rest may fall outside.
 */
export function memberDomainsCheck(
  read: PolicyReader,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  const constraints = [CONSTRAINTS.memberDomains, CONSTRAINTS.memberDomainsManaged] as const;
  return policiesCheck(read, constraints, p.project, ([legacy, managed], evidence) => {
    const byCustomer = listRestricts(legacy!);
    const reading = readBoolean(CONSTRAINTS.memberDomainsManaged, managed!);
    if (!byCustomer && !reading.enforced)
      return {
        status: "pass",
        summary: `${p.project} allows IAM members from any domain.`,
        evidence,
      };
    const subjects = parameterList(reading, "allowedMemberSubjects");
    const candidates = outsideCandidates(
      p.members,
      t.projects.map((x) => x.project),
    ).filter((m) => !(reading.enforced && !byCustomer && subjects.includes(m)));
    const limits = [
      ...(byCustomer
        ? [`the customers ${legacy!.flatMap((r) => r.allowedValues).join(", ") || "(none listed)"}`]
        : []),
      ...(reading.enforced
        ? [
            `what ${CONSTRAINTS.memberDomainsManaged} allows (${[...subjects, ...parameterList(reading, "allowedPrincipalSets")].join(", ") || "nothing listed"})`,
          ]
        : []),
    ].join(" and ");
    if (candidates.length === 0)
      return {
        status: "pass",
        summary: `${p.project} restricts IAM members to ${limits}; the stack grants only its own service accounts there, or members listed by name.`,
        evidence,
      };
    return {
      status: "warn",
      summary: `${p.project} restricts IAM members to ${limits}; the stack grants ${candidates.length} member${candidates.length === 1 ? "" : "s"} that may fall outside.`,
      evidence: [...evidence, ...candidates.map((m) => `granted: ${m}`)],
      fix: `Check that each member above is allowed (an allowed Google Workspace or Cloud Identity customer, or a subject or principal set the managed policy lists); a grant to one that is not fails pulumi up with FAILED_PRECONDITION "One or more users named in the policy do not belong to a permitted customer". Change it in ${t.stackFile}, or ask an organization policy administrator to allow it.`,
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

/**
 * iam.automaticIamGrantsForDefaultServiceAccounts, or its managed counterpart
 * iam.managed.preventPrivilegedBasicRolesForDefaultServiceAccounts (newer organizations set that
 * one): with neither enforced, default service accounts get Editor.
 */
export function defaultGrantsCheck(read: PolicyReader, p: ProjectTarget): Promise<CheckResult> {
  const constraints = [CONSTRAINTS.defaultGrants, CONSTRAINTS.defaultGrantsManaged] as const;
  return policiesCheck(read, constraints, p.project, (rules, evidence) => {
    const enforced = constraints.filter((c, i) => readBoolean(c, rules[i]!).enforced);
    if (enforced.length > 0)
      return {
        status: "pass",
        summary: `Default service accounts in ${p.project} get no Editor grant (${enforced.join(" and ")} enforced).`,
        evidence,
      };
    return {
      status: "warn",
      summary: `Neither ${CONSTRAINTS.defaultGrants} nor ${CONSTRAINTS.defaultGrantsManaged} is enforced on ${p.project}: a default Compute Engine or App Engine service account created there gets roles/editor on the project.`,
      evidence,
      fix: `Have an organization policy administrator enforce one: gcloud org-policies set-policy with enforce: true for ${CONSTRAINTS.defaultGrantsManaged} (or ${CONSTRAINTS.defaultGrants}) on projects/${p.project} (or the organization). It changes no existing grant.`,
    };
  });
}
