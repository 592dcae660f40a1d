import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { RoleGrant } from "../ci/grants.ts";
import type { CiIdentityConfig } from "../config/types.ts";
import { ServiceAccount } from "./service-account.ts";

/** GitHub Actions' OIDC issuer. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** Arguments of CiIdentity. */
export interface CiIdentityArgs {
  /** The project the pool and the accounts live in. */
  project: string;
  /** The checked ciIdentity setting. */
  config: CiIdentityConfig;
  /** The deployer's project roles (see ci/grants.ts). */
  deployerGrants: RoleGrant[];
  /** The previewer's project roles. */
  previewerGrants: RoleGrant[];
  /** The account the verify gate impersonates on a keyless stack; the deployer may mint its tokens. */
  verifyAccountName?: pulumi.Input<string>;
  /** The account the API key is bound to; binding a key acts as the account. */
  apiKeyAccountName?: pulumi.Input<string>;
  /** The resource that enables the IAM API (pools and accounts). */
  iamApi: pulumi.Resource;
  /** The resource that enables the Resource Manager API (project role bindings). */
  resourceManagerApi: pulumi.Resource;
}

/**
 * The token claims the pool keeps. `deployment` joins the subject (which names the GitHub environment
 * when the job has one) and the ref, so one attribute value names exactly one kind of deploy job.
 */
export const ATTRIBUTE_MAPPING = {
  "google.subject": "assertion.sub",
  "attribute.repository": "assertion.repository",
  "attribute.repository_id": "assertion.repository_id",
  "attribute.ref": "assertion.ref",
  "attribute.event_name": "assertion.event_name",
  "attribute.deployment": "assertion.sub + ':' + assertion.ref",
};

/** Only this repository's pull requests and deploy-branch runs get tokens at all. */
export function attributeCondition(c: CiIdentityConfig): string {
  const pins = [`assertion.repository == '${c.repository}'`];
  if (c.repositoryId !== undefined) pins.push(`assertion.repository_id == '${c.repositoryId}'`);
  pins.push(`(assertion.event_name == 'pull_request' || assertion.ref == 'refs/heads/${c.deployBranch}')`);
  return pins.join(" && ");
}

/** The `deployment` attribute of the one job shape that may deploy: GitHub's default `sub` claim, then the ref. */
export function deploymentValue(c: CiIdentityConfig): string {
  const ref = `refs/heads/${c.deployBranch}`;
  const subject = c.deployEnvironment !== undefined ? `repo:${c.repository}:environment:${c.deployEnvironment}` : `repo:${c.repository}:ref:${ref}`;
  return `${subject}:${ref}`;
}

/**
 * Keyless CI: a Workload Identity pool with a GitHub provider that trusts one repository, a deployer
 * account that only the deploy job can act as, and a previewer that the repository's pull requests
 * can act as. The outputs are what the workflow needs, and resolve once the trust is in place.
 */
export class CiIdentity extends pulumi.ComponentResource {
  /** `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`. */
  readonly workloadIdentityProvider: pulumi.Output<string>;
  /** The deployer's e-mail. */
  readonly deployer: pulumi.Output<string>;
  /** The previewer's e-mail. */
  readonly previewer: pulumi.Output<string>;

  constructor(name: string, args: CiIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:CiIdentity", name, {}, opts);
    const c = args.config;
    const pool = new gcp.iam.WorkloadIdentityPool(
      `${name}-pool`,
      { project: args.project, workloadIdentityPoolId: c.poolId, displayName: "GitHub Actions", description: `Trusts ${c.repository} only.` },
      { parent: this, dependsOn: [args.iamApi] },
    );
    const provider = new gcp.iam.WorkloadIdentityPoolProvider(
      `${name}-provider`,
      {
        project: args.project,
        workloadIdentityPoolId: pool.workloadIdentityPoolId,
        workloadIdentityPoolProviderId: c.providerId,
        displayName: "GitHub",
        attributeMapping: ATTRIBUTE_MAPPING,
        attributeCondition: attributeCondition(c),
        oidc: { issuerUri: GITHUB_ISSUER },
      },
      { parent: this },
    );
    const account = (role: "deployer" | "previewer", id: { accountId: string }, grants: RoleGrant[], what: string) =>
      new ServiceAccount(
        `${name}-${role}`,
        {
          project: args.project,
          accountId: id.accountId,
          displayName: `CI ${role}`,
          description: `${what} from ${c.repository}.`,
          roles: grants.map((g) => g.role),
          roleConditions: Object.fromEntries(grants.flatMap((g) => (g.condition ? [[g.role, g.condition]] : []))),
          impersonators: [],
          iamApi: args.iamApi,
          resourceManagerApi: args.resourceManagerApi,
        },
        { parent: this },
      );
    const deployer = account("deployer", c.deployer, args.deployerGrants, "Runs pulumi up and the verify gate");
    const previewer = account("previewer", c.previewer, args.previewerGrants, "Runs pulumi preview on pull requests");
    const deployerMember = pulumi.interpolate`serviceAccount:${deployer.email}`;
    const bindings = [
      this.trust(`${name}-deployer-trust`, deployer, pulumi.interpolate`principalSet://iam.googleapis.com/${pool.name}/attribute.deployment/${deploymentValue(c)}`),
      this.trust(`${name}-previewer-trust`, previewer, pulumi.interpolate`principalSet://iam.googleapis.com/${pool.name}/attribute.repository/${c.repository}`),
      ...this.backendAccess(name, c, deployerMember, pulumi.interpolate`serviceAccount:${previewer.email}`),
    ];
    if (args.verifyAccountName !== undefined) {
      bindings.push(new gcp.serviceaccount.IAMMember(`${name}-deployer-verifies`, { serviceAccountId: args.verifyAccountName, role: "roles/iam.serviceAccountTokenCreator", member: deployerMember }, { parent: this }));
    }
    if (args.apiKeyAccountName !== undefined) {
      bindings.push(new gcp.serviceaccount.IAMMember(`${name}-deployer-binds-key`, { serviceAccountId: args.apiKeyAccountName, role: "roles/iam.serviceAccountUser", member: deployerMember }, { parent: this }));
    }
    const ids = pulumi.all(bindings.map((b) => b.id));
    const ready = (value: pulumi.Output<string>) => pulumi.all([value, ids]).apply(([v]) => v);
    this.workloadIdentityProvider = ready(provider.name);
    this.deployer = ready(deployer.email);
    this.previewer = ready(previewer.email);
    this.registerOutputs({ workloadIdentityProvider: this.workloadIdentityProvider, deployer: this.deployer, previewer: this.previewer });
  }

  private trust(name: string, account: ServiceAccount, member: pulumi.Output<string>): gcp.serviceaccount.IAMMember {
    return new gcp.serviceaccount.IAMMember(name, { serviceAccountId: account.accountName, role: "roles/iam.workloadIdentityUser", member }, { parent: this });
  }

  /** The state bucket and the secrets key: the deployer writes, the previewer only reads and decrypts. */
  private backendAccess(name: string, c: CiIdentityConfig, deployerMember: pulumi.Output<string>, previewerMember: pulumi.Output<string>): pulumi.CustomResource[] {
    const out: pulumi.CustomResource[] = [];
    if (c.stateBucket !== undefined) {
      out.push(
        new gcp.storage.BucketIAMMember(`${name}-deployer-state`, { bucket: c.stateBucket, role: "roles/storage.objectUser", member: deployerMember }, { parent: this }),
        new gcp.storage.BucketIAMMember(`${name}-previewer-state`, { bucket: c.stateBucket, role: "roles/storage.objectViewer", member: previewerMember }, { parent: this }),
      );
    }
    if (c.kmsKey !== undefined) {
      out.push(
        new gcp.kms.CryptoKeyIAMMember(`${name}-deployer-secrets`, { cryptoKeyId: c.kmsKey, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member: deployerMember }, { parent: this }),
        new gcp.kms.CryptoKeyIAMMember(`${name}-previewer-secrets`, { cryptoKeyId: c.kmsKey, role: "roles/cloudkms.cryptoKeyDecrypter", member: previewerMember }, { parent: this }),
      );
    }
    return out;
  }
}
