/**
 * The environment's project, when the kit vends it (the `project` setting): created under a folder
 * or organization and linked to a billing account, or adopted as it is. Creating a project needs
 * rights no environment's deployer may hold (resourcemanager.projects.create on the parent,
 * billing.resourceAssociations.create on the account), so it is the administrator's plane: the CI
 * stack for `foundation: ci`, the stack itself for `foundation: stack`.
 */

import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { CreateProject, KitConfig } from "../config/types.ts";
import { memberSlug } from "../naming.ts";
import { EXISTING_PROJECT, type ProjectReadiness } from "./foundation.ts";

/** Arguments of VendedProject. */
export interface VendedProjectArgs {
  /** The environment's checked config; its `vending` says create or adopt. */
  config: KitConfig;
}

/** What a lien is named by and blocks (Resource Manager liens; the registry's gcp.resourcemanager.Lien). */
const LIEN = { origin: "gemini-access-kit", restriction: "resourcemanager.projects.delete" };

/**
 * What an adopted project's import must leave as it found it. With the `import` option, inputs that
 * differ from the project are imported and then applied as an update (pulumi/docs#18114, the import
 * option's page since 2026-03), and ignoreChanges copies the project's own value into the program's
 * first (Pulumi's developer docs, "The import resource option"). Left out, each would change the
 * project: billingAccount is optional and not computed in terraform-provider-google's google_project,
 * so an absent one is an update that unlinks billing (updateProjectBillingAccount sends an empty
 * billing account); pulumi-gcp names a project after its resource when `name` is absent
 * (resources.go: AutoNameWithCustomOptions("name")); an absent folderId or orgId reads as a move.
 */
const ADOPTED_AS_FOUND = [
  "billingAccount",
  "name",
  "folderId",
  "orgId",
  "labels",
  "autoCreateNetwork",
  "tags",
];

/**
 * The project, created or adopted. Every other resource of the environment names the project by id
 * (gcp:project); when this stack creates it, they wait for `ready` first.
 */
export class VendedProject extends pulumi.ComponentResource {
  /** What the environment's resources wait for: the project, and for the project's IAM policy its deprivileged default accounts, when created here; nothing when adopted, which exists already. */
  readonly ready: ProjectReadiness;
  /** The number Google gives a project it creates (budgets and IAM conditions name it); undefined for an adopted one, which is looked up like any existing project. */
  readonly number?: pulumi.Output<string>;

  constructor(name: string, args: VendedProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:VendedProject", name, {}, opts);
    const c = args.config;
    if (c.vending?.mode === "create") {
      const made = this.create(name, c, c.vending);
      this.ready = made.ready;
      this.number = made.number;
    } else {
      // Imported as it is: never deleted (ABANDON at the provider, retainOnDelete at Pulumi), and
      // nothing of it changed but the state's deletion policy.
      new gcp.organizations.Project(
        `${name}-project`,
        { projectId: c.project, deletionPolicy: "ABANDON" },
        {
          parent: this,
          import: c.project,
          retainOnDelete: true,
          ignoreChanges: ADOPTED_AS_FOUND,
        },
      );
      this.ready = EXISTING_PROJECT;
    }
    this.registerOutputs({});
  }

  private create(
    name: string,
    c: KitConfig,
    v: CreateProject,
  ): { ready: ProjectReadiness; number: pulumi.Output<string> } {
    const [kind, id] = v.parent.split("/") as [string, string];
    // PREVENT refuses a destroy at the provider: the TPG v6 default (GoogleCloudPlatform/magic-modules#11255),
    // which pulumi-gcp 8+ targets, stated so a provider default never decides it. autoCreateNetwork
    // false: the provider enables Compute Engine and deletes the default network and its firewall
    // rules (resource_google_project.go); constraints/compute.skipDefaultNetworkCreation does it
    // without the network ever existing, where an organization can set it.
    const project = new gcp.organizations.Project(
      `${name}-project`,
      {
        projectId: c.project,
        name: v.displayName,
        ...(kind === "folders" ? { folderId: id } : { orgId: id }),
        billingAccount: v.billingAccount,
        labels: { ...v.labels, ...c.labels },
        autoCreateNetwork: false,
        deletionPolicy: "PREVENT",
      },
      { parent: this },
    );
    if (c.production) {
      new gcp.resourcemanager.Lien(
        `${name}-lien`,
        {
          parent: pulumi.interpolate`projects/${project.number}`,
          restrictions: [LIEN.restriction],
          origin: LIEN.origin,
          reason: `Production project of gemini-access-kit stack ${c.stack}: delete this lien first to delete the project.`,
        },
        { parent: this },
      );
    }
    // DEPRIVILEGE removes the default accounts' roles and leaves the accounts: a deleted default
    // account cannot be recovered after 30 days, and some products stop working without it (the
    // registry's gcp.projects.DefaultServiceAccounts; terraform-google-project-factory#313, #181,
    // #612). It rewrites the project's IAM policy whole, with no retry on a concurrent change
    // (resource_google_project_default_service_accounts.go), so the environment's bindings in that
    // policy wait for it.
    const defaults = new gcp.projects.DefaultServiceAccounts(
      `${name}-default-accounts`,
      { project: project.projectId, action: "DEPRIVILEGE" },
      { parent: this },
    );
    for (const contact of v.contacts) {
      new gcp.essentialcontacts.Contact(
        `${name}-contact-${memberSlug(contact.email)}`,
        {
          parent: pulumi.interpolate`projects/${project.projectId}`,
          email: contact.email,
          languageTag: "en",
          notificationCategorySubscriptions: contact.categories,
        },
        { parent: this },
      );
    }
    if (v.budget !== undefined) this.budget(name, c, v, project);
    return { ready: { project: [project], iamPolicy: [defaults] }, number: project.number };
  }

  /**
   * A budget on this project's spend alone. Credits are left out of the spend it compares
   * (EXCLUDE_ALL_CREDITS), so free credits never hide a runaway cost until they run out
   * (rhesis-ai/rhesis#2690).
   */
  private budget(
    name: string,
    c: KitConfig,
    v: CreateProject,
    project: gcp.organizations.Project,
  ): void {
    const b = v.budget!;
    const units = Math.trunc(b.amount);
    new gcp.billing.Budget(
      `${name}-budget`,
      {
        billingAccount: v.billingAccount,
        displayName: `gemini-access-kit ${c.project}`,
        budgetFilter: {
          projects: [pulumi.interpolate`projects/${project.number}`],
          creditTypesTreatment: "EXCLUDE_ALL_CREDITS",
        },
        amount: {
          specifiedAmount: {
            units: String(units),
            nanos: Math.round((b.amount - units) * 1e9),
            ...(b.currency === undefined ? {} : { currencyCode: b.currency }),
          },
        },
        thresholdRules: b.thresholds.map((thresholdPercent) => ({ thresholdPercent })),
        ...(b.notificationChannels.length > 0
          ? { allUpdatesRule: { monitoringNotificationChannels: b.notificationChannels } }
          : {}),
      },
      { parent: this },
    );
  }
}
