/** The preflight checks of the project itself and its billing. */

import { Failure } from "../../cli/failure.ts";
import type { Api } from "../../google/apis/call.ts";
import { getBillingInfo } from "../../google/apis/billing.ts";
import { getProject } from "../../google/apis/resource-manager.ts";
import type { PreflightTarget, ProjectTarget } from "../targets.ts";
import { couldNot, HOSTS, type CheckResult } from "./result.ts";

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
      summary: `${p.project} (${p.role}) exists and is ACTIVE${p.vending?.mode === "adopt" && !p.vending.byCi ? ": up adopts it, importing it as it is, and never deletes it" : ""}.`,
      evidence,
    };
  } catch (err) {
    if (err instanceof Failure && err.reason === "PERMISSION_DENIED") {
      return {
        ...base,
        status: "fail",
        summary: `${p.project} (${p.role}) does not exist, or ${api.principal} may not see it${p.vending?.mode === "adopt" && !p.vending.byCi ? ": adopting needs an existing, ACTIVE project" : ""}.`,
        evidence: [err.message],
        fix: missingFix(t, p),
      };
    }
    return couldNot(base, `read ${p.project}`, err, true);
  }
}

/** What to do about a project preflight cannot find, by who was to make it. */
function missingFix(t: PreflightTarget, p: ProjectTarget): string {
  const seen = `the caller needs resourcemanager.projects.get on it (roles/browser, or any role on the project). Google answers the same 403 for a project that does not exist.`;
  if (p.vending?.mode === "create" && p.vending.byCi)
    return `The CI stack creates ${p.project} (project.create in ${t.stackFile}): have an administrator deploy it first (npm run deploy -- --stack ci). If it has, ${seen}`;
  if (p.vending?.mode === "adopt")
    return `Check gcp:project in ${t.stackFile}; if it is right, ${seen} To have the kit create the project instead, set project: {create: {...}}.`;
  return `Check gcp:project in ${t.stackFile}; if it is right, ${seen}`;
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
        summary: `Billing is not enabled on ${p.project}, and the stack keeps ${p.billable.join(", ")} there, which need it.`,
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
    return couldNot(base, `read the billing of ${p.project}`, err, true);
  }
}
