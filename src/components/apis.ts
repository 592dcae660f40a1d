import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of ProjectApis. */
export interface ProjectApisArgs {
  /** The project the APIs are enabled in. */
  project: string;
  /** Service names such as generativelanguage.googleapis.com; one resource each. */
  services: string[];
  /** What must exist before any API is enabled: the project, when the same stack creates it. */
  projectReady?: readonly pulumi.Resource[];
}

/**
 * Enables the APIs a stack needs, one resource per API. They are never disabled on destroy: another
 * workload in the project may use them, and switching an API off breaks it at once.
 */
export class ProjectApis extends pulumi.ComponentResource {
  /** The enabled service names; resolves only once every API is enabled. */
  readonly enabled: pulumi.Output<string[]>;
  private readonly services: ReadonlyMap<string, gcp.projects.Service>;

  constructor(name: string, args: ProjectApisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:ProjectApis", name, {}, opts);
    const services = new Map<string, gcp.projects.Service>();
    for (const service of args.services) {
      services.set(
        service,
        new gcp.projects.Service(
          `${name}-${service.replace(/\.googleapis\.com$/, "")}`,
          {
            project: args.project,
            service,
            disableOnDestroy: false,
            disableDependentServices: false,
          },
          { parent: this, dependsOn: [...(args.projectReady ?? [])] },
        ),
      );
    }
    this.services = services;
    this.enabled = pulumi.all([...services.values()].map((s) => s.service));
    this.registerOutputs({ enabled: this.enabled });
  }

  /**
   * The resource that enables one API, for `dependsOn` of what calls it. Depending on the one API a
   * resource needs, rather than on all of them, lets accounts and secrets start as soon as their
   * own API is on.
   */
  api(service: string): gcp.projects.Service {
    const resource = this.services.get(service);
    if (resource === undefined)
      throw new Error(`ProjectApis: ${service} is not among the enabled APIs`);
    return resource;
  }
}
