/**
 * Cloud Billing v1 (discovery document cloudbilling v1; google/cloud/billing/v1/cloud_billing.proto):
 * a project's billing state, projects.getBillingInfo.
 */

import { context, getObject, onProject, text, type Api } from "./call.ts";

export interface BillingInfo {
  enabled: boolean;
  account?: string;
}

/**
 * `GET cloudbilling.googleapis.com/v1/projects/{projectId}/billingInfo` (ProjectBillingInfo: name,
 * projectId, billingAccountName, billingEnabled; proto3 JSON omits false and "", so an absent field
 * is false). Needs resourcemanager.projects.get on the project
 * (cloud.google.com/billing/docs/reference/rest/v1/projects/getBillingInfo).
 */
export async function getBillingInfo(api: Api, project: string): Promise<BillingInfo> {
  const url = `${api.endpoints.cloudBilling}/v1/projects/${encodeURIComponent(project)}/billingInfo`;
  const body = await getObject(
    api,
    context(
      api,
      `Read the billing of ${project}`,
      "cloudbilling",
      onProject("resourcemanager.projects.get", "roles/browser"),
    ),
    url,
  );
  return {
    enabled: body.billingEnabled === true,
    ...(text(body.billingAccountName) ? { account: text(body.billingAccountName) } : {}),
  };
}
