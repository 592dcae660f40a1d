import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  AUDITED_READS,
  customRoleId,
  DEPLOYER_SECRET_PERMISSIONS,
  GATE_PERMISSIONS,
  oneSecretCondition,
  PREFLIGHT_READ_PERMISSIONS,
  previewerStateCondition,
  STATE_ROLES,
  STATE_SOFT_DELETE_SECONDS,
  type Condition,
} from "../ci/grants.ts";
import { jobSubjects } from "../config/ci-environment.ts";
import type { CiAccount, CiConfig, CiEnvironment } from "../config/types.ts";
import { probeAccount } from "../default-account.ts";
import { names, serviceAccountMember } from "../naming.ts";
import { auditReads } from "./audit.ts";
import { workflowRef, type CiPlatform } from "./ci-platform.ts";
import { buildFoundation, type Foundation, type ProjectReadiness } from "./foundation.ts";
import { grantRotator } from "./rotator.ts";
import { buildSecrets } from "./secrets.ts";
import { VendedProject } from "./vended-project.ts";

/** Arguments of GovernedEnvironment. */
export interface GovernedEnvironmentArgs {
  /** The CI stack's checked config. */
  ci: CiConfig;
  /** The environment, with its stack's checked config. */
  environment: CiEnvironment;
  /** What the environments share: the pool and the key ring. */
  platform: CiPlatform;
}

/** What the workflow and the environment stack need to know of one governed environment. */
export interface EnvironmentOutputs {
  githubEnvironment: string;
  deployer: pulumi.Output<string>;
  previewer?: pulumi.Output<string>;
  /** The account the rotation job acts as, for environments whose stack declares keys. */
  rotator?: pulumi.Output<string>;
  /** The GitHub environment the rotator's trust names, for environments whose stack declares keys. */
  rotationEnvironment?: string;
  /** The account the verify gate acts as, for environments with an account to mirror. */
  probe?: pulumi.Output<string>;
  /** The environment stack's state backend, `gs://BUCKET`. */
  backendUrl: string;
  /** The environment stack's secrets provider, `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K`. */
  secretsProvider: pulumi.Output<string>;
}

/**
 * One environment as the CI stack governs it: its project when the environment vends it (created
 * or adopted, before anything else), its foundation in that project (APIs, accounts,
 * roles, impersonators, the secrets and their readers, the verify gate's probe account, the audit
 * of secret reads), and in the CI project its state bucket and KMS key and the CI accounts that act
 * on it, with exactly the grants of ci/grants.ts. Nothing here is granted on the pool, the provider,
 * a CI account, a secret's or a project's IAM policy, so no CI identity can change its own trust or
 * who reads a secret.
 */
export class GovernedEnvironment extends pulumi.ComponentResource {
  readonly outputs: EnvironmentOutputs;

  constructor(name: string, args: GovernedEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:GovernedEnvironment", name, {}, opts);
    const { ci, environment: e, platform } = args;
    // The project first, when the environment's stack file vends it: creating one is the
    // administrator's right, never a deployer's.
    const vended =
      e.config.vending === undefined
        ? undefined
        : new VendedProject(`${name}-vending`, { config: e.config }, { parent: this });
    const foundation = buildFoundation(this, name, e.config, vended?.ready);
    const ready = foundation.ready;
    buildSecrets(this, name, e.config, {
      secretManagerApi: foundation.apis.api("secretmanager.googleapis.com"),
      oauthClient: "container",
      adopt: e.adoptSecrets ? { client: e.oauthClientSet } : undefined,
    });
    auditReads(this, `${name}-audit`, e.config.project, AUDITED_READS.environment, ready.iamPolicy);
    const labels = { ...ci.labels, environment: e.name };
    // State is the one thing a stack cannot lose: neither the bucket nor the key goes with a destroy.
    const bucket = new gcp.storage.Bucket(
      `${name}-state`,
      {
        project: ci.project,
        name: e.stateBucket,
        location: ci.location,
        labels,
        forceDestroy: false,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: true },
        softDeletePolicy: { retentionDurationSeconds: STATE_SOFT_DELETE_SECONDS },
      },
      { parent: this, dependsOn: [platform.apis.api("storage.googleapis.com")], protect: true },
    );
    const key = new gcp.kms.CryptoKey(
      `${name}-state-key`,
      {
        name: e.kmsKeyId,
        keyRing: platform.keyRing,
        purpose: "ENCRYPT_DECRYPT",
        rotationPeriod: "7776000s",
        labels,
      },
      { parent: this, protect: true },
    );
    const account = (role: string, a: CiAccount, what: string) =>
      new gcp.serviceaccount.Account(
        `${name}-${role}`,
        {
          project: ci.project,
          accountId: a.accountId,
          displayName: `CI ${role} (${e.name})`,
          description: `${what} of ${e.name}, from ${ci.repository}.`,
        },
        { parent: this, dependsOn: [platform.apis.api("iam.googleapis.com")] },
      );
    const deployer = account("deployer", e.deployer, "Runs pulumi up and the verify gate");
    const deployerMember = deployer.email.apply(serviceAccountMember);
    this.jobTrust(
      `${name}-deployer-trust`,
      deployer,
      platform,
      ci,
      ci.deployWorkflow,
      e.githubEnvironment,
    );
    this.stateAccess(`${name}-deployer`, bucket, key, deployerMember, STATE_ROLES.deployer);
    // A project this stack creates has no number to look up before it exists (getProject fails in
    // the first preview); the created resource's is the same number once it does.
    const number =
      vended?.number ??
      gcp.organizations
        .getProjectOutput({ projectId: e.config.project }, { parent: this })
        .apply((p) => p.number ?? "");
    this.workloadGrants(name, ci, e, deployerMember, number, ready);

    let previewer: gcp.serviceaccount.Account | undefined;
    if (e.previewer !== undefined) {
      previewer = account("previewer", e.previewer, "Runs pulumi preview for pull requests");
      this.trust(
        `${name}-previewer-trust`,
        previewer,
        pulumi.interpolate`principalSet://iam.googleapis.com/${platform.poolName}/attribute.event_name/pull_request`,
      );
      this.stateAccess(
        `${name}-previewer`,
        bucket,
        key,
        previewer.email.apply(serviceAccountMember),
        STATE_ROLES.previewer,
        previewerStateCondition(e.stateBucket),
      );
    }
    let rotator: gcp.serviceaccount.Account | undefined;
    if (e.rotator !== undefined) {
      rotator = account("rotator", e.rotator, "Rotates the keys (npm run rotate)");
      this.jobTrust(
        `${name}-rotator-trust`,
        rotator,
        platform,
        ci,
        ci.rotateWorkflow,
        e.rotationEnvironment,
      );
      grantRotator(this, `${name}-rotator`, {
        ci,
        environment: e,
        foundation,
        member: rotator.email.apply(serviceAccountMember),
        projectNumber: number,
      });
    }
    const probe = this.probe(name, ci, e, foundation, deployerMember);
    this.outputs = {
      githubEnvironment: e.githubEnvironment,
      deployer: deployer.email,
      previewer: previewer?.email,
      rotator: rotator?.email,
      rotationEnvironment: rotator && e.rotationEnvironment,
      probe,
      backendUrl: `gs://${e.stateBucket}`,
      secretsProvider: pulumi.interpolate`gcpkms://${key.id}`,
    };
    this.registerOutputs({
      deployer: this.outputs.deployer,
      secretsProvider: this.outputs.secretsProvider,
    });
  }

  private trust(
    name: string,
    account: gcp.serviceaccount.Account,
    member: pulumi.Output<string>,
  ): void {
    new gcp.serviceaccount.IAMMember(
      name,
      { serviceAccountId: account.name, role: "roles/iam.workloadIdentityUser", member },
      { parent: this },
    );
  }

  /**
   * Lets exactly the jobs of one workflow file, on the deploy branch, in one GitHub environment act
   * as the account: one binding for each form of subject GitHub may give the repository.
   */
  private jobTrust(
    name: string,
    account: gcp.serviceaccount.Account,
    platform: CiPlatform,
    ci: CiConfig,
    workflow: string,
    githubEnvironment: string,
  ): void {
    const [named, immutable] = jobSubjects(ci.repository, ci, githubEnvironment);
    const member = (subject: string) =>
      pulumi.interpolate`principalSet://iam.googleapis.com/${platform.poolName}/attribute.job/${workflowRef(ci, workflow)}:refs/heads/${ci.deployBranch}:${subject}`;
    this.trust(name, account, member(named!));
    this.trust(`${name}-ids`, account, member(immutable!));
  }

  /** The environment's own state: its bucket's objects and its key, nothing of another environment's. */
  private stateAccess(
    name: string,
    bucket: gcp.storage.Bucket,
    key: gcp.kms.CryptoKey,
    member: pulumi.Output<string>,
    roles: { bucket: string; key: string },
    condition?: Condition,
  ): void {
    new gcp.storage.BucketIAMMember(
      `${name}-state`,
      { bucket: bucket.name, role: roles.bucket, member, condition },
      { parent: this },
    );
    new gcp.kms.CryptoKeyIAMMember(
      `${name}-state-key`,
      { cryptoKeyId: key.id, role: roles.key, member },
      { parent: this },
    );
  }

  /**
   * The account the deployer's verify gate acts as after each up: made in the environment's project
   * with the project roles of the environment's default account (chooseAccount), so it sees the
   * Gemini API as the consumers do, and with no consumer: no key, no reader, no impersonator but the
   * deployer, which may only mint its access tokens (GATE_PERMISSIONS, a custom role). The
   * consumers' own accounts stay out of every CI identity's reach.
   */
  private probe(
    name: string,
    ci: CiConfig,
    e: CiEnvironment,
    foundation: Foundation,
    deployer: pulumi.Output<string>,
  ): pulumi.Output<string> | undefined {
    const c = e.config;
    const account = probeAccount(c);
    if (account === undefined) return undefined;
    const probe = new gcp.serviceaccount.Account(
      `${name}-probe`,
      {
        project: c.project,
        accountId: account.accountId,
        displayName: `Verify probe (${e.name})`,
        description: `What CI's verify gate acts as after each up of ${e.name}; no workload uses it.`,
      },
      { parent: this, dependsOn: [foundation.apis.api("iam.googleapis.com")] },
    );
    const member = probe.email.apply(serviceAccountMember);
    for (const role of account.roles) {
      new gcp.projects.IAMMember(
        `${name}-probe-role-${role.replace(/^roles\//, "").replace(/\//g, "-")}`,
        { project: c.project, role, member },
        {
          parent: this,
          dependsOn: [
            foundation.apis.api("cloudresourcemanager.googleapis.com"),
            ...foundation.ready.iamPolicy,
          ],
        },
      );
    }
    const gate = new gcp.projects.IAMCustomRole(
      `${name}-gate-role`,
      {
        project: c.project,
        roleId: customRoleId(ci.namePrefix, "gate", e.name),
        title: `CI deployer of ${e.name}: the verify gate's access tokens`,
        description: `Mints access tokens of ${e.name}'s probe account, nothing else.`,
        permissions: [...GATE_PERMISSIONS],
      },
      { parent: this, dependsOn: [...foundation.ready.project] },
    );
    new gcp.serviceaccount.IAMMember(
      `${name}-deployer-verifies`,
      { serviceAccountId: probe.name, role: gate.name, member: deployer },
      { parent: this },
    );
    return probe.email;
  }

  /**
   * In the environment's project: writing the OAuth client file into its secret, which this stack
   * created, through a custom role granted on that secret alone (no predefined role is that narrow:
   * secretVersionAdder cannot replace a version); and reading what preflight checks, through a
   * second (serviceusage.apiKeysViewer would read key strings too).
   */
  private workloadGrants(
    name: string,
    ci: CiConfig,
    e: CiEnvironment,
    member: pulumi.Output<string>,
    number: pulumi.Output<string>,
    ready: ProjectReadiness,
  ): void {
    const c = e.config;
    const project = c.project;
    const role = (what: string, title: string, permissions: readonly string[]) =>
      new gcp.projects.IAMCustomRole(
        `${name}-${what}-role`,
        {
          project,
          roleId: customRoleId(ci.namePrefix, what, e.name),
          title,
          description: `The CI deployer's ${what} rights in ${e.name}.`,
          permissions: [...permissions],
        },
        { parent: this, dependsOn: [...ready.project] },
      );
    const client = role(
      "client",
      `CI deployer of ${e.name}: write the OAuth client's version`,
      DEPLOYER_SECRET_PERMISSIONS,
    );
    const preflight = role(
      "preflight",
      `CI deployer of ${e.name}: read what preflight checks`,
      PREFLIGHT_READ_PERMISSIONS,
    );
    new gcp.projects.IAMMember(
      `${name}-deployer-preflight`,
      { project, role: preflight.name, member },
      { parent: this, dependsOn: [...ready.iamPolicy] },
    );
    // The secret's id follows from the stack's prefix whether or not it declares a client yet, so
    // the grant is the same before and after: an environment stack never changes a deployer's rights.
    const secretId = names(project, c.namePrefix, c.environment).oauthClientSecretId();
    new gcp.projects.IAMMember(
      `${name}-deployer-writes-client`,
      {
        project,
        role: client.name,
        member,
        condition: number.apply((n) => oneSecretCondition(n, secretId, "oauth-client")),
      },
      { parent: this, dependsOn: [...ready.iamPolicy] },
    );
  }
}
