/**
 * Reading an organization policy for the preflight checks: the call each names, and its rules as
 * evidence.
 */

import type { PolicyRule } from "../../org-policy.ts";
import { couldNot, HOSTS, type CheckResult } from "./result.ts";

export function policyCall(project: string, constraint: string): string {
  return `GET ${HOSTS.orgpolicy}/v2/projects/${project}/policies/${constraint}:getEffectivePolicy`;
}

export function describeRules(constraint: string, rules: readonly PolicyRule[]): string {
  if (rules.length === 0) return `${constraint}: no policy sets it (its default applies)`;
  const shown = rules.map((r) => {
    const parts: string[] = [];
    if (r.enforce !== undefined) parts.push(`enforce: ${r.enforce}`);
    if (r.allowAll) parts.push("allowAll");
    if (r.denyAll) parts.push("denyAll");
    if (r.allowedValues.length > 0) parts.push(`allowedValues: ${r.allowedValues.join(", ")}`);
    if (r.deniedValues.length > 0) parts.push(`deniedValues: ${r.deniedValues.join(", ")}`);
    if (r.parameters !== undefined) parts.push(`parameters: ${JSON.stringify(r.parameters)}`);
    return `{${parts.join("; ")}}`;
  });
  return `${constraint}: rules ${shown.join(" ")}`;
}

export type PolicyReader = (constraint: string) => Promise<PolicyRule[]>;

/** What a check concludes from the rules it read. */
type Verdict = Pick<CheckResult, "status" | "summary" | "evidence" | "fix">;

/**
 * A check of one constraint's effective policy on a project: it names its call, reads the policy
 * once, shows the rules as evidence and judges them; a read that fails is a warning that says why.
 */
export async function policyCheck(
  read: PolicyReader,
  constraint: string,
  project: string,
  judge: (rules: PolicyRule[], evidence: string[]) => Verdict,
): Promise<CheckResult> {
  const base = { id: "org-policy", constraint, project, calls: [policyCall(project, constraint)] };
  try {
    const rules = await read(constraint);
    return { ...base, ...judge(rules, [describeRules(constraint, rules)]) };
  } catch (err) {
    return couldNot(base, `read ${constraint}`, err);
  }
}
