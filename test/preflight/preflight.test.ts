/**
 * The preflight command's checks, against the fake Google speaking the documented shapes (see
 * the modules of test/helpers/google for each call's source): for each check a project where it
 * passes, one where it warns and one where it fails; Google's error shapes as clear results.
 */

import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEPLOYER_SECRET_PERMISSIONS, PREFLIGHT_READ_PERMISSIONS } from "../../src/ci/grants.ts";
import { readStackFile, stackReader } from "../../src/config/stack-file.ts";
import { neededPermissions } from "../../src/preflight/needs.ts";
import { formatPreflightText } from "../../src/preflight/report.ts";
import { planStack } from "../../src/offline-plan/plan.ts";
import { apiKeyBindingCheck } from "../../src/preflight/checks/key-policies.ts";
import type { PreflightTarget } from "../../src/preflight/targets.ts";
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
import { cloudProject } from "../helpers/google/state.ts";
import { ROOT } from "../helpers/verify-cli.ts";

let world: PreflightWorld;
beforeEach(async () => (world = await startPreflightWorld()));
afterEach(async () => {
  await world.google.close();
  rmSync(world.dir, { recursive: true, force: true });
});

const dev = (...extra: string[]) => preflightInProcess(world, ["--stack", "dev", ...extra]);

/** A throwaway API key string, made here so no fixture holds one. */
const keyString = () => `AIza${randomBytes(27).toString("base64url").slice(0, 35)}`;

function plantApiKey(
  keyId: string,
  displayName: string,
  restrictions?: { apiTargets: { service: string }[] },
  serviceAccountEmail?: string,
): string {
  const key = keyString();
  const now = new Date().toISOString();
  world.google.state.apiKeyRecords.set(keyId, {
    keyId,
    uid: keyId,
    displayName,
    keyString: key,
    createTime: now,
    updateTime: now,
    annotations: {},
    ...(restrictions ? { restrictions } : {}),
    ...(serviceAccountEmail ? { serviceAccountEmail } : {}),
    refusalsLeft: 0,
  });
  return key;
}

describe("the dev stack, as CI's deployer, in a project the CI stack has prepared", () => {
  test("every check passes but the OAuth step, which is pending; exit code 0", async () => {
    const { result } = await dev();
    expect(verdicts(result)).toEqual([
      "project: pass",
      "billing: pass",

      "apis: pass",
      "gcp.restrictServiceUsage: pass",
      "iam.disableServiceAccountKeyCreation: pass",
      "iam.serviceAccountKeyExpiryHours: pass",
      "iam.managed.disableServiceAccountApiKeyCreation: pass",
      "vertexai.allowedModels: pass",
      "iam.allowedPolicyMemberDomains: pass",
      "iam.automaticIamGrantsForDefaultServiceAccounts: pass",
      "api-keys: pass",
      "oauth: warn",
    ]);
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      stack: "dev",
      project: PROJECT,
      caller: "gak-deploy-dev@acme-gemini-ci.iam.gserviceaccount.com",
      counts: { pass: 11, warn: 1, fail: 0 },
    });
  });

  test("each check names the REST calls it made, and the fake saw exactly those", async () => {
    const { result } = await dev();
    expect(check(result, "billing").calls).toEqual([
      `GET cloudbilling.googleapis.com/v1/projects/${PROJECT}/billingInfo`,
    ]);
    expect(check(result, "iam.disableServiceAccountKeyCreation").calls).toEqual([
      `GET orgpolicy.googleapis.com/v2/projects/${PROJECT}/policies/iam.disableServiceAccountKeyCreation:getEffectivePolicy`,
      `GET orgpolicy.googleapis.com/v2/projects/${PROJECT}/policies/iam.managed.disableServiceAccountKeyCreation:getEffectivePolicy`,
    ]);
    const policyReads = world.google
      .requestsTo("effectivePolicy")
      .map((r) => r.path.split("/policies/")[1])
      .sort();
    // One read per constraint, however many checks use it.
    expect(policyReads).toEqual([
      "gcp.restrictServiceUsage:getEffectivePolicy",
      "iam.allowedPolicyMemberDomains:getEffectivePolicy",
      "iam.automaticIamGrantsForDefaultServiceAccounts:getEffectivePolicy",
      "iam.disableServiceAccountKeyCreation:getEffectivePolicy",
      "iam.managed.allowedPolicyMembers:getEffectivePolicy",
      "iam.managed.disableServiceAccountApiKeyCreation:getEffectivePolicy",
      "iam.managed.disableServiceAccountKeyCreation:getEffectivePolicy",
      "iam.managed.preventPrivilegedBasicRolesForDefaultServiceAccounts:getEffectivePolicy",
      "iam.serviceAccountKeyExpiryHours:getEffectivePolicy",
      "vertexai.allowedModels:getEffectivePolicy",
    ]);
    expect(
      world.google.state.requests.filter(
        (r) =>
          r.method !== "GET" &&
          r.route !== "token" &&
          !r.route.includes("testIamPermissions") &&
          r.route !== "services.batchGet",
      ),
    ).toEqual([]);
  });
});

describe("project", () => {
  test("fail: a project that does not exist (Google's 403, the same as one the caller may not see), with the fix", async () => {
    world.google.state.cloudProjects.delete(PROJECT);
    const { result } = await dev();
    const c = check(result, "project");
    expect(c).toMatchObject({
      status: "fail",
      summary: `${PROJECT} (the stack's project) does not exist, or gak-deploy-dev@acme-gemini-ci.iam.gserviceaccount.com may not see it.`,
    });
    expect(c.fix).toContain("Check gcp:project in stacks/Pulumi.dev.yaml");
    expect(result.exitCode).toBe(1);
  });

  test("fail: a project pending deletion, with the undelete command", async () => {
    world.project(PROJECT).lifecycleState = "DELETE_REQUESTED";
    const c = check((await dev()).result, "project");
    expect(c).toMatchObject({
      status: "fail",
      fix: expect.stringContaining(`gcloud projects undelete ${PROJECT}`),
    });
    expect(c.evidence[0]).toContain("lifecycleState DELETE_REQUESTED");
  });
});

describe("billing", () => {
  test("fail: not enabled, and the stack keeps Secret Manager secrets there (the CI stack makes them)", async () => {
    Object.assign(world.project(PROJECT), { billingEnabled: false, billingAccount: undefined });
    const c = check((await dev()).result, "billing");
    expect(c).toMatchObject({
      status: "fail",
      summary: `Billing is not enabled on ${PROJECT}, and the stack keeps Secret Manager secrets there, which need it.`,
      evidence: ["billingEnabled false, no billing account"],
    });
    expect(c.fix).toContain(`gcloud billing projects link ${PROJECT} --billing-account ACCOUNT_ID`);
  });

  test("fail: staging before its OAuth client keeps the client's secret, which the CI stack makes ready for it", async () => {
    const staging = addEnvironment(world, "staging", "345678901234");
    Object.assign(world.project(staging.project), {
      billingEnabled: false,
      billingAccount: undefined,
    });
    const { result } = await preflightInProcess(world, ["--stack", "staging"], {
      GOOGLE_APPLICATION_CREDENTIALS: staging.adc,
    });
    expect(check(result, "billing", staging.project)).toMatchObject({
      status: "fail",
      summary: `Billing is not enabled on ${staging.project}, and the stack keeps Secret Manager secrets there, which need it.`,
    });
  });

  test("warn: the Cloud Billing API is not enabled in the project the calls are billed to, with the command that enables it", async () => {
    world.project(CI_PROJECT).services.delete("cloudbilling.googleapis.com");
    const c = check((await dev()).result, "billing");
    expect(c.status).toBe("warn");
    expect(c.summary).toMatch(/^Could not read the billing of acme-gemini-dev: /);
    expect(c.evidence[0]).toMatch(/^SERVICE_DISABLED: /);
    expect(c.fix).toBe(
      "Enable cloudbilling.googleapis.com in projects/210987654321, the project these calls are billed to: gcloud services enable cloudbilling.googleapis.com --project 210987654321. With user credentials you may name another project to bill instead: --project PROJECT.",
    );
  });
});

describe("org-policy iam.disableServiceAccountKeyCreation (the dev stack issues a key)", () => {
  test("warn: an organization that blocks key creation (Google's default since May 2024) does not stop up, which makes no key; the rotator's run is named as what fails, with both ways out", async () => {
    world.policy("iam.disableServiceAccountKeyCreation", { rules: [{ enforce: true }] });
    const { result } = await dev();
    const c = check(result, "iam.disableServiceAccountKeyCreation");
    expect(c.status).toBe("warn");
    expect(c.summary).toBe(
      `iam.disableServiceAccountKeyCreation is enforced on ${PROJECT}: up succeeds, but the rotator cannot make the keys the stack issues for gak-runtime-dev@${PROJECT}.iam.gserviceaccount.com (npm run rotate reads the same policies first and fails those keys with KEY_CREATION_BLOCKED, making nothing).`,
    );
    expect(c.fix).toContain("in stacks/Pulumi.dev.yaml set createKey: false");
    expect(c.fix).toContain(
      `gcloud org-policies reset iam.disableServiceAccountKeyCreation --project ${PROJECT}`,
    );
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
  });

  test("warn: the managed constraint alone blocks it too", async () => {
    world.policy("iam.managed.disableServiceAccountKeyCreation", { rules: [{ enforce: true }] });
    expect(check((await dev()).result, "iam.disableServiceAccountKeyCreation").summary).toMatch(
      /^iam\.managed\.disableServiceAccountKeyCreation is enforced/,
    );
  });

  test("pass: a policy that does not enforce it", async () => {
    world.policy("iam.disableServiceAccountKeyCreation", { rules: [{ enforce: false }] });
    expect(check((await dev()).result, "iam.disableServiceAccountKeyCreation").status).toBe("pass");
  });

  test("not run for a keyless stack (staging)", async () => {
    const staging = addEnvironment(world, "staging", "345678901234");
    world.policy(
      "iam.disableServiceAccountKeyCreation",
      { rules: [{ enforce: true }] },
      staging.project,
    );
    const { result } = await preflightInProcess(world, ["--stack", "staging"], {
      GOOGLE_APPLICATION_CREDENTIALS: staging.adc,
    });
    expect(result.checks.map((c) => c.constraint)).not.toContain(
      "iam.disableServiceAccountKeyCreation",
    );
  });
});

describe("org-policy iam.managed.disableServiceAccountApiKeyCreation (the dev stack binds an API key to an account)", () => {
  test("warn: no policy sets it, so Google's default enforces it; Google's statement that Gemini-restricted keys are exempt is cited", async () => {
    world.project(PROJECT).policies.delete("iam.managed.disableServiceAccountApiKeyCreation");
    const c = check((await dev()).result, "iam.managed.disableServiceAccountApiKeyCreation");
    expect(c).toMatchObject({
      status: "warn",
      summary: expect.stringContaining("(Google enforces it by default)"),
    });
    expect(c.fix).toContain("googleapis/python-genai#2391");
  });

  test("warn, not pass: enforced by a policy whatever its rule carries, since no Google page documents a parameter that exempts a service; the fix is enforce: false", async () => {
    world.policy("iam.managed.disableServiceAccountApiKeyCreation", {
      rules: [
        { enforce: true, parameters: { allowedServices: ["generativelanguage.googleapis.com"] } },
      ],
    });
    const c = check((await dev()).result, "iam.managed.disableServiceAccountApiKeyCreation");
    expect(c.status).toBe("warn");
    expect(c.summary).not.toContain("(Google enforces it by default)");
    expect(c.evidence.join(" ")).toContain("allowedServices");
    expect(c.fix).toContain("enforce: false for this project");
    expect(c.fix).not.toContain("allowedServices");
  });

  test("warn for a Vertex key too, saying Google's statement names only Gemini-restricted keys, not aiplatform ones", async () => {
    const c = await apiKeyBindingCheck(() => Promise.resolve([]), {
      stackFile: "stacks/Pulumi.vx.yaml",
      apiKey: {
        project: PROJECT,
        account: `gak-runtime-dev@${PROJECT}.iam.gserviceaccount.com`,
        services: ["aiplatform.googleapis.com"],
      },
    } as PreflightTarget);
    expect(c.status).toBe("warn");
    expect(c.summary).toContain(
      "that statement does not name aiplatform.googleapis.com, which vertex.apiKey's key is restricted to",
    );
    expect(c.fix).toContain("or drop vertex.apiKey from stacks/Pulumi.vx.yaml");
  });

  test("pass: a policy sets it to enforce: false", async () => {
    expect(
      check((await dev()).result, "iam.managed.disableServiceAccountApiKeyCreation").status,
    ).toBe("pass");
  });
});

describe("org-policy iam.serviceAccountKeyExpiryHours", () => {
  test("fail: keys expire after 720 h, before a 30-day rotation retires them (61 days); the fix gives the longest period that fits", async () => {
    world.policy("iam.serviceAccountKeyExpiryHours", {
      rules: [{ values: { allowedValues: ["720h"] } }],
    });
    const c = check((await dev()).result, "iam.serviceAccountKeyExpiryHours");
    expect(c).toMatchObject({
      status: "fail",
      summary:
        "Keys expire after 720 h, before the rotator retires them: a key of this stack is in use for up to 1464 h (keyRotationDays 30).",
    });
    expect(c.fix).toBe(
      "Set keyRotationDays to 14 or less in stacks/Pulumi.dev.yaml, or have an organization policy administrator allow a longer expiry for this project.",
    );
  });

  test("fail: 24 h leaves no rotation period: the fix is the keyless path", async () => {
    world.policy("iam.serviceAccountKeyExpiryHours", {
      rules: [{ values: { allowedValues: ["24h"] } }],
    });
    expect(check((await dev()).result, "iam.serviceAccountKeyExpiryHours").fix).toMatch(
      /^No rotation period fits 24 h: take the keyless path/,
    );
  });

  test("pass: 2160 h (90 days) outlives the 61 days a key is in use", async () => {
    world.policy("iam.serviceAccountKeyExpiryHours", {
      rules: [{ values: { allowedValues: ["2160h"] } }],
    });
    expect(check((await dev()).result, "iam.serviceAccountKeyExpiryHours").status).toBe("pass");
  });
});

describe("org-policy iam.allowedPolicyMemberDomains", () => {
  test("warn: a domain restriction, listing every member the stack grants that is not one of its own accounts", async () => {
    world.policy("iam.allowedPolicyMemberDomains", {
      rules: [{ values: { allowedValues: ["is:C03xgje4y"] } }],
    });
    const c = check((await dev()).result, "iam.allowedPolicyMemberDomains");
    expect(c).toMatchObject({
      status: "warn",
      summary: `${PROJECT} restricts IAM members to the customers C03xgje4y; the stack grants 1 member that may fall outside.`,
    });
    expect(c.evidence.slice(2)).toEqual(["granted: group:gemini-dev@example.com"]);
    expect(c.fix).toContain(
      "One or more users named in the policy do not belong to a permitted customer",
    );
  });

  test("pass: allowAll", async () => {
    world.policy("iam.allowedPolicyMemberDomains", { rules: [{ allowAll: true }] });
    expect(check((await dev()).result, "iam.allowedPolicyMemberDomains").status).toBe("pass");
  });

  test("warn: its managed counterpart alone (newer organizations set iam.managed.allowedPolicyMembers), with what it allows", async () => {
    world.policy("iam.managed.allowedPolicyMembers", {
      rules: [
        {
          enforce: true,
          parameters: {
            allowedPrincipalSets: [
              "//cloudresourcemanager.googleapis.com/organizations/246813579024",
            ],
          },
        },
      ],
    });
    const c = check((await dev()).result, "iam.allowedPolicyMemberDomains");
    expect(c).toMatchObject({
      status: "warn",
      summary: `${PROJECT} restricts IAM members to what iam.managed.allowedPolicyMembers allows (//cloudresourcemanager.googleapis.com/organizations/246813579024); the stack grants 1 member that may fall outside.`,
      calls: [
        `GET orgpolicy.googleapis.com/v2/projects/${PROJECT}/policies/iam.allowedPolicyMemberDomains:getEffectivePolicy`,
        `GET orgpolicy.googleapis.com/v2/projects/${PROJECT}/policies/iam.managed.allowedPolicyMembers:getEffectivePolicy`,
      ],
    });
    expect(c.evidence).toContain("granted: group:gemini-dev@example.com");
  });

  test("pass: the managed counterpart lists the member the stack grants by name", async () => {
    world.policy("iam.managed.allowedPolicyMembers", {
      rules: [
        { enforce: true, parameters: { allowedMemberSubjects: ["group:gemini-dev@example.com"] } },
      ],
    });
    expect(check((await dev()).result, "iam.allowedPolicyMemberDomains").status).toBe("pass");
  });
});

describe("org-policy gcp.restrictServiceUsage", () => {
  test("fail: the Gemini API denied", async () => {
    world.policy("gcp.restrictServiceUsage", {
      rules: [{ values: { deniedValues: ["generativelanguage.googleapis.com"] } }],
    });
    const c = check((await dev()).result, "gcp.restrictServiceUsage");
    expect(c).toMatchObject({
      status: "fail",
      summary: `gcp.restrictServiceUsage denies generativelanguage.googleapis.com in ${PROJECT}, which the stack needs.`,
    });
  });

  test("fail: an allow list without Vertex AI, Secret Manager and API Keys (IAM is always allowed)", async () => {
    world.policy("gcp.restrictServiceUsage", {
      rules: [
        {
          values: {
            allowedValues: [
              "generativelanguage.googleapis.com",
              "cloudresourcemanager.googleapis.com",
              "iamcredentials.googleapis.com",
            ],
          },
        },
      ],
    });
    expect(check((await dev()).result, "gcp.restrictServiceUsage").summary).toBe(
      `gcp.restrictServiceUsage denies aiplatform.googleapis.com, apikeys.googleapis.com, secretmanager.googleapis.com in ${PROJECT}, which the stack needs.`,
    );
  });

  test("pass: an allow list with every API the stack needs", async () => {
    world.policy("gcp.restrictServiceUsage", {
      rules: [
        {
          values: {
            allowedValues: [
              "aiplatform.googleapis.com",
              "apikeys.googleapis.com",
              "cloudresourcemanager.googleapis.com",
              "generativelanguage.googleapis.com",
              "iamcredentials.googleapis.com",
              "secretmanager.googleapis.com",
            ],
          },
        },
      ],
    });
    expect(check((await dev()).result, "gcp.restrictServiceUsage").status).toBe("pass");
  });
});

describe("org-policy vertexai.allowedModels (the dev stack targets both and names no model)", () => {
  const FLASH = "publishers/google/models/gemini-3.8-flash:predict";

  test("fail: an allow list without the model verify calls, with the constraint and the value to add", async () => {
    world.policy("vertexai.allowedModels", {
      rules: [{ values: { allowedValues: ["publishers/google/models/gemini-3.8-pro:predict"] } }],
    });
    const c = check((await dev()).result, "vertexai.allowedModels");
    expect(c).toMatchObject({
      status: "fail",
      summary: `vertexai.allowedModels does not allow gemini-3.8-flash in ${PROJECT} (the model verify calls when the stack names none): every call to it fails with FAILED_PRECONDITION.`,
      calls: [
        `GET orgpolicy.googleapis.com/v2/projects/${PROJECT}/policies/vertexai.allowedModels:getEffectivePolicy`,
      ],
    });
    expect(c.fix).toContain(
      `add ${FLASH} to the allowed values of constraints/vertexai.allowedModels for projects/${PROJECT}`,
    );
    expect(c.fix).toContain("vertex.models in stacks/Pulumi.dev.yaml");
    expect(c.evidence).toEqual([
      "vertexai.allowedModels: rules {allowedValues: publishers/google/models/gemini-3.8-pro:predict}",
    ]);
  });

  test("fail: the model denied, even where others are allowed", async () => {
    world.policy("vertexai.allowedModels", {
      rules: [{ values: { deniedValues: [FLASH] } }],
    });
    expect(check((await dev()).result, "vertexai.allowedModels").status).toBe("fail");
  });

  test("pass: an allow list with the model for predict, written with or without the is: prefix", async () => {
    for (const value of [FLASH, `is:${FLASH}`]) {
      world.policy("vertexai.allowedModels", { rules: [{ values: { allowedValues: [value] } }] });
      expect(check((await dev()).result, "vertexai.allowedModels").status).toBe("pass");
    }
  });

  test("fail: a model allowed only for another action, such as tuning, is not callable", async () => {
    world.policy("vertexai.allowedModels", {
      rules: [{ values: { allowedValues: ["publishers/google/models/gemini-3.8-flash:tune"] } }],
    });
    expect(check((await dev()).result, "vertexai.allowedModels").status).toBe("fail");
  });
});

describe("org-policy gcp.restrictServiceUsage and Vertex AI", () => {
  test("fail: aiplatform denied, which a stack that targets Vertex needs", async () => {
    world.policy("gcp.restrictServiceUsage", {
      rules: [{ values: { deniedValues: ["aiplatform.googleapis.com"] } }],
    });
    expect(check((await dev()).result, "gcp.restrictServiceUsage")).toMatchObject({
      status: "fail",
      summary: `gcp.restrictServiceUsage denies aiplatform.googleapis.com in ${PROJECT}, which the stack needs.`,
    });
  });
});

describe("org-policy iam.automaticIamGrantsForDefaultServiceAccounts", () => {
  test("warn: not enforced (no policy sets it), with the fix", async () => {
    world.project(PROJECT).policies.delete("iam.automaticIamGrantsForDefaultServiceAccounts");
    const c = check((await dev()).result, "iam.automaticIamGrantsForDefaultServiceAccounts");
    expect(c).toMatchObject({
      status: "warn",
      summary: expect.stringContaining("gets roles/editor on the project"),
    });
    expect(c.fix).toContain(
      "enforce: true for iam.managed.preventPrivilegedBasicRolesForDefaultServiceAccounts",
    );
  });

  test("pass: its managed counterpart enforced instead, as newer organizations set it", async () => {
    world.project(PROJECT).policies.delete("iam.automaticIamGrantsForDefaultServiceAccounts");
    world.policy("iam.managed.preventPrivilegedBasicRolesForDefaultServiceAccounts", {
      rules: [{ enforce: true }],
    });
    const c = check((await dev()).result, "iam.automaticIamGrantsForDefaultServiceAccounts");
    expect(c).toMatchObject({
      status: "pass",
      summary: `Default service accounts in ${PROJECT} get no Editor grant (iam.managed.preventPrivilegedBasicRolesForDefaultServiceAccounts enforced).`,
    });
  });
});

describe("org policies Google will not show the caller", () => {
  test("warn, never a crash: a 403 on the Organization Policy API, each affected check saying what it needs", async () => {
    world.google.state.grants.set(
      "gak-deploy-dev@acme-gemini-ci.iam.gserviceaccount.com",
      (
        world.google.state.grants.get("gak-deploy-dev@acme-gemini-ci.iam.gserviceaccount.com") ?? []
      ).map((g) => ({
        ...g,
        permissions: g.permissions.filter((p) => p !== "orgpolicy.policy.get"),
      })),
    );
    const { result } = await dev();
    const policyChecks = result.checks.filter((c) => c.id === "org-policy");
    expect(policyChecks).toHaveLength(7);
    for (const c of policyChecks) {
      expect(c.status).toBe("warn");
      expect(c.evidence[0]).toMatch(/^PERMISSION_DENIED: /);
      expect(c.fix).toContain("orgpolicy.policy.get");
    }
    expect(result.exitCode).toBe(0);
  });

  test("warn: the Organization Policy API answers something that is not a policy", async () => {
    world.google.failNext(
      "effectivePolicy",
      ...Array.from({ length: 9 }, () => ({ status: 200, raw: "<html>proxy login</html>" })),
    );
    const { result } = await dev();
    for (const c of result.checks.filter((x) => x.id === "org-policy"))
      expect([c.constraint, c.status]).toEqual([c.constraint, "warn"]);
  });
});

describe("what Google sends is shown, never obeyed", () => {
  test("A13: a billing account name with a newline cannot print a line of its own in the report", async () => {
    world.project(PROJECT).billingAccount = "billingAccounts/01A2B3\nPASS  project: forged";
    const { result } = await dev();
    const text = formatPreflightText(result);
    expect(text).not.toMatch(/^ *PASS {2}project: forged/m);
    expect(text).toContain("billingAccounts/01A2B3 PASS  project: forged");
  });
});

describe("a Google that does not answer", () => {
  test("P1: every API answering 503 fails the checks of whether up can succeed, so the gate does not pass; the advisory checks warn", async () => {
    const unavailable = {
      status: 503,
      body: { error: { code: 503, message: "Unavailable.", status: "UNAVAILABLE" } },
    };
    for (const route of [
      "projects.get",
      "billingInfo",
      "projects.testIamPermissions",
      "services.batchGet",
      "effectivePolicy",
      "apiKeys.list",
    ] as const)
      world.google.failNext(route, ...Array.from({ length: 40 }, () => unavailable));
    const { result } = await dev("--retries", "0");
    expect(result).toMatchObject({ ok: false, exitCode: 1 });
    expect(
      Object.fromEntries(result.checks.map((c) => [c.constraint ?? c.id, c.status])),
    ).toMatchObject({
      project: "fail",
      billing: "fail",
      apis: "fail",
      "iam.disableServiceAccountKeyCreation": "warn",
      "api-keys": "warn",
    });
    expect(check(result, "project").fix).toMatch(
      /Until Google answers, preflight cannot say whether up would succeed: run it again\.$/,
    );
  });
});

describe("permissions (prod, whose up writes the OAuth client into the secret the CI stack made)", () => {
  const prodDeployer = "gak-deploy-prod@acme-gemini-ci.iam.gserviceaccount.com";
  const CLIENT = "gak-oauth-client-prod";

  async function prod(options: { secret?: boolean } = {}) {
    const env = addEnvironment(world, "prod", "456789012345");
    if (options.secret ?? true)
      world.google.addSecret(`projects/${env.project}/secrets/${CLIENT}`, undefined, []);
    const { result } = await preflightInProcess(world, ["--stack", "prod"], {
      GOOGLE_APPLICATION_CREDENTIALS: env.adc,
    });
    return { result, project: env.project, c: check(result, "permissions", env.project) };
  }

  test("pass: the deployer holds the client secret's versions through its conditioned role", async () => {
    const { c, project } = await prod();
    expect(c).toMatchObject({
      status: "pass",
      summary: `${prodDeployer} holds all 6 permissions up of this stack needs in ${project}.`,
    });
  });

  test("fail: the deployer without its conditioned role, each missing permission listed on the secret, the fix the CI stack", async () => {
    const env = addEnvironment(world, "prod", "456789012345");
    world.google.addSecret(`projects/${env.project}/secrets/${CLIENT}`, undefined, []);
    world.google.state.grants.set(
      prodDeployer,
      world.google.state.grants.get(prodDeployer)!.filter((g) => g.secretPrefix === undefined),
    );
    const { result } = await preflightInProcess(world, ["--stack", "prod"], {
      GOOGLE_APPLICATION_CREDENTIALS: env.adc,
    });
    const c = check(result, "permissions", env.project);
    expect(c.status).toBe("fail");
    expect(c.summary).toContain(`secretmanager.versions.add (on secret ${CLIENT})`);
    expect(c.fix).toBe(
      "CI's deployer holds exactly these through the CI stack: have an administrator deploy it (npm run deploy -- --stack ci), or run as an identity that holds them.",
    );
  });

  test("fail: the client's secret does not exist, since an administrator has not applied the CI stack that makes it", async () => {
    const { c, result } = await prod({ secret: false });
    expect(c).toMatchObject({
      status: "fail",
      summary: `${CLIENT} does not exist in acme-gemini-prod: the CI stack makes it, and up writes into it.`,
      fix: "Have an administrator deploy the CI stack first (npm run deploy -- --stack ci).",
    });
    expect(result).toMatchObject({ ok: false, exitCode: 1 });
  });

  test("pass: rights held on the project itself need no look at the secret", async () => {
    const env = addEnvironment(world, "prod", "456789012345");
    world.google.addSecret(`projects/${env.project}/secrets/${CLIENT}`, undefined, []);
    const all = world.google.state.grants.get(prodDeployer)!.flatMap((g) => g.permissions);
    world.google.state.grants.set(prodDeployer, [{ project: env.project, permissions: all }]);
    const { result } = await preflightInProcess(world, ["--stack", "prod"], {
      GOOGLE_APPLICATION_CREDENTIALS: env.adc,
    });
    const c = check(result, "permissions", env.project);
    expect(c.status).toBe("pass");
    expect(c.calls).toEqual([
      `POST cloudresourcemanager.googleapis.com/v1/projects/${env.project}:testIamPermissions`,
    ]);
  });
});

describe("apis", () => {
  test("fail: an API not enabled, for a stack whose foundation is the CI stack's", async () => {
    world.project(PROJECT).services.delete("generativelanguage.googleapis.com");
    const c = check((await dev()).result, "apis");
    expect(c).toMatchObject({
      status: "fail",
      evidence: [expect.any(String), "not enabled: generativelanguage.googleapis.com"],
      fix: "The CI stack enables them: have an administrator deploy it first (npm run deploy -- --stack ci).",
    });
  });

  test("warn: Service Usage not enabled where the calls are billed", async () => {
    world.project(CI_PROJECT).services.delete("serviceusage.googleapis.com");
    expect(check((await dev()).result, "apis")).toMatchObject({
      status: "warn",
      fix: expect.stringContaining(
        "gcloud services enable serviceusage.googleapis.com --project 210987654321",
      ),
    });
  });
});

describe("api-keys", () => {
  test("warn: an unrestricted key and an unbound Gemini-restricted key are named; no key string is printed", async () => {
    const strings = [
      plantApiKey("k-open", "Browser demo"),
      plantApiKey("k-gemini", "Old Gemini key", {
        apiTargets: [{ service: "generativelanguage.googleapis.com" }],
      }),
      plantApiKey(
        "k-bound",
        "Bound",
        { apiTargets: [{ service: "generativelanguage.googleapis.com" }] },
        `gak-runtime-dev@${PROJECT}.iam.gserviceaccount.com`,
      ),
      plantApiKey("k-maps", "Maps", { apiTargets: [{ service: "maps-backend.googleapis.com" }] }),
    ];
    const { result } = await dev();
    const c = check(result, "api-keys");
    expect(c.status).toBe("warn");
    expect(c.evidence).toEqual([
      expect.stringMatching(/\/keys\/k-open \("Browser demo"\): no API restriction$/),
      expect.stringMatching(
        /\/keys\/k-gemini \("Old Gemini key"\): restricted to generativelanguage.googleapis.com, bound to no account$/,
      ),
    ]);
    const everything = JSON.stringify(result);
    for (const s of strings) expect(everything).not.toContain(s);
    expect(world.google.requestsTo("apiKeys.keyString")).toEqual([]);
  });

  test("pass: only keys that cannot reach the Gemini API unbound", async () => {
    plantApiKey("k-maps", "Maps", { apiTargets: [{ service: "maps-backend.googleapis.com" }] });
    expect(check((await dev()).result, "api-keys")).toMatchObject({
      status: "pass",
      evidence: ["1 key listed"],
    });
  });
});

describe("oauth (nothing to ask Google: the stack's outputs say)", () => {
  test("pass: the outputs say the client is stored", async () => {
    const outputs = writeOutputs({
      oauthClient: { status: "stored" },
      manualSteps: [
        { id: "oauth-desktop-client", status: "done", title: "Create the Desktop OAuth client" },
      ],
    });
    expect(check((await dev("--outputs", outputs)).result, "oauth")).toMatchObject({
      status: "pass",
      evidence: ["done: Create the Desktop OAuth client"],
    });
  });

  test("warn: pending, as the committed config says when there are no outputs", async () => {
    const c = check((await dev()).result, "oauth");
    expect(c).toMatchObject({
      status: "warn",
      fix: expect.stringContaining(
        "pulumi config set --secret --stack dev gemini-access-kit:oauthClientJson < client_secret.json",
      ),
    });
    expect(c.summary).toContain("the committed config");
  });

  test("fail: prod requires the client and has none", async () => {
    const prod = addEnvironment(world, "prod", "456789012345");
    const { result } = await preflightInProcess(world, ["--stack", "prod"], {
      GOOGLE_APPLICATION_CREDENTIALS: prod.adc,
    });
    expect(check(result, "oauth", prod.project)).toMatchObject({
      status: "fail",
      summary: expect.stringContaining("oauthClientRequired: true"),
    });
    expect(result.exitCode).toBe(1);
  });

  test("bad input, before any call to Google: an --outputs file that is not JSON", async () => {
    const outputs = writeOutputs("not json");
    await expect(dev("--outputs", outputs)).rejects.toMatchObject({
      exitCode: 2,
      message: `${outputs} is not a JSON object.`,
    });
    expect(world.google.state.requests).toEqual([]);
  });
});

// ---- helpers --------------------------------------------------------------------------------------

function writeOutputs(value: unknown): string {
  const path = join(world.dir, `outputs-${randomBytes(4).toString("hex")}.json`);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

/** Another environment's project, ready as dev's is, and its deployer's key file. */
function addEnvironment(
  w: PreflightWorld,
  env: string,
  number: string,
): { project: string; adc: string } {
  const project = `acme-gemini-${env}`;
  w.google.state.cloudProjects.set(project, cloudProject(project, number, DEV_APIS));
  w.google.state.projects.set(number, project);
  w.project(project).policies.set("iam.automaticIamGrantsForDefaultServiceAccounts", {
    rules: [{ enforce: true }],
  });
  const email = `gak-deploy-${env}@acme-gemini-ci.iam.gserviceaccount.com`;
  const key = w.google.addServiceAccount(email, CI_PROJECT);
  w.google.state.grants.set(email, [
    { project, permissions: [...PREFLIGHT_READ_PERMISSIONS] },
    {
      project,
      permissions: [...DEPLOYER_SECRET_PERMISSIONS],
      secretPrefix: "gak-oauth-client-",
    },
  ]);
  const adc = join(w.dir, `${env}-deployer.json`);
  writeFileSync(adc, key.file);
  return { project, adc };
}

describe("the ci stack: every project it acts in, the CI project first", () => {
  const ADMIN = "platform-admin@acme-gemini-ci.iam.gserviceaccount.com";

  /** The folder and billing account staging's and prod's stack files create their projects with. */
  const FOLDER = "folders/384950617283";
  const ACCOUNT = "01A2B3-C4D5E6-F7A8B9";

  /**
   * The administrator, holding what the plan says up needs (less `drop`), after the CI stack's
   * first up (the projects it creates exist, labelled as their environment's), or before it
   * (`firstUp`: they do not exist yet).
   */
  async function asAdmin(drop?: string, firstUp = false) {
    const plan = await planStack({
      stack: "ci",
      stackFile: "stacks/Pulumi.ci.yaml",
      file: readStackFile(ROOT, "ci"),
      readStack: stackReader(ROOT, (p) => readFileSync(p, "utf8")),
    });
    for (const [env, number] of [
      ["staging", "345678901234"],
      ["prod", "456789012345"],
    ] as const) {
      const { project } = addEnvironment(world, env, number);
      if (firstUp) world.google.state.cloudProjects.delete(project);
      else
        Object.assign(world.project(project), {
          parent: { type: "folder", id: FOLDER.split("/")[1]! },
          labels: { environment: env, "managed-by": "gemini-access-kit" },
        });
    }
    world.google.state.parents.add(FOLDER);
    world.google.state.billingAccounts.add(ACCOUNT);
    const needs = neededPermissions(plan.resources, plan.project);
    world.google.state.resourceGrants.set(
      ADMIN,
      needs.flatMap((n) =>
        [...n.elsewhere].map(([resource, permissions]) => ({
          resource,
          permissions: permissions.filter((p) => p !== drop),
        })),
      ),
    );
    for (const p of world.google.state.cloudProjects.values())
      p.policies.set("iam.automaticIamGrantsForDefaultServiceAccounts", {
        rules: [{ enforce: true }],
      });
    const key = world.google.addServiceAccount(ADMIN, CI_PROJECT);
    world.google.state.grants.set(
      ADMIN,
      needs.map((n) => ({
        project: n.project,
        permissions: [
          ...new Set([
            ...n.permissions,
            ...[...n.secrets.values()].flat(),
            ...PREFLIGHT_READ_PERMISSIONS,
          ]),
        ].filter((p) => p !== drop),
      })),
    );
    const adc = join(world.dir, "admin.json");
    writeFileSync(adc, key.file);
    return preflightInProcess(world, ["--stack", "ci"], { GOOGLE_APPLICATION_CREDENTIALS: adc });
  }

  test("an administrator holding what the CI stack's up needs: each project's checks pass", async () => {
    const { result } = await asAdmin();
    expect([...new Set(result.checks.map((c) => c.project))]).toEqual([
      CI_PROJECT,
      "acme-gemini-dev",
      "acme-gemini-prod",
      "acme-gemini-staging",
    ]);
    expect(
      result.checks
        .filter((c) => c.status !== "pass")
        .map((c) => `${c.constraint ?? c.id}@${c.project}: ${c.status}`),
    ).toEqual([]);
    // The CI stack enables APIs itself: none is checked as a foundation another stack must apply.
    expect(check(result, "apis", CI_PROJECT).summary).toMatch(
      /^All \d+ APIs the stack needs are enabled in acme-gemini-ci\.$/,
    );
  });

  test("before its first up, the projects it creates are checked for their id, their parent and their billing account alone", async () => {
    const { result } = await asAdmin(undefined, true);
    for (const project of ["acme-gemini-prod", "acme-gemini-staging"])
      expect([project, verdicts(result, project).filter((v) => !v.includes("@"))]).toEqual([
        project,
        ["project-id: pass", "billing-account: pass", "project-parent: pass"],
      ]);
    expect(result.exitCode).toBe(0);
  });

  test("fail: without billing.budgets.create on the account, prod's budget is named", async () => {
    const { result } = await asAdmin("billing.budgets.create");
    expect(check(result, "billing-account", "acme-gemini-prod")).toMatchObject({
      status: "fail",
      summary: `${ADMIN} lacks billing.budgets.create on billingAccounts/${ACCOUNT}: up cannot manage its budget.`,
    });
    expect(check(result, "billing-account", "acme-gemini-staging").status).toBe("pass");
  });

  test("fail: without permission to create workload identity pools in the CI project, named", async () => {
    const { result } = await asAdmin("iam.workloadIdentityPools.create");
    const c = check(result, "permissions", CI_PROJECT);
    expect(c.summary).toBe(
      `${ADMIN} lacks 1 permission that up of this stack needs in ${CI_PROJECT}: iam.workloadIdentityPools.create.`,
    );
    expect(c.fix).toMatch(/^Grant them to platform-admin@/);
  });
});

describe("a stack that applies its own foundation (foundation: stack)", () => {
  test("pass: APIs not yet enabled are ones up enables; the permissions include enabling them and creating the accounts", async () => {
    const root = join(world.dir, "project");
    mkdirSync(join(root, "stacks"), { recursive: true });
    writeFileSync(
      join(root, "stacks", "Pulumi.dev.yaml"),
      readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8").replace(
        "gemini-access-kit:foundation: ci",
        "gemini-access-kit:foundation: stack",
      ),
    );
    world.root = root;
    world.project(PROJECT).services.delete("generativelanguage.googleapis.com");
    const { result } = await dev();
    expect(check(result, "apis")).toMatchObject({
      status: "pass",
      summary: `6 of 7 APIs are enabled in ${PROJECT}; up enables generativelanguage.googleapis.com.`,
    });
    const c = check(result, "permissions");
    expect(c.status).toBe("fail");
    for (const p of [
      "serviceusage.services.enable",
      "iam.serviceAccounts.create",
      "resourcemanager.projects.setIamPolicy",
    ])
      expect(c.summary).toContain(p);
    expect(c.fix).toMatch(/^Grant them to gak-deploy-dev@/);
  });
});

describe("what preflight tests is what CI grants", () => {
  test("prod's needs in its project are the OAuth client's versions alone, which the deployer's workload role holds", async () => {
    const plan = await planStack({
      stack: "prod",
      stackFile: "stacks/Pulumi.prod.yaml",
      file: readStackFile(ROOT, "prod"),
      readStack: stackReader(ROOT, (p) => readFileSync(p, "utf8")),
    });
    const [needs, ...others] = neededPermissions(plan.resources, plan.project);
    expect(others).toEqual([]);
    expect(needs!.permissions).toEqual([]);
    expect([...needs!.secrets.keys()]).toEqual(["gak-oauth-client-prod"]);
    for (const perms of needs!.secrets.values())
      expect([...perms].sort()).toEqual([...DEPLOYER_SECRET_PERMISSIONS].sort());
  });

  test("the CI stack's administrator needs, to create staging's and prod's projects, project creation on their folder and linking on the billing account (and prod's budget there); adopting dev's needs only reading it", async () => {
    const plan = await planStack({
      stack: "ci",
      stackFile: "stacks/Pulumi.ci.yaml",
      file: readStackFile(ROOT, "ci"),
      readStack: stackReader(ROOT, (p) => readFileSync(p, "utf8")),
    });
    const needs = new Map(
      neededPermissions(plan.resources, plan.project).map((n) => [n.project, n]),
    );
    const elsewhere = (project: string) => Object.fromEntries(needs.get(project)!.elsewhere);
    expect(elsewhere("acme-gemini-prod")).toEqual({
      "billingAccounts/01A2B3-C4D5E6-F7A8B9": [
        "billing.budgets.create",
        "billing.budgets.delete",
        "billing.budgets.get",
        "billing.budgets.update",
        "billing.resourceAssociations.create",
      ],
      "folders/384950617283": ["resourcemanager.projects.create"],
    });
    expect(elsewhere("acme-gemini-staging")).toEqual({
      "billingAccounts/01A2B3-C4D5E6-F7A8B9": ["billing.resourceAssociations.create"],
      "folders/384950617283": ["resourcemanager.projects.create"],
    });
    expect(elsewhere("acme-gemini-dev")).toEqual({});
    expect(needs.get("acme-gemini-prod")!.permissions).toEqual(
      expect.arrayContaining([
        "essentialcontacts.contacts.create",
        "iam.serviceAccounts.list",
        "resourcemanager.projects.createBillingAssignment",
        "resourcemanager.projects.update",
        "resourcemanager.projects.updateLiens",
      ]),
    );
    expect(needs.get("acme-gemini-staging")!.permissions).not.toContain(
      "resourcemanager.projects.updateLiens",
    );
  });

  test("dev, whose secrets and readers the CI stack applies, needs nothing of its deployer but preflight's reads", async () => {
    const plan = await planStack({
      stack: "dev",
      stackFile: "stacks/Pulumi.dev.yaml",
      file: readStackFile(ROOT, "dev"),
      readStack: stackReader(ROOT, (p) => readFileSync(p, "utf8")),
    });
    expect(neededPermissions(plan.resources, plan.project)).toEqual([]);
  });
});
