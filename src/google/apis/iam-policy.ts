/**
 * What the caller may do on a resource: the IAM policy mixin's testIamPermissions
 * (google/iam/v1/iam_policy.proto), which each resource API serves for its own resources, here
 * Cloud Resource Manager's projects, folders and organizations, Secret Manager's secrets and Cloud
 * Billing's billing accounts.
 */

import { Failure } from "../../cli/failure.ts";
import type { CallContext } from "../errors/context.ts";
import { postObject, strings, type Api } from "./call.ts";

/** testIamPermissions takes at most 100 permissions a call (openshift/cloud-credential-operator splits its checks so). */
const PER_CALL = 100;

export interface Tested {
  held: Set<string>;
  /** Permissions Google refused to test on this resource ("Permission X is not valid for this resource."). */
  untestable: string[];
}

/**
 * testIamPermissions (google/iam/v1/iam_policy.proto: the subset the caller holds, `permissions`
 * omitted when none; no permission needed to ask): in calls of at most 100, dropping and naming a
 * permission Google says cannot be tested on the resource.
 */
async function testIam(
  api: Api,
  what: string,
  service: CallContext["service"],
  url: string,
  permissions: readonly string[],
  denied: string,
): Promise<Tested> {
  const held = new Set<string>();
  const untestable: string[] = [];
  let queue = [...new Set(permissions)];
  while (queue.length > 0) {
    const batch = queue.slice(0, PER_CALL);
    try {
      const body = await postObject(
        api,
        {
          what,
          service,
          identity: api.identity,
          principal: api.principal,
          denied: `Google refused to test the caller's permissions. ${denied}`,
        },
        url,
        { permissions: batch },
      );
      for (const p of strings(body.permissions)) held.add(p);
      queue = queue.slice(PER_CALL);
    } catch (err) {
      const invalid =
        err instanceof Failure
          ? /Permission (\S+) is not valid for this resource/.exec(err.message)?.[1]
          : undefined;
      if (invalid === undefined || !batch.includes(invalid)) throw err;
      untestable.push(invalid);
      queue = queue.filter((p) => p !== invalid);
    }
  }
  return { held, untestable };
}

/** `POST cloudresourcemanager.googleapis.com/v1/projects/{resource}:testIamPermissions`. */
export function testProjectPermissions(
  api: Api,
  project: string,
  permissions: readonly string[],
): Promise<Tested> {
  const url = `${api.endpoints.cloudResourceManager}/v1/projects/${encodeURIComponent(project)}:testIamPermissions`;
  return testIam(
    api,
    `Test the caller's permissions on ${project}`,
    "cloudresourcemanager",
    url,
    permissions,
    "Google answers so when the project does not exist or the caller may see nothing in it; the project check says which.",
  );
}

/**
 * `POST secretmanager.googleapis.com/v1/projects/{p}/secrets/{s}:testIamPermissions`: what the
 * caller holds on the secret, grants whose condition names the secret included. A secret that does
 * not exist yet answers with none.
 */
export function testSecretPermissions(
  api: Api,
  project: string,
  secretId: string,
  permissions: readonly string[],
): Promise<Tested> {
  const url = `${api.endpoints.secretManager}/v1/projects/${encodeURIComponent(project)}/secrets/${encodeURIComponent(secretId)}:testIamPermissions`;
  return testIam(
    api,
    `Test the caller's permissions on secret ${secretId}`,
    "secretmanager",
    url,
    permissions,
    "Google answers so for a secret that does not exist yet: up creates it.",
  );
}

/**
 * `POST cloudresourcemanager.googleapis.com/v3/{folders/N|organizations/N}:testIamPermissions`
 * (cloud.google.com/resource-manager/reference/rest/v3/folders/testIamPermissions, and
 * organizations/testIamPermissions): what the caller may do under a folder or organization, such as
 * create projects there.
 */
export function testParentPermissions(
  api: Api,
  parent: string,
  permissions: readonly string[],
): Promise<Tested> {
  const url = `${api.endpoints.cloudResourceManager}/v3/${parent.split("/").map(encodeURIComponent).join("/")}:testIamPermissions`;
  return testIam(
    api,
    `Test the caller's permissions on ${parent}`,
    "cloudresourcemanager",
    url,
    permissions,
    `Google answers so when ${parent} does not exist or the caller may see nothing in it.`,
  );
}

/**
 * `POST cloudbilling.googleapis.com/v1/billingAccounts/{id}:testIamPermissions`
 * (cloud.google.com/billing/docs/reference/rest/v1/billingAccounts/testIamPermissions): what the
 * caller may do on a billing account, such as link projects to it.
 */
export function testBillingAccountPermissions(
  api: Api,
  account: string,
  permissions: readonly string[],
): Promise<Tested> {
  const url = `${api.endpoints.cloudBilling}/v1/billingAccounts/${encodeURIComponent(account)}:testIamPermissions`;
  return testIam(
    api,
    `Test the caller's permissions on billing account ${account}`,
    "cloudbilling",
    url,
    permissions,
    "Google answers so when the billing account does not exist or the caller holds no role on it.",
  );
}
