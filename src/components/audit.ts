import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Turns on the Data Access audit log of reads (DATA_READ) for each service in one project, so who
 * read a secret or a state file, and when, is in the project's logs. Off by default for every
 * service but BigQuery (cloud.google.com/logging/docs/audit/configure-data-access). One
 * IAMAuditConfig per service is authoritative for that service's audit settings in the project
 * (registry: gcp.projects.IAMAuditConfig): an exemption set by hand for it is removed on the next up.
 * Being part of the project's IAM policy, it waits for `iamPolicyReady` (ProjectReadiness.iamPolicy).
 */
export function auditReads(
  parent: pulumi.Resource,
  name: string,
  project: pulumi.Input<string>,
  services: readonly string[],
  iamPolicyReady: readonly pulumi.Resource[] = [],
): void {
  for (const service of services) {
    new gcp.projects.IAMAuditConfig(
      `${name}-${service.split(".")[0]}`,
      { project, service, auditLogConfigs: [{ logType: "DATA_READ" }] },
      { parent, dependsOn: [...iamPolicyReady] },
    );
  }
}
