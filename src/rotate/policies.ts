/**
 * The checks the rotator runs before it makes anything: the organization policies that refuse the
 * keys it makes. An enforced key-creation constraint (iam.disableServiceAccountKeyCreation or its
 * managed form: cloud.google.com/iam/docs/troubleshoot-org-policies) fails every service-account key
 * of that project, with both ways out, before any read or write of its secret. The API key's
 * binding constraint is not a gate: Google has said keys restricted to the Gemini API are allowed
 * (googleapis/python-genai#2391), and a refusal is named when it comes (API_KEY_BINDING_BLOCKED).
 */

import { Failure } from "../cli/failure.ts";
import { getEffectivePolicy } from "../google/apis/org-policy.ts";
import type { Api } from "../google/apis/call.ts";
import { accountProject } from "../naming.ts";
import { KEY_CREATION_CONSTRAINTS, keyCreationWaysOut, readBoolean } from "../org-policy.ts";
import type { RotationKey } from "../rotation.ts";

/**
 * The projects whose policies refuse service-account keys, each with the failure its keys end in.
 * A policy that cannot be read is said in a progress line and is no gate: Google refuses a key the
 * policy forbids at its creation, and nothing is made then either.
 */
export async function keyCreationRefusals(
  api: Api,
  keys: readonly RotationKey[],
  stackFile: string,
  progress: (line: string) => void,
): Promise<Map<string, Failure>> {
  const projects = new Map<string, number>();
  for (const k of keys) {
    const project = k.kind === "service-account-key" ? accountProject(k.account) : undefined;
    if (project !== undefined) projects.set(project, (projects.get(project) ?? 0) + 1);
  }
  const refusals = new Map<string, Failure>();
  for (const [project, count] of projects) {
    progress(`Reading the organization policies on service-account keys in ${project}...`);
    let enforced: string[];
    try {
      const rules = await Promise.all(
        KEY_CREATION_CONSTRAINTS.map((c) => getEffectivePolicy(api, project, c)),
      );
      enforced = KEY_CREATION_CONSTRAINTS.filter((c, i) => readBoolean(c, rules[i]!).enforced);
    } catch (err) {
      if (!(err instanceof Failure) || err.exitCode === 2) throw err;
      progress(
        `  could not read them (${err.reason}); a key they refuse is refused when it is made, and nothing is left then either.`,
      );
      continue;
    }
    if (enforced.length === 0) continue;
    refusals.set(
      project,
      new Failure(
        "KEY_CREATION_BLOCKED",
        `The organization policy ${enforced.join(" and ")} ${enforced.length === 1 ? "is" : "are"} enforced on ${project}: Google refuses every service-account key there, so none was made and the secret was not touched.`,
        keyCreationWaysOut(project, stackFile, count),
      ),
    );
  }
  return refusals;
}
