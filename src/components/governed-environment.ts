import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  customRoleId,
  DEPLOYER_CREATE_PERMISSIONS,
  DEPLOYER_SECRET_PERMISSIONS,
  GATE_ROLE,
  PREFLIGHT_READ_PERMISSIONS,
  secretsCondition,
  STATE_ROLES,
} from "../ci/grants.ts";
import { jobSubjects } from "../config/ci-environment.ts";
import type { CiAccount, CiConfig, CiEnvironment } from "../config/types.ts";
import { chooseAccount } from "../default-account.ts";
import { serviceAccountMember } from "../naming.ts";
import { workflowRef, type CiPlatform } from "./ci-platform.ts";
import { buildFoundation } from "./foundation.ts";
import { grantRotator } from "./rotator.ts";

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
  /** The environment stack's state backend, `gs://BUCKET`. */
  backendUrl: string;
  /** The environment stack's secrets provider, `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K`. */
  secretsProvider: pulumi.Output<string>;
}

/**
 * One environment as the CI stack governs it: its foundation in its own project (APIs, accounts,
 * roles, impersonators), and in the CI project its state bucket and KMS key and the CI accounts that
 * act on it, with exactly the grants of ci/grants.ts. Nothing here is granted on the pool, the
 * provider, a CI account or a project's IAM policy, so no CI identity can change its own trust.
 */
export class GovernedEnvironment extends pulumi.ComponentResource {
  readonly outputs: EnvironmentOutputs;

  constructor(name: string, args: GovernedEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:GovernedEnvironment", name, {}, opts);
    const { ci, environment: e, platform } = args;
    const foundation = buildFoundation(this, name, e.config);
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
    const number = gcp.organizations
      .getProjectOutput({ projectId: e.config.project }, { parent: this })
      .apply((p) => p.number ?? "");
    this.workloadGrants(name, ci, e, deployerMember, number);

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
    // The verify gate after each up impersonates the environment's default account, and only it.
    const gate = chooseAccount(e.config.accounts.map((a) => ({ key: a.key, keyed: a.createKey })));
    if (gate.ok) {
      new gcp.serviceaccount.IAMMember(
        `${name}-deployer-verifies`,
        {
          serviceAccountId: foundation.accounts.get(gate.key)!.accountName,
          role: GATE_ROLE,
          member: deployerMember,
        },
        { parent: this },
      );
    }
    this.outputs = {
      githubEnvironment: e.githubEnvironment,
      deployer: deployer.email,
      previewer: previewer?.email,
      rotator: rotator?.email,
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
  ): void {
    new gcp.storage.BucketIAMMember(
      `${name}-state`,
      { bucket: bucket.name, role: roles.bucket, member },
      { parent: this },
    );
    new gcp.kms.CryptoKeyIAMMember(
      `${name}-state-key`,
      { cryptoKeyId: key.id, role: roles.key, member },
      { parent: this },
    );
  }

  /**
   * In the environment's project: creating secrets, and managing those named with the environment
   * stack's prefix, through two custom roles (no predefined role is that narrow: secretmanager.admin
   * reads every secret, secretVersionManager cannot set readers); and reading what preflight checks,
   * through a third (serviceusage.apiKeysViewer would read key strings too).
   */
  private workloadGrants(
    name: string,
    ci: CiConfig,
    e: CiEnvironment,
    member: pulumi.Output<string>,
    number: pulumi.Output<string>,
  ): void {
    const project = e.config.project;
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
        { parent: this },
      );
    const create = role(
      "create",
      `CI deployer of ${e.name}: create secrets`,
      DEPLOYER_CREATE_PERMISSIONS,
    );
    const secrets = role(
      "secrets",
      `CI deployer of ${e.name}: manage the stack's secrets`,
      DEPLOYER_SECRET_PERMISSIONS,
    );
    const preflight = role(
      "preflight",
      `CI deployer of ${e.name}: read what preflight checks`,
      PREFLIGHT_READ_PERMISSIONS,
    );
    new gcp.projects.IAMMember(
      `${name}-deployer-creates`,
      { project, role: create.name, member },
      { parent: this },
    );
    new gcp.projects.IAMMember(
      `${name}-deployer-preflight`,
      { project, role: preflight.name, member },
      { parent: this },
    );
    new gcp.projects.IAMMember(
      `${name}-deployer-manages`,
      {
        project,
        role: secrets.name,
        member,
        condition: number.apply((n) => secretsCondition(n, e.config.namePrefix)),
      },
      { parent: this },
    );
  }
}
