/**
 * Each preflight check: what it asks Google (the REST call it names), what Google answered (the
 * evidence), and a verdict with the fix. A check that cannot get its answer (the API is not enabled
 * in the quota project, the caller may not read it) is a warning that says why, never a crash.
 */

import { Failure } from "../cli/failure.ts";
import type { Api } from "../rotate/google/api.ts";
import {
  ALWAYS_ALLOWED_SERVICES,
  CONSTRAINTS,
  keyExpiryHours,
  keyLifetimeHours,
  listAllows,
  listRestricts,
  longestPeriodFor,
  readBoolean,
} from "./constraints.ts";
import {
  getBillingInfo,
  getProject,
  listProjectApiKeys,
  secretExists,
  serviceStates,
  testProjectPermissions,
  testSecretPermissions,
  type PolicyRule,
} from "./google.ts";
import type { PreflightTarget, ProjectTarget } from "./targets.ts";

export type Status = "pass" | "warn" | "fail";

export interface CheckResult {
  /** Stable, for --json readers: "project", "billing", "org-policy", "permissions", "apis", "api-keys", "oauth". */
  id: string;
  /** The constraint, for an org-policy check. */
  constraint?: string;
  project?: string;
  status: Status;
  /** One line: what was found. */
  summary: string;
  /** What Google answered, line by line. */
  evidence: string[];
  fix?: string;
  /** The REST calls the check made. */
  calls: string[];
}

const GEMINI = "generativelanguage.googleapis.com";

/** How a host of one of the endpoints is shown in a call line (Google's, whatever the override). */
const HOSTS = {
  crm: "cloudresourcemanager.googleapis.com",
  billing: "cloudbilling.googleapis.com",
  orgpolicy: "orgpolicy.googleapis.com",
  serviceusage: "serviceusage.googleapis.com",
  apikeys: "apikeys.googleapis.com",
  secretmanager: "secretmanager.googleapis.com",
};

/** A check that could not get Google's answer: a warning with the reason and what would let it run. */
function couldNot(
  base: Omit<CheckResult, "status" | "summary" | "evidence" | "fix">,
  what: string,
  err: unknown,
): CheckResult {
  if (!(err instanceof Failure) || err.exitCode === 2) throw err;
  const service = typeof err.details?.service === "string" ? err.details.service : undefined;
  const consumer = typeof err.details?.consumer === "string" ? err.details.consumer : undefined;
  const fix =
    err.reason === "SERVICE_DISABLED" && service !== undefined && consumer !== undefined
      ? `Enable ${service} in ${consumer}, the project these calls are billed to: gcloud services enable ${service} --project ${consumer.replace(/^projects\//, "")}. With user credentials you may name another project to bill instead: --project PROJECT.`
      : err.fix;
  return {
    ...base,
    status: "warn",
    summary: `Could not ${what}: ${err.message}`,
    evidence: [`${err.reason}: ${err.message}`],
    fix,
  };
}

// ---- The project and its billing -------------------------------------------------------------

export async function projectCheck(
  api: Api,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  const base = {
    id: "project",
    project: p.project,
    calls: [`GET ${HOSTS.crm}/v1/projects/${p.project}`],
  };
  try {
    const info = await getProject(api, p.project);
    const evidence = [
      `projectId ${info.projectId}, projectNumber ${info.projectNumber}, lifecycleState ${info.lifecycleState}${info.parent ? `, parent ${info.parent}` : ", no parent (outside any organization)"}`,
    ];
    if (info.lifecycleState !== "ACTIVE") {
      return {
        ...base,
        status: "fail",
        summary: `${p.project} (${p.role}) is ${info.lifecycleState}, not ACTIVE: nothing can be created in it.`,
        evidence,
        fix: `Restore it within 30 days of its deletion (gcloud projects undelete ${p.project}), or set gcp:project in ${t.stackFile} to an active project.`,
      };
    }
    return {
      ...base,
      status: "pass",
      summary: `${p.project} (${p.role}) exists and is ACTIVE.`,
      evidence,
    };
  } catch (err) {
    if (err instanceof Failure && err.reason === "PERMISSION_DENIED") {
      return {
        ...base,
        status: "fail",
        summary: `${p.project} (${p.role}) does not exist, or ${api.principal} may not see it.`,
        evidence: [err.message],
        fix: `Check gcp:project in ${t.stackFile}; if it is right, the caller needs resourcemanager.projects.get on it (roles/browser, or any role on the project). Google answers the same 403 for a project that does not exist.`,
      };
    }
    return couldNot(base, `read ${p.project}`, err);
  }
}

export async function billingCheck(
  api: Api,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  const base = {
    id: "billing",
    project: p.project,
    calls: [`GET ${HOSTS.billing}/v1/projects/${p.project}/billingInfo`],
  };
  try {
    const info = await getBillingInfo(api, p.project);
    const evidence = [
      `billingEnabled ${info.enabled}${info.account ? `, billingAccountName ${info.account}` : ", no billing account"}`,
    ];
    if (info.enabled)
      return {
        ...base,
        status: "pass",
        summary: `Billing is enabled on ${p.project} (${info.account ?? "an open billing account"}).`,
        evidence,
      };
    const fix = `Link an open billing account: gcloud billing projects link ${p.project} --billing-account ACCOUNT_ID (needs billing.resourceAssociations.create on the account), or in the console under Billing.`;
    if (p.billable.length > 0) {
      return {
        ...base,
        status: "fail",
        summary: `Billing is not enabled on ${p.project}, and the stack creates ${p.billable.join(", ")} there, which need it.`,
        evidence,
        fix,
      };
    }
    return {
      ...base,
      status: "warn",
      summary: `Billing is not enabled on ${p.project}: the Gemini API's free tier works without it, its paid tier and higher rate limits do not.`,
      evidence,
      fix,
    };
  } catch (err) {
    return couldNot(base, `read the billing of ${p.project}`, err);
  }
}

// ---- Organization policies ----------------------------------------------------------------------

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

type PolicyReader = (constraint: string) => Promise<PolicyRule[]>;

/** iam.disableServiceAccountKeyCreation and its managed twin: either refuses the keys the rotator makes. */
export async function keyCreationCheck(
  read: PolicyReader,
  t: PreflightTarget,
): Promise<CheckResult> {
  const keys = t.keys!;
  const constraints = [CONSTRAINTS.keyCreation, CONSTRAINTS.keyCreationManaged];
  const base = {
    id: "org-policy",
    constraint: CONSTRAINTS.keyCreation,
    project: keys.project,
    calls: constraints.map((c) => policyCall(keys.project, c)),
  };
  try {
    const rules = await Promise.all(constraints.map((c) => read(c)));
    const evidence = constraints.map((c, i) => describeRules(c, rules[i]!));
    const enforced = constraints.filter((c, i) => readBoolean(c, rules[i]!).enforced);
    if (enforced.length === 0)
      return {
        ...base,
        status: "pass",
        summary: `Service-account keys may be created in ${keys.project}.`,
        evidence,
      };
    return {
      ...base,
      status: "fail",
      summary: `${enforced.join(" and ")} ${enforced.length === 1 ? "is" : "are"} enforced on ${keys.project}: the rotator cannot make the keys the stack issues for ${keys.accounts.join(", ")}.`,
      evidence,
      fix:
        `Either take the keyless path: in ${t.stackFile} set createKey: false for ${keys.accounts.length === 1 ? "the account" : "each account"} and list its consumers as impersonators (they act as it with short-lived tokens, nothing to leak). ` +
        `Or have an organization policy administrator (roles/orgpolicy.policyAdmin) make an exception for this project: gcloud org-policies reset ${CONSTRAINTS.keyCreation} --project ${keys.project}, and the same for ${CONSTRAINTS.keyCreationManaged}.`,
    };
  } catch (err) {
    return couldNot(base, "read the key-creation policies", err);
  }
}

/** iam.managed.disableServiceAccountApiKeyCreation: enforced by default; Google exempts keys restricted to the Gemini API. */
export async function apiKeyBindingCheck(
  read: PolicyReader,
  t: PreflightTarget,
): Promise<CheckResult> {
  const key = t.apiKey!;
  const base = {
    id: "org-policy",
    constraint: CONSTRAINTS.apiKeyBinding,
    project: key.project,
    calls: [policyCall(key.project, CONSTRAINTS.apiKeyBinding)],
  };
  try {
    const rules = await read(CONSTRAINTS.apiKeyBinding);
    const reading = readBoolean(CONSTRAINTS.apiKeyBinding, rules);
    const evidence = [describeRules(CONSTRAINTS.apiKeyBinding, rules)];
    if (!reading.enforced)
      return {
        ...base,
        status: "pass",
        summary: `API keys may be bound to service accounts in ${key.project}.`,
        evidence,
      };
    const allowed = reading.parameters?.allowedServices;
    if (Array.isArray(allowed)) {
      if (allowed.includes(GEMINI))
        return {
          ...base,
          status: "pass",
          summary: `${CONSTRAINTS.apiKeyBinding} is enforced on ${key.project} with ${GEMINI} among its allowedServices: the rotator's key may be bound.`,
          evidence,
        };
      return {
        ...base,
        status: "fail",
        summary: `${CONSTRAINTS.apiKeyBinding} is enforced on ${key.project} and its allowedServices leave out ${GEMINI}: the rotator cannot make the API key bound to ${key.account}.`,
        evidence,
        fix: `Have an organization policy administrator add ${GEMINI} to the constraint's allowedServices parameter for this project (cloud.google.com/docs/authentication/api-keys), or drop apiKey from ${t.stackFile} and use the keyless path.`,
      };
    }
    return {
      ...base,
      status: "warn",
      summary: `${CONSTRAINTS.apiKeyBinding} is enforced on ${key.project}${reading.byDefault ? " (Google enforces it by default)" : ""}. Google states that keys restricted to ${GEMINI} are exempt, and the kit's key is; its documentation does not say so everywhere.`,
      evidence,
      fix: `Nothing to do if the rotator's first run makes the key. If it is refused (API_KEY_BINDING_BLOCKED), have an organization policy administrator set the constraint with allowedServices: [${GEMINI}] for this project. Google's statement: googleapis/python-genai#2391.`,
    };
  } catch (err) {
    return couldNot(base, `read ${CONSTRAINTS.apiKeyBinding}`, err);
  }
}

/** iam.serviceAccountKeyExpiryHours: a key that expires before the rotator retires it breaks its consumers. */
export async function keyExpiryCheck(read: PolicyReader, t: PreflightTarget): Promise<CheckResult> {
  const keys = t.keys!;
  const base = {
    id: "org-policy",
    constraint: CONSTRAINTS.keyExpiry,
    project: keys.project,
    calls: [policyCall(keys.project, CONSTRAINTS.keyExpiry)],
  };
  try {
    const rules = await read(CONSTRAINTS.keyExpiry);
    const evidence = [describeRules(CONSTRAINTS.keyExpiry, rules)];
    const hours = keyExpiryHours(rules);
    const needed = keyLifetimeHours(keys.periodDays);
    if (hours === undefined)
      return {
        ...base,
        status: "pass",
        summary: `Service-account keys in ${keys.project} do not expire early.`,
        evidence,
      };
    if (hours >= needed)
      return {
        ...base,
        status: "pass",
        summary: `Keys expire after ${hours} h, longer than the ${needed} h a rotated key is in use (keyRotationDays ${keys.periodDays}: newest one period, previous one more, retired within a day).`,
        evidence,
      };
    const longest = longestPeriodFor(hours);
    return {
      ...base,
      status: "fail",
      summary: `Keys expire after ${hours} h, before the rotator retires them: a key of this stack is in use for up to ${needed} h (keyRotationDays ${keys.periodDays}).`,
      evidence,
      fix:
        longest >= 1
          ? `Set keyRotationDays to ${longest} or less in ${t.stackFile}, or have an organization policy administrator allow a longer expiry for this project.`
          : `No rotation period fits ${hours} h: take the keyless path (createKey: false and impersonators in ${t.stackFile}), or have an organization policy administrator allow a longer expiry.`,
    };
  } catch (err) {
    return couldNot(base, `read ${CONSTRAINTS.keyExpiry}`, err);
  }
}

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
export async function memberDomainsCheck(
  read: PolicyReader,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  const base = {
    id: "org-policy",
    constraint: CONSTRAINTS.memberDomains,
    project: p.project,
    calls: [policyCall(p.project, CONSTRAINTS.memberDomains)],
  };
  try {
    const rules = await read(CONSTRAINTS.memberDomains);
    const evidence = [describeRules(CONSTRAINTS.memberDomains, rules)];
    if (!listRestricts(rules))
      return {
        ...base,
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
        ...base,
        status: "pass",
        summary: `${p.project} restricts IAM members to ${allowed.join(", ") || "no one"}; the stack grants only its own service accounts there.`,
        evidence,
      };
    return {
      ...base,
      status: "warn",
      summary: `${p.project} restricts IAM members to the customers ${allowed.join(", ") || "(none listed)"}; the stack grants ${candidates.length} member${candidates.length === 1 ? "" : "s"} that may fall outside them.`,
      evidence: [...evidence, ...candidates.map((m) => `granted: ${m}`)],
      fix: `Check that each member above belongs to an allowed Google Workspace or Cloud Identity customer; a grant to one that does not fails pulumi up with FAILED_PRECONDITION "One or more users named in the policy do not belong to a permitted customer". Change it in ${t.stackFile}, or ask an organization policy administrator to allow its customer.`,
    };
  } catch (err) {
    return couldNot(base, `read ${CONSTRAINTS.memberDomains}`, err);
  }
}

/** gcp.restrictServiceUsage: an API the stack needs that the organization denies. */
export async function serviceUsageCheck(
  read: PolicyReader,
  t: PreflightTarget,
  p: ProjectTarget,
): Promise<CheckResult> {
  const base = {
    id: "org-policy",
    constraint: CONSTRAINTS.serviceUsage,
    project: p.project,
    calls: [policyCall(p.project, CONSTRAINTS.serviceUsage)],
  };
  try {
    const rules = await read(CONSTRAINTS.serviceUsage);
    const evidence = [describeRules(CONSTRAINTS.serviceUsage, rules)];
    const denied = p.apis.filter(
      (api) => !ALWAYS_ALLOWED_SERVICES.has(api) && !listAllows(rules, api),
    );
    if (denied.length === 0)
      return {
        ...base,
        status: "pass",
        summary: `${p.project} may use every API the stack needs (${p.apis.length}).`,
        evidence,
      };
    return {
      ...base,
      status: "fail",
      summary: `${CONSTRAINTS.serviceUsage} denies ${denied.join(", ")} in ${p.project}, which the stack needs.`,
      evidence,
      fix: `Have an organization policy administrator allow ${denied.length === 1 ? "it" : "them"} for this project (cloud.google.com/resource-manager/docs/organization-policy/restricting-resources), or move the stack to a project where ${denied.length === 1 ? "it is" : "they are"} allowed (gcp:project in ${t.stackFile}).`,
    };
  } catch (err) {
    return couldNot(base, `read ${CONSTRAINTS.serviceUsage}`, err);
  }
}

/** iam.automaticIamGrantsForDefaultServiceAccounts: not enforced, default service accounts get Editor. */
export async function defaultGrantsCheck(
  read: PolicyReader,
  p: ProjectTarget,
): Promise<CheckResult> {
  const base = {
    id: "org-policy",
    constraint: CONSTRAINTS.defaultGrants,
    project: p.project,
    calls: [policyCall(p.project, CONSTRAINTS.defaultGrants)],
  };
  try {
    const rules = await read(CONSTRAINTS.defaultGrants);
    const evidence = [describeRules(CONSTRAINTS.defaultGrants, rules)];
    if (readBoolean(CONSTRAINTS.defaultGrants, rules).enforced)
      return {
        ...base,
        status: "pass",
        summary: `Default service accounts in ${p.project} get no automatic Editor grant.`,
        evidence,
      };
    return {
      ...base,
      status: "warn",
      summary: `${CONSTRAINTS.defaultGrants} is not enforced on ${p.project}: a default Compute Engine or App Engine service account created there gets roles/editor on the project.`,
      evidence,
      fix: `Have an organization policy administrator enforce it: gcloud org-policies set-policy with enforce: true for ${CONSTRAINTS.defaultGrants} on projects/${p.project} (or the organization). It changes no existing grant.`,
    };
  } catch (err) {
    return couldNot(base, `read ${CONSTRAINTS.defaultGrants}`, err);
  }
}

// ---- Permissions, APIs, API keys ----------------------------------------------------------------

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
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
    for (const [id, perms] of secretNeeds) {
      const rest = perms.filter((x) => !onProject.held.has(x));
      if (rest.length === 0) continue;
      base.calls.push(
        `POST ${HOSTS.secretmanager}/v1/projects/${p.project}/secrets/${id}:testIamPermissions`,
      );
      const onSecret = await testSecretPermissions(api, p.project, id, rest);
      const lacking = rest.filter((x) => !onSecret.held.has(x));
      if (lacking.length === 0) {
        evidence.push(
          `on secret ${id}: holds the other ${plural(rest.length, "permission")} it needs`,
        );
        continue;
      }
      base.calls.push(`GET ${HOSTS.secretmanager}/v1/projects/${p.project}/secrets/${id}`);
      const exists = await secretExists(api, p.project, id);
      if (exists === "no") {
        untested.push(id);
        evidence.push(
          `secret ${id} does not exist yet: up creates it, and what it needs on it (${rest.join(", ")}) can be tested only then`,
        );
      } else {
        missing.push(...lacking.map((x) => `${x} (on secret ${id})`));
        evidence.push(`on secret ${id}: lacks ${lacking.join(", ")}`);
      }
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
    return couldNot(base, `test the caller's permissions on ${p.project}`, err);
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
    return couldNot(base, `read which APIs are enabled in ${p.project}`, err);
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
    const keys = await listProjectApiKeys(api, p.project);
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

// ---- The OAuth step -----------------------------------------------------------------------------

export interface DeployedOauth {
  /** Where the state was read: "stack dev's outputs", or the committed config. */
  source: string;
  /** Why the outputs were not the source, when they were not. */
  note?: string;
  status?: string;
  steps: { id: string; status: string; title: string }[];
}

/** The manual consent-screen and Desktop-client step, as the stack's outputs (or, before any up, its config) say: nothing to ask Google. */
export function oauthCheck(t: PreflightTarget, deployed: DeployedOauth): CheckResult {
  const oauth = t.oauth!;
  const evidence = [
    ...(deployed.note === undefined ? [] : [`${deployed.note}; read from ${deployed.source}`]),
    ...deployed.steps.map((s) => `${s.status}: ${s.title}`),
  ];
  const base = { id: "oauth", project: t.project, calls: [] as string[] };
  if (deployed.status === "stored" || oauth.clientSet) {
    return {
      ...base,
      status: "pass",
      summary: `The Desktop OAuth client is handed to the stack, as ${deployed.source} says; the consent screen is a console setting no API reads, so check it against the steps.`,
      evidence,
    };
  }
  const command = `pulumi config set --secret --stack ${t.stack} gemini-access-kit:oauthClientJson < client_secret.json`;
  if (oauth.required) {
    return {
      ...base,
      status: "fail",
      summary: `The Desktop OAuth client is not set, and the stack requires it (oauthClientRequired: true): up refuses the stack until it is.`,
      evidence,
      fix: `Follow the manual steps (npm run plan -- --stack ${t.stack} shows them), then: ${command}`,
    };
  }
  return {
    ...base,
    status: "warn",
    summary: `The Desktop OAuth client is pending, as ${deployed.source} says: up deploys without it, and sign-in with --auth oauth waits for it.`,
    evidence,
    fix: `Follow the manual steps (npm run plan -- --stack ${t.stack} shows them), then: ${command}`,
  };
}
