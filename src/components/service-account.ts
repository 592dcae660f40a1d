import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { memberSlug } from "../naming.ts";

/** An IAM condition on one role binding. */
interface RoleCondition {
  title: string;
  description: string;
  expression: string;
}

/** Arguments of ServiceAccount. */
export interface ServiceAccountArgs {
  /** The project the account lives in and gets its roles on. */
  project: string;
  /** The id before the @; checked against IAM's limits by the config check. */
  accountId: string;
  /** Shown in the console. */
  displayName: string;
  /** Shown in the console. */
  description: string;
  /** Project roles to grant; the config check has already refused basic roles. */
  roles: string[];
  /** IAM conditions that limit some of those roles, by role. */
  roleConditions?: Readonly<Record<string, RoleCondition>>;
  /** IAM members that may impersonate the account (serviceAccountTokenCreator on it, not on the project). */
  impersonators: string[];
  /** The resource that enables the IAM API. */
  iamApi: pulumi.Resource;
  /** The resource that enables the Resource Manager API, which project IAM bindings are written through. */
  resourceManagerApi?: pulumi.Resource;
  /** What the project's IAM policy must be left by first (ProjectReadiness.iamPolicy). */
  iamPolicyReady?: readonly pulumi.Resource[];
}

/** A service account and its project roles, each role its own binding so no other member is touched. */
export class ServiceAccount extends pulumi.ComponentResource {
  /** The account's e-mail. */
  readonly email: pulumi.Output<string>;
  /** `projects/<project>/serviceAccounts/<email>`, what keys are created under. */
  readonly accountName: pulumi.Output<string>;

  constructor(name: string, args: ServiceAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:ServiceAccount", name, {}, opts);
    const account = new gcp.serviceaccount.Account(
      `${name}-account`,
      {
        project: args.project,
        accountId: args.accountId,
        displayName: args.displayName,
        description: args.description,
      },
      { parent: this, dependsOn: [args.iamApi] },
    );
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    for (const role of args.roles) {
      new gcp.projects.IAMMember(
        `${name}-role-${role.replace(/^roles\//, "").replace(/\//g, "-")}`,
        { project: args.project, role, member, condition: args.roleConditions?.[role] },
        {
          parent: this,
          dependsOn: [
            ...(args.resourceManagerApi ? [args.resourceManagerApi] : []),
            ...(args.iamPolicyReady ?? []),
          ],
        },
      );
    }
    for (const impersonator of args.impersonators) {
      new gcp.serviceaccount.IAMMember(
        `${name}-impersonator-${memberSlug(impersonator)}`,
        {
          serviceAccountId: account.name,
          role: "roles/iam.serviceAccountTokenCreator",
          member: impersonator,
        },
        { parent: this },
      );
    }
    this.email = account.email;
    this.accountName = account.name;
    this.registerOutputs({ email: this.email });
  }
}
