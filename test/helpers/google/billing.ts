/**
 * The fake's Cloud Billing v1, for preflight: projects.getBillingInfo, behind the caller check and
 * the project visibility of resource-manager.ts.
 *
 * - billingInfo: google/cloud/billing/v1/cloud_billing.proto (name `projects/ID/billingInfo`,
 *   projectId, billingAccountName, billingEnabled; false and "" omitted as proto3 JSON omits
 *   defaults); the caller needs resourcemanager.projects.get.
 * - billingAccounts.testIamPermissions (cloud.google.com/billing/docs/reference/rest/v1/billingAccounts/testIamPermissions):
 *   the IAM policy mixin of iam-policy.ts, testing only billing permissions. Which error Google
 *   gives for an account that does not exist is not documented; the fake answers 403 "The caller
 *   does not have permission", as Resource Manager does, and preflight reads 403 and NOT_FOUND alike.
 */

import { holdsOn, testPermissions } from "./iam-policy.ts";
import { googleError, json } from "./respond.ts";
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

/** POST /v1/billingAccounts/{id}:testIamPermissions (Cloud Billing v1). */
export const testBillingAccountPermissions: Handler = (ctx, [id]) => {
  const principal = caller(ctx, "cloudbilling.googleapis.com");
  if (principal === undefined) return;
  if (!ctx.state.billingAccounts.has(id!))
    return json(
      ctx.res,
      403,
      googleError(403, "PERMISSION_DENIED", "The caller does not have permission"),
    );
  const account = `billingAccounts/${id!}`;
  testPermissions(ctx, (p) => holdsOn(ctx.state, principal, account, p), /^(?!billing\.)/);
};
