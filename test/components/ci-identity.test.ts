/**
 * The CI identity as the committed dev stack (and a keyless variant) would create it: who can get a
 * token at all, who can act as which account, and what each account may do.
 */

import { join } from "node:path";
import { parseConfig, type KitConfig, type RawConfig } from "../../src/config";
import { readStackFile } from "../../src/config/stack-file";
import { buildStack } from "../../src/program";
import { NOW, SECRET_KEYS } from "../helpers/fixtures";
import { runMocked, type Deployment } from "../helpers/mocks";

const ROOT = join(__dirname, "..", "..");
const NS = "gemini-access-kit";
const POOL = "projects/412345678901/locations/global/workloadIdentityPools/gak-github-dev";
const REPO = "acme/gemini-platform";
const DEPLOYER = "serviceAccount:gak-deployer-dev@acme-gemini-dev.iam.gserviceaccount.com";
const PREVIEWER = "serviceAccount:gak-previewer-dev@acme-gemini-dev.iam.gserviceaccount.com";
const SA_IAM = "gcp:serviceaccount/iAMMember:IAMMember";
const PROJECT_IAM = "gcp:projects/iAMMember:IAMMember";

function configOf(raw: RawConfig, stack = "dev"): KitConfig {
  const { config, problems } = parseConfig(raw, { stack, now: NOW, secretKeys: SECRET_KEYS });
  if (config === undefined) throw new Error(JSON.stringify(problems));
  return config;
}

const devRaw = () => readStackFile(ROOT, "dev").raw;
const deploy = (raw: RawConfig) => runMocked(() => buildStack(configOf(raw)), { stack: "dev" });

function rolesOf(d: Deployment<unknown>, member: string): string[] {
  return d.ofType(PROJECT_IAM).filter((b) => b.inputs.member === member).map((b) => b.inputs.role as string).sort();
}

let dev: Awaited<ReturnType<typeof deploy>>;
beforeAll(async () => {
  dev = await deploy(devRaw());
});

describe("the dev stack's CI identity", () => {
  test("trusts exactly one repository: GitHub's issuer, a condition that pins the repository, and nothing else in the pool", () => {
    const [provider, ...others] = dev.ofType("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(others).toEqual([]);
    expect(provider!.inputs.oidc).toEqual({ issuerUri: "https://token.actions.githubusercontent.com" });
    expect(provider!.inputs.attributeCondition).toBe(
      `assertion.repository == '${REPO}' && (assertion.event_name == 'pull_request' || assertion.ref == 'refs/heads/main')`,
    );
    const trusted = dev.ofType(SA_IAM).filter((b) => String(b.inputs.member).startsWith("principal"));
    expect(trusted.map((b) => [b.inputs.role, b.inputs.member]).sort()).toEqual([
      ["roles/iam.workloadIdentityUser", `principalSet://iam.googleapis.com/${POOL}/attribute.deployment/repo:${REPO}:environment:dev:refs/heads/main`],
      ["roles/iam.workloadIdentityUser", `principalSet://iam.googleapis.com/${POOL}/attribute.repository/${REPO}`],
    ]);
  });

  test("lets only the dev environment's job on main act as the deployer; pull requests get the previewer", () => {
    const byAccount: Record<string, string> = Object.fromEntries(
      dev.ofType(SA_IAM).filter((b) => b.inputs.role === "roles/iam.workloadIdentityUser").map((b) => [String(b.inputs.serviceAccountId).split("/").pop(), String(b.inputs.member)]),
    );
    expect(byAccount["gak-deployer-dev@acme-gemini-dev.iam.gserviceaccount.com"]).toMatch(/attribute\.deployment\/repo:acme\/gemini-platform:environment:dev:refs\/heads\/main$/);
    expect(byAccount["gak-previewer-dev@acme-gemini-dev.iam.gserviceaccount.com"]).toMatch(/attribute\.repository\/acme\/gemini-platform$/);
    const [provider] = dev.ofType("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect((provider!.inputs.attributeMapping as Record<string, string>)["attribute.deployment"]).toBe("assertion.sub + ':' + assertion.ref");
  });

  test("gives the deployer one role per kind of resource the stack manages, and project IAM only for the accounts' own roles", () => {
    expect(rolesOf(dev, DEPLOYER)).toEqual([
      "roles/iam.serviceAccountAdmin",
      "roles/iam.serviceAccountKeyAdmin",
      "roles/resourcemanager.projectIamAdmin",
      "roles/secretmanager.admin",
      "roles/serviceusage.apiKeysAdmin",
      "roles/serviceusage.serviceUsageAdmin",
    ]);
    const iamAdmin = dev.ofType(PROJECT_IAM).find((b) => b.inputs.member === DEPLOYER && b.inputs.role === "roles/resourcemanager.projectIamAdmin");
    expect(iamAdmin!.inputs.condition).toMatchObject({
      expression: "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/serviceusage.serviceUsageConsumer'])",
    });
  });

  test("gives the deployer no right over the pool, the provider or its own trust, so a workflow cannot widen its access", () => {
    const deployerGrants = [...dev.ofType(PROJECT_IAM), ...dev.ofType(SA_IAM)].filter((b) => b.inputs.member === DEPLOYER).map((b) => String(b.inputs.role));
    for (const role of deployerGrants) expect(role).not.toMatch(/workloadIdentityPoolAdmin|securityAdmin|roles\/owner|roles\/editor|workloadIdentityUser/);
    const ci = dev.ofType(SA_IAM).filter((b) => String(b.inputs.serviceAccountId).includes("gak-deployer-dev"));
    expect(ci.map((b) => b.inputs.member)).not.toContain(DEPLOYER);
  });

  test("gives the previewer read-only roles, none of which can read a secret value or an API key string", () => {
    expect(rolesOf(dev, PREVIEWER)).toEqual(["roles/iam.serviceAccountViewer", "roles/secretmanager.viewer", "roles/serviceusage.serviceUsageViewer"]);
    const resourceGrants = [...dev.ofType("gcp:storage/bucketIAMMember:BucketIAMMember"), ...dev.ofType("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")];
    expect(resourceGrants.filter((b) => b.inputs.member === PREVIEWER).map((b) => b.inputs.role).sort()).toEqual(["roles/cloudkms.cryptoKeyDecrypter", "roles/storage.objectViewer"]);
    expect(resourceGrants.filter((b) => b.inputs.member === DEPLOYER).map((b) => b.inputs.role).sort()).toEqual(["roles/cloudkms.cryptoKeyEncrypterDecrypter", "roles/storage.objectUser"]);
    expect(resourceGrants.find((b) => b.inputs.member === DEPLOYER && "bucket" in b.inputs)!.inputs.bucket).toBe("acme-pulumi-state");
  });

  test("exports the provider's resource name and both e-mails, exactly what the workflow's variables hold", () => {
    expect(dev.outputs.ciIdentity).toEqual({
      workloadIdentityProvider: `${POOL}/providers/github`,
      deployer: "gak-deployer-dev@acme-gemini-dev.iam.gserviceaccount.com",
      previewer: "gak-previewer-dev@acme-gemini-dev.iam.gserviceaccount.com",
      repository: REPO,
    });
    expect(dev.ofType("gcp:projects/service:Service").map((s) => s.inputs.service)).toEqual(expect.arrayContaining(["sts.googleapis.com", "iamcredentials.googleapis.com"]));
  });
});

describe("CI identity options", () => {
  const withCi = (fields: Record<string, unknown>, accounts?: Record<string, unknown>): RawConfig => {
    const raw: Record<string, string> = { ...devRaw(), [`${NS}:ciIdentity`]: JSON.stringify({ repository: REPO, ...fields }) };
    if (accounts !== undefined) {
      raw[`${NS}:serviceAccounts`] = JSON.stringify(accounts);
      delete raw[`${NS}:apiKey`];
    }
    return raw;
  };

  test("pins a branch-only deployment to GitHub's ref subject, and the repository id when given", async () => {
    const d = await deploy(withCi({ deployBranch: "release", repositoryId: "123456" }));
    const [provider] = d.ofType("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(provider!.inputs.attributeCondition).toBe(
      `assertion.repository == '${REPO}' && assertion.repository_id == '123456' && (assertion.event_name == 'pull_request' || assertion.ref == 'refs/heads/release')`,
    );
    const members = d.ofType(SA_IAM).map((b) => String(b.inputs.member));
    expect(members).toContain(`principalSet://iam.googleapis.com/${POOL}/attribute.deployment/repo:${REPO}:ref:refs/heads/release:refs/heads/release`);
    expect(d.ofType("gcp:storage/bucketIAMMember:BucketIAMMember")).toEqual([]);
  });

  test("on a keyless stack, lets the deployer mint tokens for the account the verify gate acts as, and no other", async () => {
    const accounts = { runtime: { roles: ["roles/serviceusage.serviceUsageConsumer"] }, tuning: {} };
    const d = await deploy(withCi({}, accounts));
    const minted = d.ofType(SA_IAM).filter((b) => b.inputs.member === DEPLOYER);
    expect(minted.map((b) => [b.inputs.role, String(b.inputs.serviceAccountId).split("/").pop()])).toEqual([
      ["roles/iam.serviceAccountTokenCreator", "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com"],
    ]);
    expect(rolesOf(d, DEPLOYER)).not.toContain("roles/iam.serviceAccountKeyAdmin");
  });
});
