import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { AUDITED_READS, CI_PROJECT_APIS } from "../ci/grants.ts";
import type { CiConfig } from "../config/types.ts";
import { ProjectApis } from "./apis.ts";
import { auditReads } from "./audit.ts";

/** GitHub Actions' OIDC issuer. */
const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** The events a deploy (or the rotation job) runs on: never a pull request, never an event an outsider can trigger. */
const TRUSTED_EVENTS = ["push", "schedule", "workflow_dispatch"] as const;

/**
 * The token claims the pool keeps (GitHub's OIDC reference: sub, ref, job_workflow_ref, event_name,
 * repository_id, repository_owner_id). `job` joins the workflow file the job runs (at the ref it was taken from), the
 * ref the run is for, and the job's subject (which names its GitHub environment), so a binding to it
 * names one workflow file, run for one branch, in one environment. A pull request's run is for
 * refs/pull/N/merge, even when it calls the deploy workflow as it is on main and names environment
 * prod; a job of the rotation workflow in environment prod is not the prod deployer. Refs and
 * workflow paths hold no ':' (git refuses it in a ref name), so the join cannot be forged.
 */
const ATTRIBUTE_MAPPING = {
  "google.subject": "assertion.sub",
  "attribute.repository_id": "assertion.repository_id",
  // Every claim the attribute condition tests is mapped too: Google's reference lets a condition
  // read `assertion`, but google-github-actions/auth's troubleshooting guide says a condition may
  // use only mapped values, and a mapping costs nothing.
  "attribute.repository_owner_id": "assertion.repository_owner_id",
  "attribute.ref": "assertion.ref",
  "attribute.job_workflow_ref": "assertion.job_workflow_ref",
  "attribute.event_name": "assertion.event_name",
  "attribute.job": "assertion.job_workflow_ref + ':' + assertion.ref + ':' + assertion.sub",
};

/** `OWNER/NAME/PATH@refs/heads/BRANCH`: GitHub's `job_workflow_ref` of a job in a reusable workflow called on the deploy branch. */
export function workflowRef(c: CiConfig, path: string): string {
  return `${c.repository}/${path}@refs/heads/${c.deployBranch}`;
}

/** Whether some environment's stack declares keys, so the rotation workflow is trusted at all. */
function rotates(c: CiConfig): boolean {
  return c.environments.some((e) => e.rotator !== undefined);
}

/**
 * Which tokens the pool accepts at all: the repository and its owner by their numeric ids (a name
 * can be registered again; an id is never reused), and then either a run of the deploy workflow
 * file (or, when some stack declares keys, the rotation workflow file) on the deploy branch for a
 * trusted event, or, when some environment allows cloud previews, a pull request. Names and paths
 * come from the config check, which admits no quote or backslash.
 */
function attributeCondition(c: CiConfig): string {
  const events = TRUSTED_EVENTS.map((e) => `'${e}'`).join(", ");
  const files = [c.deployWorkflow, ...(rotates(c) ? [c.rotateWorkflow] : [])].map(
    (f) => `'${workflowRef(c, f)}'`,
  );
  const workflow =
    files.length === 1
      ? `assertion.job_workflow_ref == ${files[0]!}`
      : `assertion.job_workflow_ref in [${files.join(", ")}]`;
  const deploy = `(assertion.ref == 'refs/heads/${c.deployBranch}' && assertion.event_name in [${events}] && ${workflow})`;
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
    this.apis = new ProjectApis(
      `${name}-apis`,
      { project: c.project, services: [...CI_PROJECT_APIS] },
      { parent: this },
    );
    // A key ring can never be deleted in Cloud KMS; protect it so a destroy does not pretend to.
    const keyRing = new gcp.kms.KeyRing(
      `${name}-state-keys`,
      { project: c.project, name: c.keyRingId, location: c.location },
      { parent: this, dependsOn: [this.apis.api("cloudkms.googleapis.com")], protect: true },
    );
    const pool = new gcp.iam.WorkloadIdentityPool(
      `${name}-pool`,
      {
        project: c.project,
        workloadIdentityPoolId: c.poolId,
        displayName: "GitHub Actions",
        description: `Trusts ${c.repository} only.`,
      },
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
    // Who read or decrypted which environment's state: Data Access logs in the CI project.
    auditReads(this, `${name}-audit`, c.project, AUDITED_READS.ci);
    this.poolName = pool.name;
    this.providerName = provider.name;
    this.keyRing = keyRing.id;
    this.registerOutputs({ poolName: this.poolName, providerName: this.providerName });
  }
}
