/**
 * An environment's foundation: the APIs it needs, its service accounts, their project roles and who
 * may impersonate them. These decide who can do what in the environment's project, so they are
 * applied either by the environment's own stack, run by someone who owns the project
 * (`foundation: stack`), or by the CI stack, run by an administrator (`foundation: ci`): never by CI.
 */

import type * as pulumi from "@pulumi/pulumi";
import type { KitConfig } from "../config/index.ts";
import { ProjectApis } from "./apis.ts";
import { ServiceAccount } from "./service-account.ts";

export interface Foundation {
  apis: ProjectApis;
  /** By the account's key in the stack's serviceAccounts map. */
  accounts: ReadonlyMap<string, ServiceAccount>;
  /**
   * What a resource in the project that waits for no API waits for instead (custom roles, audit
   * configs): the project, when the same stack creates it (VendedProject.ready); empty otherwise.
   */
  projectReady: readonly pulumi.Resource[];
}

/** Creates the foundation under `parent`; resource names start with `name`, as they always have. */
export function buildFoundation(
  parent: pulumi.Resource,
  name: string,
  c: KitConfig,
  projectReady: readonly pulumi.Resource[] = [],
): Foundation {
  // Accounts and their bindings wait for an API, each of which waits for the project.
  const apis = new ProjectApis(
    `${name}-apis`,
    { project: c.project, services: c.apis, projectReady },
    { parent },
  );
  const accounts = new Map<string, ServiceAccount>();
  for (const a of c.accounts) {
    accounts.set(
      a.key,
      new ServiceAccount(
        `${name}-${a.key}`,
        {
          project: c.project,
          accountId: a.accountId,
          displayName: a.displayName,
          description: a.description,
          roles: a.roles,
          impersonators: a.impersonators,
          iamApi: apis.api("iam.googleapis.com"),
          resourceManagerApi:
            a.roles.length > 0 ? apis.api("cloudresourcemanager.googleapis.com") : undefined,
        },
        { parent },
      ),
    );
  }
  return { apis, accounts, projectReady };
}
