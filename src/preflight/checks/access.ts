/** What the caller may do, which APIs are on, and the project's API keys. */

import { Failure } from "../../cli/failure.ts";
import type { Api } from "../../google/apis/call.ts";
import { listApiKeys } from "../../google/apis/api-keys.ts";
import { testProjectPermissions, testSecretPermissions } from "../../google/apis/iam-policy.ts";
import { secretExists } from "../../google/apis/secret-manager.ts";
import { serviceStates } from "../../google/apis/service-usage.ts";
import type { PreflightTarget, ProjectTarget } from "../targets.ts";
import { couldNot, GEMINI, HOSTS, plural, type CheckResult } from "./result.ts";

/**
 * testIamPermissions on a secret, where a secret that does not exist answers NOT_FOUND or, like any
 * resource the caller cannot see, 403: neither hides what the project-level test found.
 */
async function testOnSecret(
  api: Api,
  project: string,
  id: string,
  permissions: readonly string[],
): Promise<{ held: Set<string>; missing?: boolean; refused?: boolean }> {
  try {
    return await testSecretPermissions(api, project, id, permissions);
  } catch (err) {
    if (err instanceof Failure && err.reason === "NOT_FOUND")
      return { held: new Set(), missing: true };
    if (err instanceof Failure && err.reason === "PERMISSION_DENIED")
      return { held: new Set(), refused: true };
    throw err;
  }
}

/** The caller holds what up of the stack's resources needs here: on the project, then on each secret for what a condition may grant there. */
export async function permissionsCheck(
  api: Api,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  const secretNeeds = [...p.needs.secrets];
  const all = [
    ...new Set([...p.needs.permissions, ...secretNeeds.flatMap(([, perms]) => perms)]),
  ].sort();
  const base = {
    id: "permissions",
    project: p.project,
    calls: [`POST ${HOSTS.crm}/v1/projects/${p.project}:testIamPermissions`],
  };
  if (all.length === 0)
    return {
      ...base,
      calls: [],
      status: "pass",
      summary: `The stack creates nothing in ${p.project}.`,
      evidence: [],
    };
  try {
    const onProject = await testProjectPermissions(api, p.project, all);
    const evidence = [
      `on projects/${p.project}: holds ${onProject.held.size} of the ${all.length} tested`,
    ];
    const missing = p.needs.permissions.filter(
      (x) => !onProject.held.has(x) && !onProject.untestable.includes(x),
    );
    if (onProject.untestable.length > 0)
      evidence.push(`not testable on a project: ${onProject.untestable.join(", ")}`);
    const untested: string[] = [];
    const absent: string[] = [];
    for (const [id, perms] of secretNeeds) {
      const rest = perms.filter((x) => !onProject.held.has(x));
      if (rest.length === 0) continue;
      base.calls.push(
        `POST ${HOSTS.secretmanager}/v1/projects/${p.project}/secrets/${id}:testIamPermissions`,
      );
      const onSecret = await testOnSecret(api, p.project, id, rest);
      const lacking = rest.filter((x) => !onSecret.held.has(x));
      if (lacking.length === 0) {
        evidence.push(
          `on secret ${id}: holds the other ${plural(rest.length, "permission")} it needs`,
        );
        continue;
      }
      base.calls.push(`GET ${HOSTS.secretmanager}/v1/projects/${p.project}/secrets/${id}`);
      // A secret that does not exist yet answers NOT_FOUND (or 403, as for any missing resource):
      // what up needs on it can be tested only once up has made it.
      const exists = onSecret.missing ? "no" : await secretExists(api, p.project, id);
      if (exists === "no" && !p.needs.creates.includes(id)) {
        absent.push(id);
        evidence.push(`secret ${id} does not exist, and up does not create it`);
      } else if (exists !== "yes" && (onSecret.missing || onSecret.refused || exists === "no")) {
        untested.push(id);
        evidence.push(
          `secret ${id} does not exist yet: up creates it, and what it needs on it (${rest.join(", ")}) can be tested only then`,
        );
      } else {
        missing.push(...lacking.map((x) => `${x} (on secret ${id})`));
        evidence.push(`on secret ${id}: lacks ${lacking.join(", ")}`);
      }
    }
    if (absent.length > 0) {
      return {
        ...base,
        status: "fail",
        summary: `${absent.join(", ")} ${absent.length === 1 ? "does" : "do"} not exist in ${p.project}: the CI stack makes ${absent.length === 1 ? "it" : "them"}, and up writes into ${absent.length === 1 ? "it" : "them"}.`,
        evidence,
        fix: "Have an administrator deploy the CI stack first (npm run deploy -- --stack ci).",
      };
    }
    if (missing.length > 0) {
      return {
        ...base,
        status: "fail",
        summary: `${api.principal} lacks ${plural(missing.length, "permission")} that up of this stack needs in ${p.project}: ${missing.join(", ")}.`,
        evidence,
        fix:
          t.kind === "environment" && t.foundationByCi
            ? "CI's deployer holds exactly these through the CI stack: have an administrator deploy it (npm run deploy -- --stack ci), or run as an identity that holds them."
            : `Grant them to ${api.principal} in ${p.project} (for example roles/owner for a first up, or roles whose permissions cover the list), or run preflight and up as someone who holds them.`,
      };
    }
    if (untested.length > 0) {
      return {
        ...base,
        status: "warn",
        summary: `${api.principal} holds what up needs on ${p.project}; ${plural(untested.length, "secret")} up will create (${untested.join(", ")}) cannot be tested yet.`,
        evidence,
        fix: "Nothing to do unless up then fails on the secret; its rights come from a grant on the project or a condition naming it.",
      };
    }
    return {
      ...base,
      status: "pass",
      summary: `${api.principal} holds all ${plural(all.length, "permission")} up of this stack needs in ${p.project}.`,
      evidence,
    };
  } catch (err) {
    return couldNot(base, `test the caller's permissions on ${p.project}`, err, true);
  }
}

export async function apisCheck(
  api: Api,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  const base = {
    id: "apis",
    project: p.project,
    calls: [`GET ${HOSTS.serviceusage}/v1/projects/${p.project}/services:batchGet?names=...`],
  };
  try {
    const states = await serviceStates(api, p.project, p.apis);
    const enabled = p.apis.filter((s) => states.get(s) === true);
    const disabled = p.apis.filter((s) => states.get(s) !== true);
    const evidence = [
      `enabled: ${enabled.join(", ") || "none"}`,
      `not enabled: ${disabled.join(", ") || "none"}`,
    ];
    if (disabled.length === 0)
      return {
        ...base,
        status: "pass",
        summary: `All ${p.apis.length} APIs the stack needs are enabled in ${p.project}.`,
        evidence,
      };
    if (p.enablesApis)
      return {
        ...base,
        status: "pass",
        summary: `${enabled.length} of ${p.apis.length} APIs are enabled in ${p.project}; up enables ${disabled.join(", ")}.`,
        evidence,
      };
    return {
      ...base,
      status: "fail",
      summary: `${disabled.join(", ")} ${disabled.length === 1 ? "is" : "are"} not enabled in ${p.project}, and this stack does not enable APIs (foundation: ci).`,
      evidence,
      fix: "The CI stack enables them: have an administrator deploy it first (npm run deploy -- --stack ci).",
    };
  } catch (err) {
    return couldNot(base, `read which APIs are enabled in ${p.project}`, err, true);
  }
}

/** Keys that can call the Gemini API without being bound to an account: every unrestricted key, and restricted ones that allow it. */
export async function apiKeysCheck(api: Api, p: ProjectTarget): Promise<CheckResult> {
  const base = {
    id: "api-keys",
    project: p.project,
    calls: [`GET ${HOSTS.apikeys}/v2/projects/${p.project}/locations/global/keys`],
  };
  try {
    const keys = await listApiKeys(api, p.project, { showDeleted: false });
    const exposed = keys.filter(
      (k) =>
        k.services.length === 0 ||
        (k.services.includes(GEMINI) && k.serviceAccountEmail === undefined),
    );
    const evidence = exposed.map(
      (k) =>
        `${k.name}${k.displayName ? ` ("${k.displayName}")` : ""}: ${k.services.length === 0 ? "no API restriction" : `restricted to ${k.services.join(", ")}, bound to no account`}`,
    );
    if (exposed.length === 0)
      return {
        ...base,
        status: "pass",
        summary: `None of the ${plural(keys.length, "API key")} in ${p.project} can call the Gemini API unbound.`,
        evidence: [`${plural(keys.length, "key")} listed`],
      };
    return {
      ...base,
      status: "warn",
      summary: `${plural(exposed.length, "API key")} in ${p.project} can call the Gemini API once it is enabled there, unbound to any account (an unrestricted key calls every enabled API).`,
      evidence,
      fix: `Restrict each to the APIs it is for (gcloud services api-keys update KEY --api-target=service=SERVICE), or delete it (gcloud services api-keys delete KEY --project ${p.project}). The kit's own key is restricted to ${GEMINI} and bound to an account.`,
    };
  } catch (err) {
    return couldNot(base, `list the API keys of ${p.project}`, err);
  }
}
