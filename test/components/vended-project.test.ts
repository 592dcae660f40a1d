/**
 * A stack that vends its project (foundation: stack, so the stack itself does it), run under
 * Pulumi's mocks: what `up` would create for `project.create`, and what it would import for
 * `project.adopt`.
 */

import type { KitConfig } from "../../src/config/index.ts";
import { buildStack } from "../../src/program.ts";
import { PROJECT_NUMBER } from "../helpers/fake-cloud.ts";
import { baseRaw, mustParse, PROJECT } from "../helpers/fixtures.ts";
import { criticalPath, runMocked, waitsFor } from "../helpers/mocks.ts";

const NS = "gemini-access-kit";
const PROJECT_TYPE = "gcp:organizations/project:Project";
const CREATE = {
  parent: "folders/123456789012",
  billingAccount: "01A2B3-C4D5E6-F7A8B9",
  labels: { team: "platform" },
  contacts: {
    "security@example.com": ["SECURITY", "SUSPENSION"],
    "billing@example.com": ["BILLING"],
  },
  budget: {
    amount: 250.5,
    currency: "EUR",
    notificationChannels: ["projects/acme-ops/notificationChannels/77"],
  },
};

function config(project: unknown, extra: Record<string, unknown> = {}): KitConfig {
  return mustParse(baseRaw({ [`${NS}:project`]: project, ...extra }));
}

async function deploy(c: KitConfig) {
  return runMocked(() => buildStack(c), { stack: "test" });
}

describe("project.create", () => {
  test("creates the project under its folder, linked to its billing account, labelled, without the default network, and refusing a destroy (PREVENT)", async () => {
    const d = await deploy(config({ create: CREATE }));
    const [project, ...more] = d.ofType(PROJECT_TYPE);
    expect(more).toEqual([]);
    expect(project!.inputs).toEqual({
      projectId: PROJECT,
      name: PROJECT,
      folderId: "123456789012",
      billingAccount: "01A2B3-C4D5E6-F7A8B9",
      labels: { team: "platform", environment: "test", "managed-by": "gemini-access-kit" },
      autoCreateNetwork: false,
      deletionPolicy: "PREVENT",
    });
    expect(project!.importId).toBeUndefined();
    expect(project!.retainOnDelete).toBe(false);
  });

  test("under an organization, names it by orgId", async () => {
    const d = await deploy(config({ create: { ...CREATE, parent: "organizations/246813579024" } }));
    const project = d.ofType(PROJECT_TYPE)[0]!;
    expect(project.inputs.orgId).toBe("246813579024");
    expect(project.inputs.folderId).toBeUndefined();
  });

  test("deprivileges the default service accounts, never deletes them", async () => {
    const d = await deploy(config({ create: CREATE }));
    expect(
      d.ofType("gcp:projects/defaultServiceAccounts:DefaultServiceAccounts").map((r) => r.inputs),
    ).toEqual([{ project: PROJECT, action: "DEPRIVILEGE" }]);
  });

  test("makes each essential contact on the project, with its categories, named after its e-mail", async () => {
    const d = await deploy(config({ create: CREATE }));
    const contacts = d.ofType("gcp:essentialcontacts/contact:Contact");
    expect(contacts.map((r) => [r.name, r.inputs])).toEqual([
      [
        "gemini-vending-contact-billing@example.com",
        {
          parent: `projects/${PROJECT}`,
          email: "billing@example.com",
          languageTag: "en",
          notificationCategorySubscriptions: ["BILLING"],
        },
      ],
      [
        "gemini-vending-contact-security@example.com",
        {
          parent: `projects/${PROJECT}`,
          email: "security@example.com",
          languageTag: "en",
          notificationCategorySubscriptions: ["SECURITY", "SUSPENSION"],
        },
      ],
    ]);
  });

  test("puts a budget on the billing account filtered to this project's number alone, with its thresholds and notification channels", async () => {
    const d = await deploy(config({ create: CREATE }));
    expect(d.ofType("gcp:billing/budget:Budget").map((r) => r.inputs)).toEqual([
      {
        billingAccount: "01A2B3-C4D5E6-F7A8B9",
        displayName: `gemini-access-kit ${PROJECT}`,
        budgetFilter: {
          projects: [`projects/${PROJECT_NUMBER}`],
          creditTypesTreatment: "EXCLUDE_ALL_CREDITS",
        },
        amount: { specifiedAmount: { units: "250", nanos: 500000000, currencyCode: "EUR" } },
        thresholdRules: [
          { thresholdPercent: 0.5 },
          { thresholdPercent: 0.9 },
          { thresholdPercent: 1 },
        ],
        allUpdatesRule: {
          monitoringNotificationChannels: ["projects/acme-ops/notificationChannels/77"],
        },
      },
    ]);
  });

  test("no budget, no contact unless the file asks", async () => {
    const d = await deploy(
      config({ create: { parent: CREATE.parent, billingAccount: CREATE.billingAccount } }),
    );
    expect(d.ofType("gcp:billing/budget:Budget")).toEqual([]);
    expect(d.ofType("gcp:essentialcontacts/contact:Contact")).toEqual([]);
  });

  test("a lien against deleting the project only on a production stack, naming the stack", async () => {
    const plain = await deploy(config({ create: CREATE }));
    expect(plain.ofType("gcp:resourcemanager/lien:Lien")).toEqual([]);
    const production = await deploy(config({ create: CREATE }, { [`${NS}:production`]: true }));
    expect(production.ofType("gcp:resourcemanager/lien:Lien").map((r) => r.inputs)).toEqual([
      {
        parent: `projects/${PROJECT_NUMBER}`,
        restrictions: ["resourcemanager.projects.delete"],
        origin: "gemini-access-kit",
        reason:
          "Production project of gemini-access-kit stack test: delete this lien first to delete the project.",
      },
    ]);
  });

  test("every other resource of the environment waits for the project, directly or through what it waits for", async () => {
    const d = await deploy(config({ create: CREATE }, { [`${NS}:production`]: true }));
    const project = d.ofType(PROJECT_TYPE)[0]!;
    const others = d.resources.filter((r) => r.custom && r !== project);
    expect(others.length).toBeGreaterThan(10);
    expect(
      others.filter((r) => !waitsFor(d.resources, r).has(project.urn)).map((r) => r.name),
    ).toEqual([]);
  });

  test("the APIs wait for the project; each binding in the project's IAM policy also for the default accounts' deprivileging, which rewrites that policy whole", async () => {
    const d = await deploy(config({ create: CREATE }));
    const project = d.ofType(PROJECT_TYPE)[0]!;
    const defaults = d.ofType("gcp:projects/defaultServiceAccounts:DefaultServiceAccounts")[0]!;
    expect(defaults.dependencies).toContain(project.urn);
    for (const api of d.ofType("gcp:projects/service:Service"))
      expect([api.name, api.dependencies]).toEqual([api.name, [project.urn]]);
    const policy = [
      ...d.ofType("gcp:projects/iAMMember:IAMMember"),
      ...d.ofType("gcp:projects/iAMAuditConfig:IAMAuditConfig"),
    ];
    for (const binding of policy)
      expect([binding.name, binding.dependencies]).toEqual([
        binding.name,
        expect.arrayContaining([defaults.urn]),
      ]);
  });

  test("the project adds one step to the critical path: the deprivileging runs beside the APIs", async () => {
    const without = await deploy(config(undefined));
    const created = await deploy(config({ create: CREATE }));
    expect(criticalPath(created.resources).length).toBe(criticalPath(without.resources).length + 1);
  });
});

describe("project.adopt", () => {
  test("imports the project by its id, abandons it rather than deleting it, and retains it whatever Pulumi deletes", async () => {
    const d = await deploy(config({ adopt: {} }));
    const [project, ...more] = d.ofType(PROJECT_TYPE);
    expect(more).toEqual([]);
    expect(project!.importId).toBe(PROJECT);
    expect(project!.inputs).toEqual({ projectId: PROJECT, deletionPolicy: "ABANDON" });
    expect(project!.retainOnDelete).toBe(true);
  });

  test("leaves billing, the name, the parent and the labels as it finds them: each is taken from the project, never written", async () => {
    const d = await deploy(config({ adopt: {} }));
    expect(d.ofType(PROJECT_TYPE)[0]!.ignoreChanges).toEqual(
      expect.arrayContaining(["billingAccount", "name", "folderId", "orgId", "labels"]),
    );
  });

  test("creates nothing else for the project: no lien, no deprivileging, no contact, no budget, even on production", async () => {
    const d = await deploy(config({ adopt: {} }, { [`${NS}:production`]: true }));
    for (const type of [
      "gcp:resourcemanager/lien:Lien",
      "gcp:projects/defaultServiceAccounts:DefaultServiceAccounts",
      "gcp:essentialcontacts/contact:Contact",
      "gcp:billing/budget:Budget",
    ])
      expect([type, d.ofType(type)]).toEqual([type, []]);
  });

  test("the environment's resources do not wait for an import, the project existing already", async () => {
    const d = await deploy(config({ adopt: {} }));
    const project = d.ofType(PROJECT_TYPE)[0]!;
    expect(d.resources.filter((r) => r.dependencies.includes(project.urn))).toEqual([]);
  });
});

describe("no project setting", () => {
  test("registers no project: the kit leaves it alone", async () => {
    const d = await deploy(config(undefined));
    expect(d.ofType(PROJECT_TYPE)).toEqual([]);
  });

  test("a stack whose foundation is the CI stack's vends nothing itself: the CI stack does", async () => {
    const d = await deploy(config({ create: CREATE }, { [`${NS}:foundation`]: "ci" }));
    expect(d.ofType(PROJECT_TYPE)).toEqual([]);
  });
});
