/**
 * The checks of a project the stack creates (project.create), before it exists: whether its id is
 * free, whether the caller may create projects under its parent, and whether it may link them to the
 * billing account. Each is a pitfall a first `up` meets halfway (fleet-notes §2.3).
 */

import { Failure } from "../../cli/failure.ts";
import type { Api } from "../../google/apis/call.ts";
import {
  testBillingAccountPermissions,
  testParentPermissions,
  type Tested,
} from "../../google/apis/iam-policy.ts";
import { getProjectV3, type ProjectV3 } from "../../google/apis/resource-manager.ts";
import type { PreflightTarget, ProjectTarget } from "../targets.ts";
import { couldNot, HOSTS, plural, type CheckResult } from "./result.ts";

type Created = Extract<NonNullable<ProjectTarget["vending"]>, { mode: "create" }>;

/** What the id check found: the id is free (or hidden), the project is this stack's, or the way is blocked. */
export type IdState = "absent" | "ours" | "blocked";

/**
 * The billing account's project quota, which no call can read beforehand (fleet-notes §2.3): said
 * in the billing check's text, whatever it finds.
 */
function billingQuota(account: string): string {
  return `The account's quota of linked projects cannot be tested: past it (5 on new organizations), linking fails with "Precondition check failed" (GoogleCloudPlatform/pubsec-declarative-toolkit#113, terraform-example-foundation#378); gcloud billing projects link PROJECT --billing-account ${account} names the real limit (terraform-example-foundation#269); request more at https://support.google.com/code/contact/billing_quota_increase.`;
}

/** `serviceAccount:` or `user:` and the caller's e-mail, for a grant command. */
function member(principal: string): string {
  return principal.endsWith(".gserviceaccount.com")
    ? `serviceAccount:${principal}`
    : `user:${principal}`;
}

function idVerdict(
  t: PreflightTarget,
  p: ProjectTarget,
  v: Created,
  info: ProjectV3,
): Pick<CheckResult, "status" | "summary" | "fix"> & { state: IdState } {
  if (info.state === "DELETE_REQUESTED")
    return {
      state: "blocked",
      status: "fail",
      summary: `${p.project} is DELETE_REQUESTED: a project pending deletion keeps its id for 30 days, and no new project can take it.`,
      fix: `Restore it within those 30 days (gcloud projects undelete ${p.project}) and adopt it (project: {adopt: {}} in ${t.stackFile}), or choose another gcp:project: a deleted project's id is never given to a new one (deploymentmanager-samples#512, terraform-provider-google#1101).`,
    };
  const ours = Object.entries(v.labels).every(([k, value]) => info.labels[k] === value);
  if (info.state !== "ACTIVE" || !ours)
    return {
      state: "blocked",
      status: "fail",
      summary: `${p.project} is taken: ${info.state === "ACTIVE" ? "an ACTIVE project" : `a project in state ${info.state}`} has it${info.parent ? ` under ${info.parent}` : ""}, without this environment's labels, and up would fail with 409 "Requested entity already exists".`,
      fix: `If it is this environment's project, adopt it instead: set project: {adopt: {}} in ${t.stackFile} (the kit imports it and never deletes it). Otherwise choose another gcp:project: project ids are global.`,
    };
  const labels = Object.entries(v.labels)
    .map(([k, value]) => `${k}: ${value}`)
    .join(", ");
  if (info.parent !== v.parent)
    return {
      state: "ours",
      status: "warn",
      summary: `${p.project} exists with this environment's labels (${labels}), but under ${info.parent ?? "no parent"}, not ${v.parent}: up would move it there.`,
      fix: `If it was moved on purpose, set project.create.parent to ${info.parent ?? "its parent"} in ${t.stackFile}; else up moves it back, which needs resourcemanager.projects.move on it and resourcemanager.projects.create on ${v.parent}.`,
    };
  return {
    state: "ours",
    status: "pass",
    summary: `${p.project} exists under ${v.parent} with this environment's labels (${labels}): this stack created it on an earlier up, and up manages it.`,
  };
}

/**
 * Whether the project's id is free: Resource Manager v3 projects.get. A project that does not exist
 * and one the caller may not see answer alike (403, or NOT_FOUND): free, or held by someone else's
 * project, which only up's 409 can tell.
 */
export async function projectIdCheck(
  api: Api,
  t: PreflightTarget,
  p: ProjectTarget,
  v: Created,
): Promise<{ result: CheckResult; state: IdState }> {
  const base = {
    id: "project-id",
    project: p.project,
    calls: [`GET ${HOSTS.crm}/v3/projects/${p.project}`],
  };
  let info: ProjectV3;
  try {
    info = await getProjectV3(api, p.project);
  } catch (err) {
    if (
      err instanceof Failure &&
      (err.reason === "PERMISSION_DENIED" || err.reason === "NOT_FOUND")
    )
      return {
        state: "absent",
        result: {
          ...base,
          status: "pass",
          summary: `${p.project} is free, or held by a project ${api.principal} may not see: Google answers both with ${err.reason === "NOT_FOUND" ? "NOT_FOUND" : "403"}, so preflight cannot tell them apart. up creates it, and the project's own checks run once it exists; an id taken after all fails up with 409 "Requested entity already exists".`,
          evidence: [`${err.reason}: ${err.message}`],
        },
      };
    return { state: "blocked", result: couldNot(base, `read ${p.project}`, err, true) };
  }
  const { state, ...verdict } = idVerdict(t, p, v, info);
  const evidence = [
    `projectId ${info.projectId}, number ${info.projectNumber}, state ${info.state}, parent ${info.parent ?? "none"}, labels ${JSON.stringify(info.labels)}`,
  ];
  return { state, result: { ...base, ...verdict, evidence } };
}

/** The permissions up needs on the resources whose names start so (`folders/`, `billingAccounts/`). */
function needsOn(p: ProjectTarget, prefix: RegExp): [string, string[]][] {
  return [...p.needs.elsewhere].filter(([where]) => prefix.test(where));
}

/** A 403 or NOT_FOUND for the resource itself: it does not exist, or the caller may see nothing of it. */
async function tested(call: () => Promise<Tested>): Promise<Tested | "refused"> {
  try {
    return await call();
  } catch (err) {
    if (
      err instanceof Failure &&
      (err.reason === "PERMISSION_DENIED" || err.reason === "NOT_FOUND")
    )
      return "refused";
    throw err;
  }
}

/** The caller may create projects under the parent: Resource Manager v3 folders (or organizations) testIamPermissions. */
export async function parentCheck(api: Api, p: ProjectTarget, v: Created): Promise<CheckResult> {
  const [parent, permissions] = needsOn(p, /^(folders|organizations)\//)[0] ?? [
    v.parent,
    ["resourcemanager.projects.create"],
  ];
  const base = {
    id: "project-parent",
    project: p.project,
    calls: [`POST ${HOSTS.crm}/v3/${parent}:testIamPermissions`],
  };
  const [kind, id] = parent.split("/") as [string, string];
  const grant = `${kind === "folders" ? "gcloud resource-manager folders" : "gcloud organizations"} add-iam-policy-binding ${id} --member=${member(api.principal)} --role=roles/resourcemanager.projectCreator`;
  const quota = `Projects are also counted per creating identity: a new service account may create fewer than the person who set it up (terraform-example-foundation#417); request more at https://support.google.com/code/contact/project_quota_increase.`;
  try {
    const answer = await tested(() => testParentPermissions(api, parent, permissions));
    const missing =
      answer === "refused" ? permissions : permissions.filter((x) => !answer.held.has(x));
    if (missing.length === 0)
      return {
        ...base,
        status: "pass",
        summary: `${api.principal} may create projects under ${parent} (${permissions.join(", ")}).`,
        evidence: [`on ${parent}: holds ${permissions.join(", ")}`],
      };
    return {
      ...base,
      status: "fail",
      summary:
        answer === "refused"
          ? `${parent} does not exist, or ${api.principal} may see nothing of it (Google answers both alike): up cannot create ${p.project} there.`
          : `${api.principal} may not create projects under ${parent}: it lacks ${missing.join(", ")} there.`,
      evidence: [
        answer === "refused" ? `${parent}: refused` : `on ${parent}: lacks ${missing.join(", ")}`,
      ],
      fix: `Check project.create.parent; grant the caller roles/resourcemanager.projectCreator on ${parent} (${grant}), or run as someone who holds it. ${quota}`,
    };
  } catch (err) {
    return couldNot(base, `test the caller's permissions on ${parent}`, err, true);
  }
}

/** The caller may link projects to the billing account (and manage its budgets): Cloud Billing v1 billingAccounts testIamPermissions. */
export async function billingAccountCheck(
  api: Api,
  p: ProjectTarget,
  v: Created,
): Promise<CheckResult> {
  const [account, permissions] = needsOn(p, /^billingAccounts\//)[0] ?? [
    `billingAccounts/${v.billingAccount}`,
    ["billing.resourceAssociations.create"],
  ];
  const id = account.slice("billingAccounts/".length);
  const base = {
    id: "billing-account",
    project: p.project,
    calls: [`POST ${HOSTS.billing}/v1/${account}:testIamPermissions`],
  };
  const budgets = permissions.some((x) => x.startsWith("billing.budgets."));
  try {
    const answer = await tested(() => testBillingAccountPermissions(api, id, permissions));
    const missing =
      answer === "refused" ? permissions : permissions.filter((x) => !answer.held.has(x));
    const evidence = [
      answer === "refused"
        ? `${account}: refused`
        : `on ${account}: holds ${plural(permissions.length - missing.length, "permission")} of the ${permissions.length} tested`,
    ];
    if (missing.length === 0)
      return {
        ...base,
        status: "pass",
        summary: `${api.principal} may link projects to ${account}${budgets ? " and manage its budgets" : ""}. ${billingQuota(id)}`,
        evidence,
      };
    return {
      ...base,
      status: "fail",
      summary:
        answer === "refused"
          ? `${account} does not exist, or ${api.principal} holds no role on it (Google answers both alike): up cannot link ${p.project} to it.`
          : `${api.principal} lacks ${missing.join(", ")} on ${account}: up cannot ${missing.includes("billing.resourceAssociations.create") ? `link ${p.project} to it` : "manage its budget"}.`,
      evidence,
      fix: `Check project.create.billingAccount; grant the caller roles/billing.user on the account${budgets ? " (linking) and roles/billing.costsManager (budgets)" : ""} (gcloud billing accounts add-iam-policy-binding ${id} --member=${member(api.principal)} --role=roles/billing.user), or run as someone who holds them. ${billingQuota(id)}`,
    };
  } catch (err) {
    return couldNot(base, `test the caller's permissions on ${account}`, err, true);
  }
}
