/**
 * What the CI stack grants an environment's rotator, in the environment's project, and nothing
 * more (ci/grants.ts states each list and why): key admin on each account that issues keys, on
 * the account alone; version management on exactly the key secrets, without read access, through
 * a custom role bound once per secret, each binding's condition naming its secret; and, when the
 * stack has an API key (apiKey, vertex.apiKey or both), the project's API key rights and the binding
 * of keys to each account they are bound to; with service-account keys, reading the organization policies that could
 * refuse them (src/rotate/policies.ts reads them before it makes anything). The proof
 * of a new key runs as the keyed account with that key, so the rotator needs no Gemini right.
 */

import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import {
  API_KEY_BINDING_ROLE,
  customRoleId,
  KEY_ADMIN_ROLE,
  oneSecretCondition,
  ROTATOR_API_KEY_PERMISSIONS,
  ROTATOR_POLICY_PERMISSIONS,
  ROTATOR_SECRET_PERMISSIONS,
} from "../ci/grants.ts";
import { apiKeys } from "../config/api-key.ts";
import type { CiConfig, CiEnvironment } from "../config/types.ts";
import type { Foundation } from "./foundation.ts";

export interface RotatorGrantsArgs {
  ci: CiConfig;
  environment: CiEnvironment;
  /** The environment's accounts, which the CI stack creates. */
  foundation: Foundation;
  /** `serviceAccount:EMAIL` of the rotator. */
  member: pulumi.Output<string>;
  /** The environment's project number, which conditions on secrets name. */
  projectNumber: pulumi.Output<string>;
}

export function grantRotator(parent: pulumi.Resource, name: string, args: RotatorGrantsArgs): void {
  const { ci, environment: e, foundation, member } = args;
  const project = e.config.project;
  const keyed = e.config.accounts.filter((a) => a.createKey);
  const role = (what: string, title: string, permissions: readonly string[]) =>
    new gcp.projects.IAMCustomRole(
      `${name}-${what}-role`,
      {
        project,
        roleId: customRoleId(ci.namePrefix, `rotate_${what}`, e.name),
        title,
        description: `The CI rotator's ${what} rights in ${e.name}.`,
        permissions: [...permissions],
      },
      { parent, dependsOn: [...foundation.ready.project] },
    );
  for (const a of keyed) {
    new gcp.serviceaccount.IAMMember(
      `${name}-keys-${a.key}`,
      {
        serviceAccountId: foundation.accounts.get(a.key)!.accountName,
        role: KEY_ADMIN_ROLE,
        member,
      },
      { parent },
    );
  }
  if (keyed.length > 0) {
    const policies = role(
      "policies",
      `CI rotator of ${e.name}: the key policies it reads first`,
      ROTATOR_POLICY_PERMISSIONS,
    );
    new gcp.projects.IAMMember(
      `${name}-reads-policies`,
      { project, role: policies.name, member },
      { parent, dependsOn: [...foundation.ready.iamPolicy] },
    );
  }
  const secrets = role(
    "secrets",
    `CI rotator of ${e.name}: the key secrets' versions`,
    ROTATOR_SECRET_PERMISSIONS,
  );
  // One binding per key secret, named after it: adding or removing a keyed account changes only its own.
  const secretIds = [
    ...keyed.map((a) => a.keySecretId),
    ...apiKeys(e.config).map((k) => k.secretId),
  ];
  for (const id of secretIds) {
    new gcp.projects.IAMMember(
      `${name}-manages-${id}`,
      {
        project,
        role: secrets.name,
        member,
        condition: args.projectNumber.apply((n) => oneSecretCondition(n, id)),
      },
      { parent, dependsOn: [...foundation.ready.iamPolicy] },
    );
  }
  const bound = [...new Set(apiKeys(e.config).map((k) => k.accountKey))];
  if (bound.length === 0) return;
  const keys = role(
    "apikeys",
    `CI rotator of ${e.name}: the project's API keys`,
    ROTATOR_API_KEY_PERMISSIONS,
  );
  new gcp.projects.IAMMember(
    `${name}-api-keys`,
    { project, role: keys.name, member },
    { parent, dependsOn: [...foundation.ready.iamPolicy] },
  );
  // Once per account, however many of the stack's keys are bound to it.
  for (const accountKey of bound) {
    new gcp.serviceaccount.IAMMember(
      `${name}-binds-${accountKey}`,
      {
        serviceAccountId: foundation.accounts.get(accountKey)!.accountName,
        role: API_KEY_BINDING_ROLE,
        member,
      },
      { parent },
    );
  }
}
