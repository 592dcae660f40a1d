import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { CI_PROJECT_APIS } from "../ci/grants.ts";
import type { CiConfig } from "../config/types.ts";
import { ProjectApis } from "./apis.ts";

/** GitHub Actions' OIDC issuer. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** The events a deploy (or the rotation job) runs on: never a pull request, never an event an outsider can trigger. */
export const TRUSTED_EVENTS = ["push", "schedule", "workflow_dispatch"] as const;

/**
 * The token claims the pool keeps (GitHub's OIDC reference: sub, ref, event_name,
 * repository_id). `deploy` joins the subject (which names the GitHub environment of a job that has
 * one) and the ref, so a pull request that declares an environment, whose ref is refs/pull/N/merge,
 * can never take a deployer's value.
 */
export const ATTRIBUTE_MAPPING = {
  "google.subject": "assertion.sub",
  "attribute.repository_id": "assertion.repository_id",
  "attribute.event_name": "assertion.event_name",
  "attribute.deploy": "assertion.sub + ':' + assertion.ref",
};

/** `OWNER/NAME/PATH@refs/heads/BRANCH`: GitHub's `job_workflow_ref` of a job in the deploy workflow, which names the called (reusable) workflow. */
export function deployWorkflowRef(c: CiConfig): string {
  return `${c.repository}/${c.deployWorkflow}@refs/heads/${c.deployBranch}`;
}

/**
 * Which tokens the pool accepts at all: the repository and its owner by their numeric ids (a name
 * can be registered again; an id is never reused), and then either a run of the deploy workflow
 * file on the deploy branch for a trusted event, or, when some environment allows cloud previews, a
 * pull request. Names and paths come from the config check, which admits no quote or backslash.
 */
export function attributeCondition(c: CiConfig): string {
  const events = TRUSTED_EVENTS.map((e) => `'${e}'`).join(", ");
  const deploy = `(assertion.ref == 'refs/heads/${c.deployBranch}' && assertion.event_name in [${events}] && assertion.job_workflow_ref == '${deployWorkflowRef(c)}')`;
  const previews = c.environments.some((e) => e.previewer !== undefined);
  const runs = previews ? `(${deploy} || assertion.event_name == 'pull_request')` : deploy;
  return `assertion.repository_id == '${c.repositoryId}' && assertion.repository_owner_id == '${c.repositoryOwnerId}' && ${runs}`;
}

/** Arguments of CiPlatform. */
export interface CiPlatformArgs {
  /** The checked CI config. */
  config: CiConfig;
}

/**
 * What every governed environment shares, in the CI project: the APIs the CI accounts call, the KMS
 * key ring of the environments' state keys, and the Workload Identity pool with its GitHub provider.
 */
export class CiPlatform extends pulumi.ComponentResource {
  /** `projects/NUMBER/locations/global/workloadIdentityPools/POOL`, what principal sets name. */
  readonly poolName: pulumi.Output<string>;
  /** `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`, what the workflow's auth step names. */
  readonly providerName: pulumi.Output<string>;
  /** The key ring's id, `projects/P/locations/L/keyRings/R`. */
  readonly keyRing: pulumi.Output<string>;
  readonly apis: ProjectApis;

  constructor(name: string, args: CiPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:CiPlatform", name, {}, opts);
    const c = args.config;
    this.apis = new ProjectApis(`${name}-apis`, { project: c.project, services: [...CI_PROJECT_APIS] }, { parent: this });
    // A key ring can never be deleted in Cloud KMS; protect it so a destroy does not pretend to.
    const keyRing = new gcp.kms.KeyRing(
      `${name}-state-keys`,
      { project: c.project, name: c.keyRingId, location: c.location },
      { parent: this, dependsOn: [this.apis.api("cloudkms.googleapis.com")], protect: true },
    );
    const pool = new gcp.iam.WorkloadIdentityPool(
      `${name}-pool`,
      { project: c.project, workloadIdentityPoolId: c.poolId, displayName: "GitHub Actions", description: `Trusts ${c.repository} only.` },
      { parent: this, dependsOn: [this.apis.api("iam.googleapis.com")] },
    );
    const provider = new gcp.iam.WorkloadIdentityPoolProvider(
      `${name}-provider`,
      {
        project: c.project,
        workloadIdentityPoolId: pool.workloadIdentityPoolId,
        workloadIdentityPoolProviderId: c.providerId,
        displayName: "GitHub",
        attributeMapping: ATTRIBUTE_MAPPING,
        attributeCondition: attributeCondition(c),
        oidc: { issuerUri: GITHUB_ISSUER },
      },
      { parent: this },
    );
    this.poolName = pool.name;
    this.providerName = provider.name;
    this.keyRing = keyRing.id;
    this.registerOutputs({ poolName: this.poolName, providerName: this.providerName });
  }
}
