/**
 * The CI identities as Google would see them, from what the committed CI stack registers under
 * Pulumi's mocks:
 * - who may become which CI account: GitHub OIDC tokens (the claims of GitHub's OIDC reference,
 *   "Understanding the OIDC token") run through the provider's recorded attribute condition and
 *   mapping with a CEL evaluator, then matched against the recorded workloadIdentityUser grants;
 * - what each CI account may then do: every binding naming it, expanded to permissions through the
 *   recorded custom roles and the vendored predefined roles (src/ci/predefined-roles.json, whose
 *   source and date it records).
 * Every property of docs/ci.md's "What CI can do" is one test here.
 */

import { run } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readStackFile } from "../../src/config/stack-file.ts";
import type { CiConfig } from "../../src/config/types.ts";
import { VERTEX_USER_ROLE } from "../../src/config/vertex.ts";
import { buildCiStack, buildStack } from "../../src/program.ts";
import { ciConfig, committedFiles, editedDev, type Files } from "../helpers/ci-stack.ts";
import { CI_INVOKES, PROJECT_NUMBER } from "../helpers/fake-cloud.ts";
import { runMocked, type Deployment, type RecordedResource } from "../helpers/mocks.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const PREDEFINED = (
  JSON.parse(readFileSync(join(ROOT, "src", "ci", "predefined-roles.json"), "utf8")) as {
    roles: Record<string, string[]>;
  }
).roles;

const deploy = (config: CiConfig) =>
  runMocked(() => buildCiStack(config), { stack: "ci", invokes: CI_INVOKES });

let config: CiConfig;
let ci: Deployment<unknown>;

beforeAll(async () => {
  config = ciConfig(committedFiles());
  ci = await deploy(config);
});

// ---- Who may become which account ------------------------------------------------------------

/** GitHub's claims for one job: the documented fields the pool's condition and mapping read. */
interface Claims {
  sub: string;
  ref: string;
  event_name: string;
  repository: string;
  repository_id: string;
  repository_owner: string;
  repository_owner_id: string;
  job_workflow_ref: string;
  environment?: string;
}

const REPO = "acme/gemini-platform";
const IDS = { repository_id: "812345671", repository_owner_id: "112345678" };

/** A job of the deploy workflow (called from pulumi.yml) on main, as GitHub issues its token. */
function deployJob(environment: string, overrides: Partial<Claims> = {}): Claims {
  return {
    sub: `repo:${REPO}:environment:${environment}`,
    ref: "refs/heads/main",
    event_name: "push",
    repository: REPO,
    repository_owner: "acme",
    job_workflow_ref: `${REPO}/.github/workflows/pulumi-up.yml@refs/heads/main`,
    environment,
    ...IDS,
    ...overrides,
  };
}

/** A job of a pull request's run (pulumi.yml at the merge ref), optionally declaring a GitHub environment. */
function pullRequestJob(environment?: string, overrides: Partial<Claims> = {}): Claims {
  return {
    sub:
      environment === undefined
        ? `repo:${REPO}:pull_request`
        : `repo:${REPO}:environment:${environment}`,
    ref: "refs/pull/7/merge",
    event_name: "pull_request",
    repository: REPO,
    repository_owner: "acme",
    job_workflow_ref: `${REPO}/.github/workflows/pulumi.yml@refs/pull/7/merge`,
    environment,
    ...IDS,
    ...overrides,
  };
}

const provider = () =>
  ci.ofType("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")[0]!;
const pool = () => ci.ofType("gcp:iam/workloadIdentityPool:WorkloadIdentityPool")[0]!;

/** A CEL expression over the token's claims, as Workload Identity Federation evaluates it (`assertion` is the token's payload). */
function cel(expression: string, claims: Claims): unknown {
  const assertion = new Map(Object.entries(claims).filter(([, v]) => v !== undefined));
  return run(expression, { assertion }, { funcs: strings });
}

/** The CI accounts (e-mails) a token may act as: none if the condition refuses it, else those whose workloadIdentityUser grant matches a mapped attribute. */
function accountsFor(claims: Claims, deployment = ci): string[] {
  const p = deployment.ofType(
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
  )[0]!;
  if (cel(String(p.inputs.attributeCondition), claims) !== true) return [];
  const attributes = Object.entries(p.inputs.attributeMapping as Record<string, string>).map(
    ([name, expr]) => [name, String(cel(expr, claims))],
  );
  const poolName = String(
    deployment.ofType("gcp:iam/workloadIdentityPool:WorkloadIdentityPool")[0]!.state.name,
  );
  const principals = new Set(
    attributes.map(([name, value]) =>
      name === "google.subject"
        ? `principal://iam.googleapis.com/${poolName}/subject/${value}`
        : `principalSet://iam.googleapis.com/${poolName}/${name}/${value}`,
    ),
  );
  return deployment
    .ofType("gcp:serviceaccount/iAMMember:IAMMember")
    .filter(
      (b) =>
        b.inputs.role === "roles/iam.workloadIdentityUser" &&
        principals.has(String(b.inputs.member)),
    )
    .map((b) => String(b.inputs.serviceAccountId).split("/").pop()!)
    .sort();
}

/** A job of the rotation workflow (called from rotate.yml) on main, in the environment's rotation GitHub environment. */
function rotateJob(environment: string, overrides: Partial<Claims> = {}): Claims {
  return deployJob(environment, {
    event_name: "schedule",
    job_workflow_ref: `${REPO}/.github/workflows/rotate-keys.yml@refs/heads/main`,
    ...overrides,
  });
}

/** The same job as GitHub writes its subject for repositories created, renamed or transferred since 2026-07-15. */
function withImmutableSubject(claims: Claims): Claims {
  return {
    ...claims,
    sub: claims.sub.replace(
      `repo:${REPO}:`,
      `repo:acme@${IDS.repository_owner_id}/gemini-platform@${IDS.repository_id}:`,
    ),
  };
}

const deployer = (env: string) => `gak-deploy-${env}@acme-gemini-ci.iam.gserviceaccount.com`;
const previewer = (env: string) => `gak-preview-${env}@acme-gemini-ci.iam.gserviceaccount.com`;
const rotator = (env: string) => `gak-rotate-${env}@acme-gemini-ci.iam.gserviceaccount.com`;

describe("who may become a CI account (the provider's condition and mapping, evaluated as CEL)", () => {
  test("the committed config is the repository these claims describe", () => {
    expect([config.repository, config.repositoryId, config.repositoryOwnerId]).toEqual([
      REPO,
      IDS.repository_id,
      IDS.repository_owner_id,
    ]);
    expect(pool().inputs.workloadIdentityPoolId).toBe("gak-github");
  });

  test.each(["dev", "staging", "prod"])(
    "a push to main running the deploy workflow in the %s environment becomes that environment's deployer and nothing else",
    (env) => {
      expect(accountsFor(deployJob(env))).toEqual([deployer(env)]);
    },
  );

  test.each(["schedule", "workflow_dispatch"])(
    "so does a %s run of the deploy workflow on main",
    (event) => {
      expect(accountsFor(deployJob("prod", { event_name: event }))).toEqual([deployer("prod")]);
    },
  );

  test.each(["dev", "staging", "prod"])(
    "the same deploy job with GitHub's immutable subject (owner and repository ids in it) is the same deployer",
    (env) => {
      expect(accountsFor(withImmutableSubject(deployJob(env)))).toEqual([deployer(env)]);
    },
  );

  // push: a deploy's wave calls the rotation workflow for a keyed stack before its up.
  test.each(["schedule", "workflow_dispatch", "push"])(
    "a %s run of the rotation workflow on main in dev-rotation becomes the dev rotator and nothing else",
    (event) => {
      expect(accountsFor(rotateJob("dev-rotation", { event_name: event }))).toEqual([
        rotator("dev"),
      ]);
      expect(
        accountsFor(withImmutableSubject(rotateJob("dev-rotation", { event_name: event }))),
      ).toEqual([rotator("dev")]);
    },
  );

  test.each([
    ["the rotation workflow in the deploy environment dev", rotateJob("dev")],
    ["the deploy workflow in the rotation environment", deployJob("dev-rotation")],
    [
      "the rotation workflow on another branch",
      rotateJob("dev-rotation", {
        ref: "refs/heads/feature",
        job_workflow_ref: `${REPO}/.github/workflows/rotate-keys.yml@refs/heads/feature`,
      }),
    ],
    [
      "a pull_request_target run of the rotation workflow",
      rotateJob("dev-rotation", { event_name: "pull_request_target" }),
    ],
  ])("%s becomes no account", (_what, claims) => {
    expect(accountsFor(claims)).toEqual([]);
  });

  test("a pull request that calls the deploy and rotation workflows as they are on main, in prod and dev-rotation, still becomes no deployer and no rotator (its ref is the merge ref)", () => {
    const called = (file: string, environment: string) =>
      pullRequestJob(environment, {
        job_workflow_ref: `${REPO}/.github/workflows/${file}@refs/heads/main`,
      });
    expect(accountsFor(called("pulumi-up.yml", "prod"))).toEqual([
      previewer("dev"),
      previewer("staging"),
    ]);
    expect(accountsFor(called("rotate-keys.yml", "dev-rotation"))).toEqual([
      previewer("dev"),
      previewer("staging"),
    ]);
  });

  test("a pull request becomes only the previewers of the environments in ci.previews", () => {
    expect(accountsFor(pullRequestJob())).toEqual([previewer("dev"), previewer("staging")]);
  });

  test("a pull request whose job declares environment: prod still becomes no deployer (its ref is the merge ref)", () => {
    expect(accountsFor(pullRequestJob("prod"))).toEqual([previewer("dev"), previewer("staging")]);
  });

  test("a pull request that copies the deploy workflow's name and ref into its own claims cannot: GitHub sets ref, and the condition pins it", () => {
    expect(
      accountsFor(
        pullRequestJob("prod", {
          job_workflow_ref: `${REPO}/.github/workflows/pulumi-up.yml@refs/heads/main`,
        }),
      ),
    ).toEqual([previewer("dev"), previewer("staging")]);
  });

  test.each([
    [
      "pull_request_target (runs with the base branch's ref)",
      deployJob("prod", { event_name: "pull_request_target" }),
    ],
    [
      "another workflow file on main",
      deployJob("prod", {
        job_workflow_ref: `${REPO}/.github/workflows/other.yml@refs/heads/main`,
      }),
    ],
    [
      "the deploy workflow on another branch",
      deployJob("prod", {
        ref: "refs/heads/feature",
        job_workflow_ref: `${REPO}/.github/workflows/pulumi-up.yml@refs/heads/feature`,
      }),
    ],
    [
      "a tag",
      deployJob("prod", {
        ref: "refs/tags/v1",
        job_workflow_ref: `${REPO}/.github/workflows/pulumi-up.yml@refs/tags/v1`,
      }),
    ],
    [
      "a re-registered repository of the same name (another id)",
      deployJob("prod", { repository_id: "999" }),
    ],
    [
      "a repository moved to another owner (another owner id)",
      deployJob("prod", { repository_owner_id: "999" }),
    ],
    [
      "a pull request from another repository",
      pullRequestJob(undefined, {
        repository: "mallory/gemini-platform",
        repository_id: "999",
        repository_owner_id: "998",
      }),
    ],
    ["an issue comment", deployJob("prod", { event_name: "issue_comment" })],
  ])("refuses %s", (_what, claims) => {
    expect(accountsFor(claims)).toEqual([]);
  });

  test("the refusal is the condition's: the same token with the condition's pinned values is accepted", () => {
    expect(cel(String(provider().inputs.attributeCondition), deployJob("prod"))).toBe(true);
    expect(
      cel(
        String(provider().inputs.attributeCondition),
        deployJob("prod", { repository_id: "999" }),
      ),
    ).toBe(false);
  });

  test("every claim the condition tests is also mapped as an attribute of its own name (a condition may use only mapped values, says google-github-actions/auth)", () => {
    const condition = String(provider().inputs.attributeCondition);
    const mapping = provider().inputs.attributeMapping as Record<string, string>;
    const claims = [...new Set([...condition.matchAll(/assertion\.(\w+)/g)].map((m) => m[1]!))];
    expect(claims.sort()).toEqual([
      "event_name",
      "job_workflow_ref",
      "ref",
      "repository_id",
      "repository_owner_id",
    ]);
    for (const claim of claims) expect(mapping[`attribute.${claim}`]).toBe(`assertion.${claim}`);
  });

  test("every committed environment's deploy and rotation subjects, in both of GitHub's forms, fit google.subject's 127 bytes", () => {
    for (const e of config.environments) {
      for (const job of [deployJob(e.githubEnvironment), rotateJob(e.rotationEnvironment)]) {
        for (const claims of [job, withImmutableSubject(job)])
          expect(Buffer.byteLength(String(cel("assertion.sub", claims)))).toBeLessThanOrEqual(127);
      }
    }
  });

  test("without any preview, pull requests are refused outright", async () => {
    const raw = readStackFile(ROOT, "ci").raw;
    const entry = JSON.parse(raw["gemini-access-kit:ci"]!) as Record<string, unknown>;
    const noPreviews = await deploy(
      ciConfig(committedFiles(), {
        ...raw,
        "gemini-access-kit:ci": JSON.stringify({ ...entry, previews: [] }),
      }),
    );
    expect(accountsFor(pullRequestJob(), noPreviews)).toEqual([]);
    expect(accountsFor(deployJob("dev"), noPreviews)).toEqual([deployer("dev")]);
  });
});

// ---- What each account may do ------------------------------------------------------------------

/** One grant to a member: the resource it is on, the role, its condition, and the role's permissions. */
interface Grant {
  on: string;
  role: string;
  condition?: string;
  permissions: string[];
}

function permissionsOf(role: string, deployment: Deployment<unknown>): string[] {
  const custom = deployment
    .ofType("gcp:projects/iAMCustomRole:IAMCustomRole")
    .find((r) => r.state.name === role);
  if (custom !== undefined) return [...(custom.inputs.permissions as string[])].sort();
  const predefined = PREDEFINED[role];
  if (predefined === undefined)
    throw new Error(
      `${role} is neither a custom role of the stack nor in src/ci/predefined-roles.json: vendor its permissions first`,
    );
  return [...predefined].sort();
}

/** Where a binding resource grants: `TYPE NAME`. */
function target(r: RecordedResource): string {
  switch (r.type) {
    case "gcp:projects/iAMMember:IAMMember":
      return `project ${String(r.inputs.project)}`;
    case "gcp:serviceaccount/iAMMember:IAMMember":
      return `serviceAccount ${String(r.inputs.serviceAccountId).split("/").pop()}`;
    case "gcp:storage/bucketIAMMember:BucketIAMMember":
      return `bucket ${String(r.inputs.bucket)}`;
    case "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":
      return `cryptoKey ${String(r.inputs.cryptoKeyId)}`;
    case "gcp:secretmanager/secretIamMember:SecretIamMember":
      return `secret ${String(r.inputs.secretId)}`;
    default:
      throw new Error(`unexpected binding type ${r.type}`);
  }
}

const BINDING_TYPES = [
  "gcp:projects/iAMMember:IAMMember",
  "gcp:serviceaccount/iAMMember:IAMMember",
  "gcp:storage/bucketIAMMember:BucketIAMMember",
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  "gcp:secretmanager/secretIamMember:SecretIamMember",
];

function grantsTo(email: string, deployment = ci): Grant[] {
  return deployment.resources
    .filter((r) => BINDING_TYPES.includes(r.type) && r.inputs.member === `serviceAccount:${email}`)
    .map((r) => {
      const role = String(r.inputs.role);
      const condition = (r.inputs.condition as { expression?: string } | undefined)?.expression;
      return {
        on: target(r),
        role,
        ...(condition !== undefined ? { condition } : {}),
        permissions: permissionsOf(role, deployment),
      };
    })
    .sort((a, b) => `${a.on} ${a.role}`.localeCompare(`${b.on} ${b.role}`));
}

/** Every binding (CI identities' or not) that names a resource, for "nothing on X". */
const bindingsOn = (on: string) =>
  ci.resources.filter((r) => BINDING_TYPES.includes(r.type) && target(r) === on);

/** What writing a version of the OAuth client's secret takes, and all the deployer holds on any secret. */
const CLIENT_VERSIONS = [
  "secretmanager.versions.add",
  "secretmanager.versions.destroy",
  "secretmanager.versions.disable",
  "secretmanager.versions.enable",
  "secretmanager.versions.get",
  "secretmanager.versions.list",
];

describe.each(["dev", "staging", "prod"])("the %s deployer holds exactly", (env) => {
  const project = `acme-gemini-${env}`;
  const client = `projects/${PROJECT_NUMBER}/secrets/gak-oauth-client-${env}`;

  test("the versions of the OAuth client's secret alone (no secret's readers, no key secret), a read-only view of what preflight checks (no key string), its state, and access tokens of the probe account", () => {
    expect(grantsTo(deployer(env))).toEqual([
      {
        on: `bucket acme-gemini-state-${env}`,
        role: "roles/storage.objectUser",
        permissions: PREDEFINED["roles/storage.objectUser"],
      },
      {
        on: `cryptoKey projects/acme-gemini-ci/locations/europe-west1/keyRings/gak-state/cryptoKeys/${env}`,
        role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        permissions: PREDEFINED["roles/cloudkms.cryptoKeyEncrypterDecrypter"],
      },
      {
        on: `project ${project}`,
        role: `projects/${project}/roles/gak_client_${env}`,
        condition: `resource.name == '${client}' || resource.name.startsWith('${client}/')`,
        permissions: CLIENT_VERSIONS,
      },
      {
        on: `project ${project}`,
        role: `projects/${project}/roles/gak_preflight_${env}`,
        permissions: [
          "apikeys.keys.list",
          "orgpolicy.policy.get",
          "resourcemanager.projects.get",
          "serviceusage.services.get",
          "serviceusage.services.list",
        ],
      },
      {
        on: `serviceAccount gak-probe-${env}@${project}.iam.gserviceaccount.com`,
        role: `projects/${project}/roles/gak_gate_${env}`,
        permissions: ["iam.serviceAccounts.getAccessToken"],
      },
    ]);
  });
});

describe("the dev rotator holds exactly", () => {
  const project = "acme-gemini-dev";
  const runtime = `serviceAccount gak-runtime-dev@${project}.iam.gserviceaccount.com`;
  /** A binding's condition naming one key secret and its versions. */
  const only = (id: string) =>
    `resource.name == 'projects/${PROJECT_NUMBER}/secrets/${id}' || resource.name.startsWith('projects/${PROJECT_NUMBER}/secrets/${id}/')`;
  const versions = (id: string) => ({
    on: `project ${project}`,
    role: `projects/${project}/roles/gak_rotate_secrets_dev`,
    condition: only(id),
    permissions: [
      "secretmanager.secrets.get",
      "secretmanager.secrets.update",
      "secretmanager.versions.add",
      "secretmanager.versions.destroy",
      "secretmanager.versions.get",
      "secretmanager.versions.list",
    ],
  });

  test("key admin on the keyed account alone, the project's key policies (read before a key is made), each key secret's versions and annotations through a binding of its own (never reading one), the project's API keys, and the predefined role that binds them to that account", () => {
    expect(grantsTo(rotator("dev"))).toEqual([
      {
        on: `project ${project}`,
        role: `projects/${project}/roles/gak_rotate_apikeys_dev`,
        permissions: [
          "apikeys.keys.create",
          "apikeys.keys.delete",
          "apikeys.keys.get",
          "apikeys.keys.getKeyString",
          "apikeys.keys.list",
          "serviceusage.operations.get",
        ],
      },
      {
        on: `project ${project}`,
        role: `projects/${project}/roles/gak_rotate_policies_dev`,
        permissions: ["orgpolicy.policy.get"],
      },
      versions("gak-runtime-key-dev"),
      versions("gak-api-key-dev"),
      {
        on: runtime,
        role: "roles/iam.serviceAccountApiKeyBindingAdmin",
        permissions: PREDEFINED["roles/iam.serviceAccountApiKeyBindingAdmin"],
      },
      {
        on: runtime,
        role: "roles/iam.serviceAccountKeyAdmin",
        permissions: PREDEFINED["roles/iam.serviceAccountKeyAdmin"],
      },
    ]);
  });

  test("with a vertex.apiKey bound to the same account: one more binding, on that key's secret alone, and the rest as before", async () => {
    const files = editedDev((c) => {
      c["gemini-access-kit:vertex"] = {
        location: "global",
        apiKey: { serviceAccount: "runtime", readers: ["group:gemini-dev@example.com"] },
      };
    });
    const withVertexKey = await deploy(ciConfig(files));
    const before = grantsTo(rotator("dev"));
    const after = grantsTo(rotator("dev"), withVertexKey);
    expect(after).toEqual(expect.arrayContaining([...before, versions("gak-vertex-api-key-dev")]));
    expect(after).toHaveLength(before.length + 1);
  });

  test("nothing of any environment's state: it learns what to rotate from the committed stack file, offline", () => {
    expect(
      grantsTo(rotator("dev")).filter(
        (g) => g.on.startsWith("bucket") || g.on.startsWith("cryptoKey"),
      ),
    ).toEqual([]);
  });

  test("keyless environments have no rotator", () => {
    expect(config.environments.filter((e) => e.rotator !== undefined).map((e) => e.name)).toEqual([
      "dev",
    ]);
  });
});

describe.each(["dev", "staging"])("the %s previewer holds exactly", (env) => {
  const objects = (e: string) => `projects/_/buckets/acme-gemini-state-${e}/objects/.pulumi`;

  test("read access to its own state's current checkpoints (never backups, history or a .bak copy) and decryption with its own key", () => {
    expect(grantsTo(previewer(env))).toEqual([
      {
        on: `bucket acme-gemini-state-${env}`,
        role: "roles/storage.objectViewer",
        condition: `resource.type == 'storage.googleapis.com/Bucket' || resource.name == '${objects(env)}/meta.yaml' || (resource.name.startsWith('${objects(env)}/stacks/') && resource.name.endsWith('.json'))`,
        permissions: PREDEFINED["roles/storage.objectViewer"],
      },
      {
        on: `cryptoKey projects/acme-gemini-ci/locations/europe-west1/keyRings/gak-state/cryptoKeys/${env}`,
        role: "roles/cloudkms.cryptoKeyDecrypter",
        permissions: PREDEFINED["roles/cloudkms.cryptoKeyDecrypter"],
      },
    ]);
  });
});

describe("what no CI identity holds", () => {
  const identities = () =>
    config.environments.flatMap((e) => [
      e.deployer.email,
      ...(e.previewer ? [e.previewer.email] : []),
      ...(e.rotator ? [e.rotator.email] : []),
    ]);
  const FORBIDDEN = [
    "iam.serviceAccounts.setIamPolicy",
    "secretmanager.versions.access",
    "resourcemanager.projects.setIamPolicy",
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.getAccessToken",
    "iam.roles.update",
    "iam.workloadIdentityPools.update",
    "iam.workloadIdentityPoolProviders.update",
    "storage.buckets.setIamPolicy",
    "cloudkms.cryptoKeys.setIamPolicy",
    "secretmanager.secrets.setIamPolicy",
  ];
  /** What only the rotator may hold, and there only where its list says. */
  const KEY_MAKING = ["iam.serviceAccountKeys.create", "apikeys.keys.getKeyString"];

  test("the identities are the six the committed environments need: a deployer each, a previewer for dev and staging, a rotator for dev (the one with keys)", () => {
    expect(identities().sort()).toEqual([
      deployer("dev"),
      deployer("prod"),
      deployer("staging"),
      previewer("dev"),
      previewer("staging"),
      rotator("dev"),
    ]);
  });

  test.each(FORBIDDEN.filter((p) => p !== "iam.serviceAccounts.getAccessToken"))(
    "%s, on any resource",
    (permission) => {
      for (const email of identities()) {
        const holding = grantsTo(email)
          .filter((g) => g.permissions.includes(permission))
          .map((g) => g.on);
        expect([email, holding]).toEqual([email, []]);
      }
    },
  );

  test("iam.serviceAccounts.getAccessToken: only each deployer, only on its environment's probe account", () => {
    for (const email of identities()) {
      const on = grantsTo(email)
        .filter((g) => g.permissions.includes("iam.serviceAccounts.getAccessToken"))
        .map((g) => g.on);
      const env = config.environments.find((e) => e.deployer.email === email);
      expect([email, on]).toEqual([
        email,
        env === undefined
          ? []
          : [`serviceAccount gak-probe-${env.name}@${env.config.project}.iam.gserviceaccount.com`],
      ]);
    }
  });

  test.each(KEY_MAKING)(
    "%s: no deployer or previewer holds it; the rotator only on the keyed account or its project's API keys",
    (permission) => {
      for (const email of identities().filter((e) => e !== rotator("dev")))
        expect([email, grantsTo(email).filter((g) => g.permissions.includes(permission))]).toEqual([
          email,
          [],
        ]);
      const on = grantsTo(rotator("dev"))
        .filter((g) => g.permissions.includes(permission))
        .map((g) => g.on);
      expect(on).toEqual([
        permission.startsWith("iam.")
          ? "serviceAccount gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com"
          : "project acme-gemini-dev",
      ]);
    },
  );

  test("any grant on the pool, the provider, a CI account or the CI project (beyond each one's own trust)", () => {
    expect(
      ci.resources.filter((r) => r.type.includes("workloadIdentityPool") && r.type.includes("IAM")),
    ).toEqual([]);
    for (const email of identities()) {
      const onAccount = bindingsOn(`serviceAccount ${email}`).map((b) => [
        b.inputs.role,
        b.inputs.member,
      ]);
      expect(
        onAccount.every(
          ([role, member]) =>
            role === "roles/iam.workloadIdentityUser" &&
            String(member).startsWith("principalSet://"),
        ),
      ).toBe(true);
      for (const other of identities())
        expect(grantsTo(other).filter((g) => g.on === `serviceAccount ${email}`)).toEqual([]);
    }
    expect(bindingsOn("project acme-gemini-ci")).toEqual([]);
  });

  test("another environment's state: no identity of one environment is granted another's bucket or key", () => {
    for (const e of config.environments) {
      for (const email of [e.deployer.email, ...(e.previewer ? [e.previewer.email] : [])]) {
        const state = grantsTo(email)
          .filter((g) => g.on.startsWith("bucket") || g.on.startsWith("cryptoKey"))
          .map((g) => g.on);
        expect(state).toEqual([
          `bucket acme-gemini-state-${e.name}`,
          `cryptoKey projects/acme-gemini-ci/locations/europe-west1/keyRings/gak-state/cryptoKeys/${e.name}`,
        ]);
      }
    }
  });

  test("the account the verify gate acts as is nobody's consumer: no key, no reader, no impersonator but the deployer, and only the administrator's grantable roles, those of the default account", () => {
    for (const e of config.environments) {
      const probe = `gak-probe-${e.name}@${e.config.project}.iam.gserviceaccount.com`;
      const member = `serviceAccount:${probe}`;
      const runtime = e.config.accounts.find((a) => a.key === "runtime")!;
      expect(grantsTo(probe).map((g) => [g.on, g.role])).toEqual(
        [...runtime.roles].sort().map((role) => [`project ${e.config.project}`, role]),
      );
      // roles/aiplatform.user is the kit's own grant to every account of a Vertex stack, the
      // administrator's to apply, and so grantable without being listed (src/config/vertex.ts).
      const kitOwn = e.config.target === "gemini-api" ? [] : [VERTEX_USER_ROLE];
      expect(
        grantsTo(probe).every((g) => [...config.grantableRoles, ...kitOwn].includes(g.role)),
      ).toBe(true);
      expect(bindingsOn(`serviceAccount ${probe}`).map((b) => b.inputs.member)).toEqual([
        `serviceAccount:${e.deployer.email}`,
      ]);
      const lists = [
        ...e.config.accounts.flatMap((a) => [...a.keyReaders, ...a.impersonators]),
        ...(e.config.apiKey?.readers ?? []),
        ...(e.config.oauth?.clientReaders ?? []),
      ];
      expect(lists).not.toContain(member);
      expect(e.config.accounts.map((a) => a.email)).not.toContain(probe);
      expect(
        ci.resources.filter(
          (r) =>
            r.type === "gcp:secretmanager/secretIamMember:SecretIamMember" &&
            r.inputs.member === member,
        ),
      ).toEqual([]);
    }
  });
});

describe("who reads a secret is the administrator's", () => {
  test("the CI stack creates each governed environment's secrets and their readers; the environment stacks hold neither", async () => {
    const readers = ci
      .ofType("gcp:secretmanager/secretIamMember:SecretIamMember")
      .map((r) => `${String(r.inputs.secretId)} ${String(r.inputs.member)}`)
      .sort();
    expect(readers).toContain("gak-runtime-key-dev group:gemini-dev@example.com");
    expect(readers).toContain("gak-api-key-dev group:gemini-dev@example.com");
    expect(ci.ofType("gcp:secretmanager/secret:Secret").map((r) => r.inputs.secretId)).toEqual(
      expect.arrayContaining(["gak-runtime-key-dev", "gak-api-key-dev", "gak-oauth-client-prod"]),
    );
    for (const e of config.environments) {
      const d = await runMocked(() => buildStack(e.config), { stack: e.name });
      expect([
        e.name,
        d.resources.filter((r) => r.type.startsWith("gcp:")).map((r) => r.type),
      ]).toEqual([
        e.name,
        e.config.oauth?.client === undefined
          ? []
          : ["gcp:secretmanager/secretVersion:SecretVersion"],
      ]);
    }
  });

  test("with ci.environments.<env>.adoptSecrets, the CI stack imports the secrets an earlier environment stack made (the client's only once set) instead of creating them", async () => {
    const adopting = (c: CiConfig): CiConfig => ({
      ...c,
      // prod as a stack whose client was set: its secret exists too.
      environments: c.environments.map((e) => ({
        ...e,
        adoptSecrets: true,
        oauthClientSet: e.name === "prod",
      })),
    });
    const d = await deploy(adopting(config));
    const imports = d
      .ofType("gcp:secretmanager/secret:Secret")
      .map((r) => `${String(r.inputs.secretId)} ${r.importId ?? "(created)"}`)
      .sort();
    expect(imports).toEqual([
      "gak-api-key-dev projects/acme-gemini-dev/secrets/gak-api-key-dev",
      "gak-oauth-client-dev (created)",
      "gak-oauth-client-prod projects/acme-gemini-prod/secrets/gak-oauth-client-prod",
      "gak-oauth-client-staging (created)",
      "gak-runtime-key-dev projects/acme-gemini-dev/secrets/gak-runtime-key-dev",
    ]);
    // Without it, no secret is imported: the committed CI stack imports dev's adopted project alone.
    expect(
      ci.resources.filter((r) => r.importId !== undefined).map((r) => `${r.type} ${r.importId}`),
    ).toEqual(["gcp:organizations/project:Project acme-gemini-dev"]);
  });

  test("reads of secrets in each environment's project, and of state in the CI project, are audited (Data Access logs)", () => {
    const audited = ci
      .ofType("gcp:projects/iAMAuditConfig:IAMAuditConfig")
      .map(
        (r) =>
          `${String(r.inputs.project)} ${String(r.inputs.service)} ${JSON.stringify(r.inputs.auditLogConfigs)}`,
      )
      .sort();
    expect(audited).toEqual([
      'acme-gemini-ci cloudkms.googleapis.com [{"logType":"DATA_READ"}]',
      'acme-gemini-ci storage.googleapis.com [{"logType":"DATA_READ"}]',
      'acme-gemini-dev secretmanager.googleapis.com [{"logType":"DATA_READ"}]',
      'acme-gemini-prod secretmanager.googleapis.com [{"logType":"DATA_READ"}]',
      'acme-gemini-staging secretmanager.googleapis.com [{"logType":"DATA_READ"}]',
    ]);
  });

  test("a deleted state object stays restorable for 90 days, Cloud Storage's longest soft delete", () => {
    for (const bucket of ci.ofType("gcp:storage/bucket:Bucket"))
      expect(bucket.inputs.softDeletePolicy).toEqual({ retentionDurationSeconds: 7776000 });
  });
});

describe("each environment's state is its own", () => {
  test("one bucket and one KMS key per environment, in the CI project, where Cloud KMS is enabled", () => {
    const buckets = ci.ofType("gcp:storage/bucket:Bucket");
    expect(buckets.map((b) => [b.inputs.project, b.inputs.name]).sort()).toEqual(
      config.environments.map((e) => ["acme-gemini-ci", `acme-gemini-state-${e.name}`]).sort(),
    );
    for (const b of buckets) {
      expect(b.inputs).toMatchObject({
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: true },
        forceDestroy: false,
      });
      expect(b.protect).toBe(true);
    }
    const keys = ci.ofType("gcp:kms/cryptoKey:CryptoKey");
    expect(keys.map((k) => k.inputs.name).sort()).toEqual(
      config.environments.map((e) => e.name).sort(),
    );
    const kms = ci
      .ofType("gcp:projects/service:Service")
      .filter((s) => s.inputs.project === "acme-gemini-ci")
      .map((s) => s.inputs.service);
    expect(kms).toContain("cloudkms.googleapis.com");
  });

  test("each environment's outputs name its own backend and its own key", () => {
    const outputs = ci.outputs as {
      ci: { environments: Record<string, { backendUrl: string; secretsProvider: string }> };
    };
    for (const e of config.environments) {
      expect(outputs.ci.environments[e.name]).toMatchObject({
        backendUrl: `gs://acme-gemini-state-${e.name}`,
        secretsProvider: `gcpkms://projects/acme-gemini-ci/locations/europe-west1/keyRings/gak-state/cryptoKeys/${e.name}`,
      });
    }
  });
});

// ---- Environment stacks never change what CI may do ---------------------------------------------

/** Every grant any deployer or previewer holds, with the permissions of every role it names. */
function ciGrants(deployment: Deployment<unknown>, c: CiConfig): string[] {
  return c.environments
    .flatMap((e) => [e.deployer.email, ...(e.previewer ? [e.previewer.email] : [])])
    .flatMap((email) => grantsTo(email, deployment).map((g) => JSON.stringify({ email, ...g })))
    .sort();
}

type Accounts = Record<
  string,
  {
    roles?: string[];
    createKey?: boolean;
    keyReaders?: string[];
    impersonators?: string[];
    displayName?: string;
    description?: string;
  }
>;
/** A second, keyless account added to the dev stack, for edits that need one beside the runtime account. */
function jobsAccount(c: Record<string, unknown>): Accounts[string] {
  const accounts = c["gemini-access-kit:serviceAccounts"] as Accounts;
  accounts.jobs ??= {
    displayName: "Jobs (dev)",
    description: "Batch jobs; keyless.",
    roles: ["roles/serviceusage.serviceUsageConsumer"],
    impersonators: ["group:gemini-dev@example.com"],
  };
  return accounts.jobs;
}

describe("environment stacks never change what a deployer or previewer may do", () => {
  /** The CI stack's config with one more grantable role, so an environment may add it. */
  const widerCi = (files: Files) => {
    const raw = readStackFile(ROOT, "ci").raw;
    const entry = JSON.parse(raw["gemini-access-kit:ci"]!) as { grantableRoles: string[] };
    return ciConfig(files, {
      ...raw,
      "gemini-access-kit:ci": JSON.stringify({
        ...entry,
        grantableRoles: [...entry.grantableRoles, "roles/aiplatform.user"],
      }),
    });
  };
  let before: string[];
  beforeAll(async () => {
    const c = widerCi(committedFiles());
    before = ciGrants(await deploy(c), c);
  });

  test.each<[string, (config: Record<string, unknown>) => void, (d: Deployment<unknown>) => void]>([
    [
      "a role added to an account",
      (c) =>
        (c["gemini-access-kit:serviceAccounts"] as Accounts).runtime!.roles!.push(
          "roles/aiplatform.user",
        ),
      (d) =>
        expect(d.ofType("gcp:projects/iAMMember:IAMMember").map((b) => b.inputs.role)).toContain(
          "roles/aiplatform.user",
        ),
    ],
    [
      "a key issued for another account",
      (c) =>
        Object.assign(jobsAccount(c), {
          createKey: true,
          keyReaders: ["group:gemini-dev@example.com"],
        }),
      () => undefined,
    ],
    ["the API key removed", (c) => delete c["gemini-access-kit:apiKey"], () => undefined],
    [
      "a new account with an impersonator",
      (c) =>
        Object.assign(c["gemini-access-kit:serviceAccounts"] as Accounts, {
          batch: {
            displayName: "Batch (dev)",
            description: "Batch jobs.",
            roles: ["roles/serviceusage.serviceUsageConsumer"],
            impersonators: ["group:gemini-dev@example.com"],
          },
        }),
      (d) =>
        expect(
          d.ofType("gcp:serviceaccount/account:Account").map((a) => a.inputs.accountId),
        ).toContain("gak-batch-dev"),
    ],
    [
      "a secret's readers and regions changed",
      (c) =>
        Object.assign(c, {
          "gemini-access-kit:oauthClientReaders": ["group:other@example.com"],
          "gemini-access-kit:secretLocations": ["europe-west3"],
        }),
      () => undefined,
    ],
  ])(
    "%s: no CI identity's grant changes, though the change itself is applied",
    async (_what, edit, applied) => {
      const files = editedDev(edit);
      const c = widerCi(files);
      const after = await deploy(c);
      applied(after);
      expect(ciGrants(after, c)).toEqual(before);
    },
  );

  test("the check can fail: a new environment does add CI grants", async () => {
    const c = widerCi(committedFiles());
    const fewer = { ...c, environments: c.environments.filter((e) => e.name !== "staging") };
    expect(ciGrants(await deploy(fewer), fewer)).not.toEqual(before);
  });
});

describe("the rotator's grants follow the keys an environment declares, through the CI stack", () => {
  const rotatorGrants = async (edit: (config: Record<string, unknown>) => void) =>
    grantsTo(rotator("dev"), await deploy(ciConfig(editedDev(edit))));

  test("a key issued for another account adds key admin on that account alone, and its secret to the condition", async () => {
    const grants = await rotatorGrants((c) =>
      Object.assign(jobsAccount(c), {
        createKey: true,
        keyReaders: ["group:gemini-dev@example.com"],
      }),
    );
    expect(
      grants
        .filter((g) => g.role === "roles/iam.serviceAccountKeyAdmin")
        .map((g) => g.on)
        .sort(),
    ).toEqual([
      "serviceAccount gak-jobs-dev@acme-gemini-dev.iam.gserviceaccount.com",
      "serviceAccount gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
    ]);
    expect(grants.find((g) => g.role.endsWith("gak_rotate_secrets_dev"))!.condition).toContain(
      `'projects/${PROJECT_NUMBER}/secrets/gak-jobs-key-dev'`,
    );
  });

  test("the API key removed takes the project's API key rights and the binding with it", async () => {
    const grants = await rotatorGrants((c) => delete c["gemini-access-kit:apiKey"]);
    expect(grants.map((g) => g.role).sort()).toEqual([
      `projects/acme-gemini-dev/roles/gak_rotate_policies_dev`,
      `projects/acme-gemini-dev/roles/gak_rotate_secrets_dev`,
      "roles/iam.serviceAccountKeyAdmin",
    ]);
    expect(grants.find((g) => g.role.endsWith("gak_rotate_secrets_dev"))!.condition).not.toContain(
      "gak-api-key-dev",
    );
  });

  test("an environment with no key left has no rotator at all", async () => {
    const files = editedDev((c) => {
      delete c["gemini-access-kit:apiKey"];
      Object.assign((c["gemini-access-kit:serviceAccounts"] as Accounts).runtime!, {
        createKey: false,
        keyReaders: undefined,
      });
    });
    const c = ciConfig(files);
    expect(c.environments.find((e) => e.name === "dev")!.rotator).toBeUndefined();
    const d = await deploy(c);
    expect(
      d.ofType("gcp:serviceaccount/account:Account").map((a) => a.inputs.accountId),
    ).not.toContain("gak-rotate-dev");
    // Nor does the pool trust the rotation workflow then.
    expect(
      String(
        d.ofType("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")[0]!.inputs
          .attributeCondition,
      ),
    ).not.toContain("rotate-keys.yml");
  });
});
