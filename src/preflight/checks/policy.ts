/**
 * Reading an organization policy for the preflight checks: the call each names, and its rules as
 * evidence.
 */

import type { PolicyRule } from "../../org-policy.ts";
import { couldNot, HOSTS, type CheckResult } from "./result.ts";

function policyCall(project: string, constraint: string): string {
  return `GET ${HOSTS.orgpolicy}/v2/projects/${project}/policies/${constraint}:getEffectivePolicy`;
}

function describeRules(constraint: string, rules: readonly PolicyRule[]): string {
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
 * A check of a constraint's effective policy on a project, and of its managed counterparts (newer
 * organizations set those instead): it names its calls, reads each policy once, shows the rules as
 * evidence and judges them, the first constraint's rules first; a read that fails is a warning that
 * says why. The check is named after the first constraint.
 */
export async function policiesCheck(
  read: PolicyReader,
  constraints: readonly [string, ...string[]],
  project: string,
  judge: (rules: PolicyRule[][], evidence: string[]) => Verdict,
): Promise<CheckResult> {
  const base = {
    id: "org-policy",
    constraint: constraints[0],
    project,
    calls: constraints.map((c) => policyCall(project, c)),
  };
  try {
    const rules = await Promise.all(constraints.map((c) => read(c)));
    const evidence = constraints.map((c, i) => describeRules(c, rules[i]!));
    return { ...base, ...judge(rules, evidence) };
  } catch (err) {
    return couldNot(base, `read ${constraints.join(" and ")}`, err);
  }
}

/** policiesCheck of one constraint. */
export function policyCheck(
  read: PolicyReader,
  constraint: string,
  project: string,
  judge: (rules: PolicyRule[], evidence: string[]) => Verdict,
): Promise<CheckResult> {
  return policiesCheck(read, [constraint], project, (rules, evidence) =>
    judge(rules[0]!, evidence),
  );
}
