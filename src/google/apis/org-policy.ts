/**
 * Organization Policy v2 (discovery document orgpolicy v2; google/cloud/orgpolicy/v2/orgpolicy.proto):
 * the policy in effect on a project, policies.getEffectivePolicy.
 */

import { record } from "../../json.ts";
import type { PolicyRule } from "../../org-policy.ts";
import { malformed } from "../http.ts";
import { context, getObject, onProject, strings, type Api } from "./call.ts";

/**
 * `GET orgpolicy.googleapis.com/v2/projects/{project}/policies/{constraint}:getEffectivePolicy`
 * (google/cloud/orgpolicy/v2/orgpolicy.proto: a Policy whose `spec.rules` are the merged, evaluated
 * rules, no etag or condition; `dryRunSpec` is audit-only and not read). Needs orgpolicy.policy.get
 * (the REST page names it orgpolicy.policies.get; roles grant orgpolicy.policy.get). An answer
 * without rules means no policy sets the constraint; its default then applies.
 */
export async function getEffectivePolicy(
  api: Api,
  project: string,
  constraint: string,
): Promise<PolicyRule[]> {
  const what = `Read the effective policy ${constraint} of ${project}`;
  const url = `${api.endpoints.orgPolicy}/v2/projects/${encodeURIComponent(project)}/policies/${constraint}:getEffectivePolicy`;
  const body = await getObject(
    api,
    context(
      api,
      what,
      "orgpolicy",
      onProject("orgpolicy.policy.get", "roles/orgpolicy.policyViewer"),
    ),
    url,
  );
  const spec = record(body.spec);
  const rules = spec?.rules ?? [];
  if (!Array.isArray(rules))
    throw malformed(what, new URL(url).origin, 200, 'has "spec.rules" that is not a list');
  return rules.map((r) => {
    const rule = record(r) ?? {};
    const values = record(rule.values);
    return {
      ...(typeof rule.enforce === "boolean" ? { enforce: rule.enforce } : {}),
      ...(rule.allowAll === true ? { allowAll: true } : {}),
      ...(rule.denyAll === true ? { denyAll: true } : {}),
      // "is:" marks a literal value and may be left out (orgpolicy.proto PolicyRule.values).
      allowedValues: strings(values?.allowedValues).map((v) => v.replace(/^is:/, "")),
      deniedValues: strings(values?.deniedValues).map((v) => v.replace(/^is:/, "")),
      ...(record(rule.parameters) ? { parameters: record(rule.parameters) } : {}),
    };
  });
}
