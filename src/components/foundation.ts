/**
 * An environment's foundation: the APIs it needs, its service accounts, their project roles and who
 * may impersonate them, and for a Vertex target the Vertex AI service agent. These decide who can do what in the environment's project, so they are
 * applied either by the environment's own stack, run by someone who owns the project
 * (`foundation: stack`), or by the CI stack, run by an administrator (`foundation: ci`): never by CI.
 */

import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { KitConfig } from "../config/index.ts";
import { includesVertex, VERTEX_API } from "../config/vertex.ts";
import { ProjectApis } from "./apis.ts";
import { ServiceAccount } from "./service-account.ts";

/**
 * What the environment's resources wait for when the same stack creates its project
 * (VendedProject); nothing otherwise: an existing project is there already.
 */
export interface ProjectReadiness {
  /** The project: what a resource in it that waits for no API waits for (a custom role). */
  project: readonly pulumi.Resource[];
  /**
   * The default accounts' deprivileging, which rewrites the project's IAM policy whole: what each
   * binding in that policy (a role, an audit config) waits for, so neither overwrites the other.
   */
  iamPolicy: readonly pulumi.Resource[];
}

export const EXISTING_PROJECT: ProjectReadiness = { project: [], iamPolicy: [] };

export interface Foundation {
  apis: ProjectApis;
  /** By the account's key in the stack's serviceAccounts map. */
  accounts: ReadonlyMap<string, ServiceAccount>;
  /** What the other resources the stack makes in the project wait for (see ProjectReadiness). */
  ready: ProjectReadiness;
  /** The Vertex AI service agent, for stacks that target Vertex: what grants to it depend on. */
  vertexAgent?: gcp.projects.ServiceIdentity;
}

/**
 * The Vertex AI service agent, service-NUMBER@gcp-sa-aiplatform.iam.gserviceaccount.com (Fabric's
 * modules/project/service-agents.yaml). Google may make a service agent only when something first
 * needs it (cloud.google.com/iam/docs/service-agents), so a grant to it (Model Armor's, a KMS key's)
 * could fail on a fresh project; generating it here makes it exist once the API is on. The provider
 * never deletes it.
 */
function vertexAgent(
  parent: pulumi.Resource,
  name: string,
  c: KitConfig,
  apis: ProjectApis,
): gcp.projects.ServiceIdentity | undefined {
  if (!includesVertex(c.target)) return undefined;
  return new gcp.projects.ServiceIdentity(
    `${name}-vertex-agent`,
    { project: c.project, service: VERTEX_API },
    { parent, dependsOn: [apis.api(VERTEX_API)] },
  );
}

/** Creates the foundation under `parent`; resource names start with `name`, as they always have. */
export function buildFoundation(
  parent: pulumi.Resource,
  name: string,
  c: KitConfig,
  ready: ProjectReadiness = EXISTING_PROJECT,
): Foundation {
  // Accounts wait for an API, each of which waits for the project.
  const apis = new ProjectApis(
    `${name}-apis`,
    { project: c.project, services: c.apis, projectReady: ready.project },
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
          iamPolicyReady: ready.iamPolicy,
        },
        { parent },
      ),
    );
  }
  return { apis, accounts, ready, vertexAgent: vertexAgent(parent, name, c, apis) };
}
