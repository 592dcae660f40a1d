/**
 * Preflight of a stack that vends its project, against the fake Google: for project.create, whether
 * the id is free, whether the caller may create projects under the parent and link them to the
 * billing account; for project.adopt, whether the project exists and is ACTIVE.
 */

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { googleError } from "../helpers/google/respond.ts";
import { cloudProject } from "../helpers/google/state.ts";
import {
  CI_PROJECT,
  check,
  DEV_APIS,
  preflightInProcess,
  PROJECT,
  startPreflightWorld,
  verdicts,
  type PreflightWorld,
} from "../helpers/preflight-world.ts";

const ADMIN = "platform-admin@acme-gemini-ci.iam.gserviceaccount.com";
const NEW = "acme-gemini-new";
const FOLDER = "folders/123456789012";
const ACCOUNT = "01A2B3-C4D5E6-F7A8B9";
const BILLING_PERMISSIONS = [
  "billing.budgets.create",
  "billing.budgets.delete",
  "billing.budgets.get",
  "billing.budgets.update",
  "billing.resourceAssociations.create",
];

const STACK = `config:
  gcp:project: ${NEW}
  gemini-access-kit:namePrefix: gak
  gemini-access-kit:environment: new
  gemini-access-kit:serviceAccounts:
    runtime:
      roles: [roles/serviceusage.serviceUsageConsumer]
      impersonators: [group:team@example.com]
  gemini-access-kit:project:
    create:
      parent: ${FOLDER}
      billingAccount: ${ACCOUNT}
      contacts:
        security@example.com: [SECURITY]
      budget:
        amount: 100
`;

let world: PreflightWorld;
let adc: string;
beforeEach(async () => {
  world = await startPreflightWorld();
  const root = join(world.dir, "project");
  mkdirSync(join(root, "stacks"), { recursive: true });
  world.root = root;
  writeStack("new", STACK);
  const key = world.google.addServiceAccount(ADMIN, CI_PROJECT);
  adc = join(world.dir, "admin.json");
  writeFileSync(adc, key.file);
  world.google.state.parents.add(FOLDER);
  world.google.state.billingAccounts.add(ACCOUNT);
  grantElsewhere(FOLDER, ["resourcemanager.projects.create"]);
  grantElsewhere(`billingAccounts/${ACCOUNT}`, BILLING_PERMISSIONS);
});
afterEach(async () => {
  await world.google.close();
  rmSync(world.dir, { recursive: true, force: true });
});

function writeStack(name: string, text: string): void {
  writeFileSync(join(world.root, "stacks", `Pulumi.${name}.yaml`), text);
}

function grantElsewhere(resource: string, permissions: string[]): void {
  const grants = world.google.state.resourceGrants.get(ADMIN) ?? [];
  world.google.state.resourceGrants.set(ADMIN, [
    ...grants.filter((g) => g.resource !== resource),
    { resource, permissions },
  ]);
}

/** A project the admin may see, as Resource Manager shows it. */
function existing(
  state: "ACTIVE" | "DELETE_REQUESTED",
  labels: Record<string, string>,
  parent = { type: "folder" as const, id: "123456789012" },
) {
  const p = cloudProject(NEW, "567890123456", DEV_APIS);
  world.google.state.cloudProjects.set(NEW, { ...p, lifecycleState: state, labels, parent });
  world.google.state.grants.set(ADMIN, [
    ...(world.google.state.grants.get(ADMIN) ?? []),
    { project: NEW, permissions: ["resourcemanager.projects.get"] },
  ]);
}

const OURS = { environment: "new", "managed-by": "gemini-access-kit" };
const run = (stack = "new") =>
  preflightInProcess(world, ["--stack", stack], { GOOGLE_APPLICATION_CREDENTIALS: adc });

describe("project.create, before the project exists", () => {
  test("pass: the id is free (or hidden: Google's 403 cannot tell), the caller may create projects in the folder and link them to the billing account; nothing is asked of the project itself", async () => {
    const { result, progress } = await run();
    expect(verdicts(result, NEW)).toEqual([
      "project-id: pass",
      "billing-account: pass",
      "project-parent: pass",
    ]);
    expect(result.exitCode).toBe(0);
    expect(check(result, "project-id", NEW).summary).toBe(
      `${NEW} is free, or held by a project ${ADMIN} may not see: Google answers both with 403, so preflight cannot tell them apart. up creates it, and the project's own checks run once it exists; an id taken after all fails up with 409 "Requested entity already exists".`,
    );
    expect(check(result, "project-parent", NEW).summary).toBe(
      `${ADMIN} may create projects under ${FOLDER} (resourcemanager.projects.create).`,
    );
    expect(progress).toContain(
      `Running 2 checks as ${ADMIN}, in parallel (and those of ${NEW}, which up creates, once it is known whether it exists)...`,
    );
  });

  test("each check asks Google what the provider's up needs: the parent's project creation, the billing account's link and budget permissions", async () => {
    await run();
    const body = (route: Parameters<typeof world.google.requestsTo>[0]) =>
      world.google.requestsTo(route).map((r) => [r.path, JSON.parse(r.body) as unknown]);
    expect(body("parents.testIamPermissions")).toEqual([
      [`/v3/${FOLDER}:testIamPermissions`, { permissions: ["resourcemanager.projects.create"] }],
    ]);
    expect(body("billingAccounts.testIamPermissions")).toEqual([
      [`/v1/billingAccounts/${ACCOUNT}:testIamPermissions`, { permissions: BILLING_PERMISSIONS }],
    ]);
    expect(world.google.requestsTo("projects.v3.get").map((r) => r.path)).toEqual([
      `/v3/projects/${NEW}`,
    ]);
    expect(world.google.requestsTo("projects.testIamPermissions")).toEqual([]);
  });

  test("pass: a NOT_FOUND is read as the 403 is, free or invisible", async () => {
    world.google.failNext("projects.v3.get", {
      status: 404,
      body: googleError(404, "NOT_FOUND", "Project not found."),
    });
    const { result } = await run();
    expect(check(result, "project-id", NEW)).toMatchObject({
      status: "pass",
      summary: expect.stringContaining("Google answers both with NOT_FOUND"),
    });
  });

  test("fail, not pass: an answer that is not a v3 project is no evidence that the id is free", async () => {
    world.google.failNext("projects.v3.get", { status: 200, body: { projectId: NEW } });
    const { result } = await run();
    expect(check(result, "project-id", NEW)).toMatchObject({
      status: "fail",
      summary: expect.stringMatching(/^Could not read acme-gemini-new: /),
    });
    expect(verdicts(result, NEW)).toEqual(["project-id: fail", "billing-account: pass"]);
  });

  test("the billing check says, whatever it finds, what the account's project quota refusal looks like and where to ask for more", async () => {
    const { result } = await run();
    expect(check(result, "billing-account", NEW).summary).toBe(
      `${ADMIN} may link projects to billingAccounts/${ACCOUNT} and manage its budgets. The account's quota of linked projects cannot be tested: past it (5 on new organizations), linking fails with "Precondition check failed" (GoogleCloudPlatform/pubsec-declarative-toolkit#113, terraform-example-foundation#378); gcloud billing projects link PROJECT --billing-account ${ACCOUNT} names the real limit (terraform-example-foundation#269); request more at https://support.google.com/code/contact/billing_quota_increase.`,
    );
  });

  test("fail: without resourcemanager.projects.create on the folder, with the role to grant and the per-identity project quota", async () => {
    grantElsewhere(FOLDER, []);
    const { result } = await run();
    const c = check(result, "project-parent", NEW);
    expect(c).toMatchObject({
      status: "fail",
      summary: `${ADMIN} may not create projects under ${FOLDER}: it lacks resourcemanager.projects.create there.`,
    });
    expect(c.fix).toBe(
      `Check project.create.parent; grant the caller roles/resourcemanager.projectCreator on ${FOLDER} (gcloud resource-manager folders add-iam-policy-binding 123456789012 --member=serviceAccount:${ADMIN} --role=roles/resourcemanager.projectCreator), or run as someone who holds it. Projects are also counted per creating identity: a new service account may create fewer than the person who set it up (terraform-example-foundation#417); request more at https://support.google.com/code/contact/project_quota_increase.`,
    );
    expect(result.exitCode).toBe(1);
  });

  test("fail: a folder that does not exist, or that the caller may see nothing of, which Google answers alike", async () => {
    world.google.state.parents.delete(FOLDER);
    const { result } = await run();
    expect(check(result, "project-parent", NEW)).toMatchObject({
      status: "fail",
      summary: `${FOLDER} does not exist, or ${ADMIN} may see nothing of it (Google answers both alike): up cannot create ${NEW} there.`,
    });
  });

  test("fail: without billing.resourceAssociations.create on the account, naming the role and the quota refusal", async () => {
    grantElsewhere(
      `billingAccounts/${ACCOUNT}`,
      BILLING_PERMISSIONS.filter((p) => p !== "billing.resourceAssociations.create"),
    );
    const { result } = await run();
    const c = check(result, "billing-account", NEW);
    expect(c).toMatchObject({
      status: "fail",
      summary: `${ADMIN} lacks billing.resourceAssociations.create on billingAccounts/${ACCOUNT}: up cannot link ${NEW} to it.`,
    });
    expect(c.fix).toMatch(
      /^Check project\.create\.billingAccount; grant the caller roles\/billing\.user on the account \(linking\) and roles\/billing\.costsManager \(budgets\) \(gcloud billing accounts add-iam-policy-binding 01A2B3-C4D5E6-F7A8B9 --member=serviceAccount:platform-admin@acme-gemini-ci\.iam\.gserviceaccount\.com --role=roles\/billing\.user\), or run as someone who holds them\. The account's quota .*"Precondition check failed".*billing_quota_increase\.$/,
    );
  });

  test("fail: a billing account the caller holds no role on, or that does not exist", async () => {
    world.google.state.billingAccounts.delete(ACCOUNT);
    const { result } = await run();
    expect(check(result, "billing-account", NEW)).toMatchObject({
      status: "fail",
      summary: `billingAccounts/${ACCOUNT} does not exist, or ${ADMIN} holds no role on it (Google answers both alike): up cannot link ${NEW} to it.`,
    });
  });
});

describe("project.create, when a project has the id", () => {
  test("fail: pending deletion, the id held for 30 days, with undelete and adopt as the fix", async () => {
    existing("DELETE_REQUESTED", OURS);
    const { result } = await run();
    expect(verdicts(result, NEW)).toEqual(["project-id: fail", "billing-account: pass"]);
    expect(check(result, "project-id", NEW)).toMatchObject({
      summary: `${NEW} is DELETE_REQUESTED: a project pending deletion keeps its id for 30 days, and no new project can take it.`,
      fix: `Restore it within those 30 days (gcloud projects undelete ${NEW}) and adopt it (project: {adopt: {}} in stacks/Pulumi.new.yaml), or choose another gcp:project: a deleted project's id is never given to a new one (deploymentmanager-samples#512, terraform-provider-google#1101).`,
    });
  });

  test("fail: an ACTIVE project without this environment's labels has taken it, unless the stack adopts it", async () => {
    existing("ACTIVE", { environment: "new" });
    const { result } = await run();
    expect(check(result, "project-id", NEW)).toMatchObject({
      status: "fail",
      summary: `${NEW} is taken: an ACTIVE project has it under ${FOLDER}, without this environment's labels, and up would fail with 409 "Requested entity already exists".`,
      fix: `If it is this environment's project, adopt it instead: set project: {adopt: {}} in stacks/Pulumi.new.yaml (the kit imports it and never deletes it). Otherwise choose another gcp:project: project ids are global.`,
    });
  });

  test("pass: the project this stack created on an earlier up (its labels and parent say so), and then the checks of any existing project", async () => {
    existing("ACTIVE", OURS);
    const { result } = await run();
    expect(check(result, "project-id", NEW)).toMatchObject({
      status: "pass",
      summary: `${NEW} exists under ${FOLDER} with this environment's labels (environment: new, managed-by: gemini-access-kit): this stack created it on an earlier up, and up manages it.`,
    });
    const ids = result.checks.filter((c) => c.project === NEW).map((c) => c.constraint ?? c.id);
    expect(ids).toEqual(
      expect.arrayContaining(["billing-account", "billing", "permissions", "apis"]),
    );
    expect(ids).not.toContain("project");
    expect(ids).not.toContain("project-parent");
  });

  test("warn: this environment's project under another parent, which up would move", async () => {
    existing("ACTIVE", OURS, { type: "folder", id: "999" });
    const { result } = await run();
    expect(check(result, "project-id", NEW)).toMatchObject({
      status: "warn",
      summary: `${NEW} exists with this environment's labels (environment: new, managed-by: gemini-access-kit), but under folders/999, not ${FOLDER}: up would move it there.`,
    });
  });
});

describe("project.adopt", () => {
  const adopt = (text: string) =>
    text.replace(
      / {2}gemini-access-kit:project:\n[\s\S]*$/,
      "  gemini-access-kit:project:\n    adopt: {}\n",
    );

  test("pass: the project exists and is ACTIVE, and up adopts it; nothing is asked of a parent or billing account", async () => {
    writeStack("new", adopt(STACK).replace(NEW, PROJECT));
    world.google.state.grants.set(ADMIN, [
      { project: PROJECT, permissions: ["resourcemanager.projects.get"] },
    ]);
    const { result } = await run();
    expect(check(result, "project")).toMatchObject({
      status: "pass",
      summary: `${PROJECT} (the stack's project) exists and is ACTIVE: up adopts it, importing it as it is, and never deletes it.`,
    });
    expect(result.checks.map((c) => c.id)).not.toContain("project-parent");
    expect(result.checks.map((c) => c.id)).not.toContain("billing-account");
  });

  test("fail: a project that does not exist cannot be adopted; the fix names create", async () => {
    writeStack("new", adopt(STACK));
    const { result } = await run();
    expect(check(result, "project", NEW)).toMatchObject({
      status: "fail",
      summary: `${NEW} (the stack's project) does not exist, or ${ADMIN} may not see it: adopting needs an existing, ACTIVE project.`,
      fix: "Check gcp:project in stacks/Pulumi.new.yaml; if it is right, the caller needs resourcemanager.projects.get on it (roles/browser, or any role on the project). Google answers the same 403 for a project that does not exist. To have the kit create the project instead, set project: {create: {...}}.",
    });
  });

  test("fail: an adopted project pending deletion, with undelete as the fix", async () => {
    writeStack("new", adopt(STACK));
    existing("DELETE_REQUESTED", {});
    const { result } = await run();
    expect(check(result, "project", NEW)).toMatchObject({
      status: "fail",
      fix: expect.stringContaining(`gcloud projects undelete ${NEW}`),
    });
  });
});

test("an environment whose project the CI stack creates: before the CI stack has run, the fix says to deploy it", async () => {
  writeStack(
    "new",
    STACK.replace(
      "gemini-access-kit:environment: new",
      "gemini-access-kit:environment: new\n  gemini-access-kit:foundation: ci",
    ),
  );
  const { result } = await run();
  expect(verdicts(result, NEW)[0]).toBe("project: fail");
  expect(check(result, "project", NEW).fix).toBe(
    "The CI stack creates acme-gemini-new (project.create in stacks/Pulumi.new.yaml): have an administrator deploy it first (npm run deploy -- --stack ci). If it has, the caller needs resourcemanager.projects.get on it (roles/browser, or any role on the project). Google answers the same 403 for a project that does not exist.",
  );
});
