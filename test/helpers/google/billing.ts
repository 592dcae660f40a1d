/**
 * The fake's Cloud Billing v1, for preflight: projects.getBillingInfo, behind the caller check and
 * the project visibility of resource-manager.ts.
 *
 * - billingInfo: google/cloud/billing/v1/cloud_billing.proto (name `projects/ID/billingInfo`,
 *   projectId, billingAccountName, billingEnabled; false and "" omitted as proto3 JSON omits
 *   defaults); the caller needs resourcemanager.projects.get.
 */

import { json } from "./respond.ts";
import { caller, visible } from "./resource-manager.ts";
import type { Handler } from "./routes.ts";

/** GET /v1/projects/{p}/billingInfo (Cloud Billing v1). */
export const getBillingInfo: Handler = (ctx, [id]) => {
  const principal = caller(ctx, "cloudbilling.googleapis.com");
  if (principal === undefined) return;
  const p = visible(ctx, principal, id!);
  if (p === undefined) return;
  json(ctx.res, 200, {
    name: `projects/${p.projectId}/billingInfo`,
    projectId: p.projectId,
    ...(p.billingAccount ? { billingAccountName: p.billingAccount } : {}),
    ...(p.billingEnabled ? { billingEnabled: true } : {}),
  });
};
