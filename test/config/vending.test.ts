/**
 * The `project` setting: create or adopt the environment's project, or (unset) leave it alone. Each
 * bad value is one problem that names its key path, the value, what Google allows and what to do.
 */

import { formatProblem, parseConfig } from "../../src/config/index.ts";
import { baseRaw, PROJECT, SECRET_KEYS } from "../helpers/fixtures.ts";

const NS = "gemini-access-kit";
const CREATE = {
  parent: "folders/123456789012",
  billingAccount: "01A2B3-C4D5E6-F7A8B9",
};

function parse(overrides: Record<string, unknown>) {
  return parseConfig(baseRaw(overrides), { stack: "test", secretKeys: SECRET_KEYS });
}
const create = (fields: Record<string, unknown>) => ({
  [`${NS}:project`]: { create: { ...CREATE, ...fields } },
});
const budget = (fields: Record<string, unknown>) => create({ budget: { amount: 100, ...fields } });

/** Each row: the change to a valid config, and the one problem line it must produce. */
const rows: [string, Record<string, unknown>, string][] = [
  [
    "neither create nor adopt",
    { [`${NS}:project`]: {} },
    "[project] {} says neither create (the kit creates the project) nor adopt (it exists: the kit imports it and never deletes it). Write create: {...} or adopt: {}, or remove project from stacks/Pulumi.test.yaml (the kit then leaves the project alone).",
  ],
  [
    "both create and adopt",
    { [`${NS}:project`]: { create: CREATE, adopt: {} } },
    `[project] {"create":{"parent":"folders/123456789012","billingAccount":"01A2B3-C4D5E6-F7A8B9"},"adopt":{}} says both create and adopt; a project is either created by the kit or adopted. Keep one of them.`,
  ],
  [
    "a project id where the setting belongs to gcp:project",
    { "gcp:project": undefined, [`${NS}:project`]: PROJECT },
    `[project] "${PROJECT}" is a project id; project says how the kit vends the project (create: {...} or adopt: {}), and the id is gcp:project. Did you mean gcp:project?`,
  ],
  [
    "adopt naming a project",
    { [`${NS}:project`]: { adopt: { id: "other-project" } } },
    `[project.adopt.id] "other-project" is not a setting of adopt, which takes none: the project it adopts is gcp:project (${PROJECT}). Remove it: write adopt: {}.`,
  ],
  [
    "a misspelt mode",
    { [`${NS}:project`]: { creat: CREATE } },
    `[project.creat] {"parent":"folders/123456789012","billingAccount":"01A2B3-C4D5E6-F7A8B9"} is not a setting the kit knows; allowed here: create, adopt. Did you mean create?`,
  ],
  [
    "no parent",
    { [`${NS}:project`]: { create: { billingAccount: CREATE.billingAccount } } },
    "[project.create.parent] (not set) is not set; it names the folder or organization the project is created under. Set folders/N or organizations/N (gcloud resource-manager folders list --organization ORG lists folder ids).",
  ],
  [
    "a parent without its type",
    create({ parent: "123456789012" }),
    "[project.create.parent] \"123456789012\" is not allowed; Google allows folders/N or organizations/N, N the folder's or organization's numeric id. Write folders/N or organizations/N.",
  ],
  [
    "a parent by its display name",
    create({ parent: "folders/Gemini" }),
    "[project.create.parent] \"folders/Gemini\" is not allowed; Google allows folders/N or organizations/N, N the folder's or organization's numeric id. Write folders/N or organizations/N.",
  ],
  [
    "no billing account",
    { [`${NS}:project`]: { create: { parent: CREATE.parent } } },
    "[project.create.billingAccount] (not set) is not set; it names the billing account the project is linked to. Set the account's id (gcloud billing accounts list shows it).",
  ],
  [
    "a billing account's resource name instead of its id",
    create({ billingAccount: "billingAccounts/01A2B3-C4D5E6-F7A8B9" }),
    '[project.create.billingAccount] "billingAccounts/01A2B3-C4D5E6-F7A8B9" is not allowed; Google allows a billing account id, XXXXXX-XXXXXX-XXXXXX (three groups of six digits or capitals A-F). Write the account\'s id as gcloud billing accounts list shows it, without billingAccounts/.',
  ],
  [
    "a billing account id in lowercase",
    create({ billingAccount: "01a2b3-c4d5e6-f7a8b9" }),
    '[project.create.billingAccount] "01a2b3-c4d5e6-f7a8b9" is not allowed; Google allows a billing account id, XXXXXX-XXXXXX-XXXXXX (three groups of six digits or capitals A-F). Write the account\'s id as gcloud billing accounts list shows it, without billingAccounts/.',
  ],
  [
    "a project id Google refuses for a new project",
    { "gcp:project": "acme-google-prod", ...create({}) },
    '[gcp:project] "acme-google-prod" contains "google", which Google refuses in the id of a project being created (restricted strings such as google and ssl). Choose another id, or, if the project exists, adopt it: project: {adopt: {}}.',
  ],
  [
    "a display name over 30 characters",
    create({ name: "Acme Gemini, the production one" }),
    '[project.create.name] "Acme Gemini, the production one" is not allowed; Google allows 4-30 letters, digits, hyphens, single or double quotes, spaces or exclamation points. Shorten or correct it, or leave it out (the project id is the default).',
  ],
  [
    "a label key with a capital",
    create({ labels: { Team: "platform" } }),
    '[project.create.labels.Team] "Team" is not allowed; Google allows 1-63 lowercase letters, digits, underscores or dashes, starting with a letter. Rename the label.',
  ],
  [
    "a label value with a dot",
    create({ labels: { team: "platform.ai" } }),
    '[project.create.labels.team] "platform.ai" is not allowed; Google allows 0-63 lowercase letters, digits, underscores or dashes. Correct the value.',
  ],
  [
    "a label value that is a number",
    create({ labels: { tier: 1 } }),
    "[project.create.labels.tier] 1 is not a string. Write the value as a string.",
  ],
  [
    "the kit's own environment label",
    create({ labels: { environment: "production" } }),
    '[project.create.labels.environment] "production" is a label the kit sets itself on the project (environment: the stack\'s environment; managed-by: gemini-access-kit), which preflight reads to recognise a project this stack created. Remove it; the environment label follows the environment setting.',
  ],
  [
    "more labels than Google allows with the kit's",
    create({ labels: Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`l${i}`, "x"])) }),
    '[project.create.labels] "63 labels" and the kit\'s 2 make 65; Google allows 64 on a resource. List at most 62.',
  ],
  [
    "a contact that is not an e-mail address",
    create({ contacts: { "platform-team": ["ALL"] } }),
    '[project.create.contacts.platform-team] "platform-team" is not an e-mail address; expected an e-mail address such as someone@example.com. Correct it.',
  ],
  [
    "a misspelt notification category",
    create({ contacts: { "sec@example.com": ["SECURTY"] } }),
    '[project.create.contacts.sec@example.com[0]] "SECURTY" is not a notification category; allowed: ALL, SUSPENSION, SECURITY, TECHNICAL, BILLING, LEGAL, PRODUCT_UPDATES. Did you mean SECURITY?',
  ],
  [
    "a contact with no category",
    create({ contacts: { "sec@example.com": [] } }),
    "[project.create.contacts.sec@example.com] [] is empty, so the contact would be told nothing. List at least one category (ALL for every one).",
  ],
  [
    "a category listed twice",
    create({ contacts: { "sec@example.com": ["SECURITY", "SECURITY"] } }),
    '[project.create.contacts.sec@example.com[1]] "SECURITY" is listed twice. Remove the duplicate.',
  ],
  [
    "a contact's categories as one string",
    create({ contacts: { "sec@example.com": "ALL" } }),
    '[project.create.contacts.sec@example.com] "ALL" is not a list of strings. List the categories it gets, such as [ALL].',
  ],
  [
    "a budget without an amount",
    create({ budget: {} }),
    "[project.create.budget.amount] (not set) is not set; a budget needs its monthly amount, in the billing account's currency. Set the amount, such as 200.",
  ],
  [
    "a budget of 0",
    budget({ amount: 0 }),
    "[project.create.budget.amount] 0 is not a number above 0; the amount is the month's budget in the billing account's currency. Set the amount, such as 200.",
  ],
  [
    "a budget amount written as text",
    budget({ amount: "200 USD" }),
    "[project.create.budget.amount] \"200 USD\" is not a number above 0; the amount is the month's budget in the billing account's currency. Set the amount, such as 200.",
  ],
  [
    "a currency in lowercase",
    budget({ currency: "usd" }),
    "[project.create.budget.currency] \"usd\" is not allowed; Google allows an ISO 4217 code of three capital letters, such as USD or EUR. Correct it to the billing account's currency, or leave it out (the account's own applies).",
  ],
  [
    "a threshold of 0",
    budget({ thresholds: [0, 0.9] }),
    "[project.create.budget.thresholds[0]] 0 is not a number in (0, 10]; a threshold is a fraction of the amount (0.5 is 50%, 1.2 is 120%). Write a fraction such as 0.9.",
  ],
  [
    "a threshold written as a percentage",
    budget({ thresholds: [0.5, 90] }),
    "[project.create.budget.thresholds[1]] 90 is not a number in (0, 10]; a threshold is a fraction of the amount (0.5 is 50%, 1.2 is 120%). Write a fraction such as 0.9.",
  ],
  [
    "no thresholds at all",
    budget({ thresholds: [] }),
    "[project.create.budget.thresholds] [] is empty, so no alert would ever be sent. List fractions of the amount, such as [0.5, 0.9, 1.0], or leave it out for those.",
  ],
  [
    "a threshold listed twice",
    budget({ thresholds: [0.5, 0.5] }),
    "[project.create.budget.thresholds[1]] 0.5 is listed twice. Remove the duplicate.",
  ],
  [
    "a notification channel by its display name",
    budget({ notificationChannels: ["Platform on-call"] }),
    '[project.create.budget.notificationChannels[0]] "Platform on-call" is not allowed; Google allows projects/PROJECT/notificationChannels/ID. Copy the channel\'s name (gcloud beta monitoring channels list --project PROJECT lists them).',
  ],
  [
    "more notification channels than the Budget API takes",
    budget({
      notificationChannels: Array.from(
        { length: 6 },
        (_, i) => `projects/acme-ops/notificationChannels/${i + 1}`,
      ),
    }),
    '[project.create.budget.notificationChannels] "6 channels" are more than the Budget API allows (5). List at most 5.',
  ],
  [
    "a misspelt budget field",
    budget({ threshold: [0.5] }),
    "[project.create.budget.threshold] [0.5] is not a setting the kit knows; allowed here: amount, currency, thresholds, notificationChannels. Did you mean thresholds?",
  ],
];

describe("project: each bad value is one problem naming its key, the value, what is allowed and what to do", () => {
  test.each(rows)("%s", (_name, overrides, expected) => {
    const { config, problems } = parse(overrides);
    expect(config).toBeUndefined();
    expect(problems.map(formatProblem)).toEqual([expected]);
  });
});

describe("project: valid settings", () => {
  test("unset: the project exists and the kit leaves it alone", () => {
    expect(parse({}).config?.vending).toBeUndefined();
  });

  test("adopt takes no setting: the project it adopts is gcp:project", () => {
    expect(parse({ [`${NS}:project`]: { adopt: {} } }).config?.vending).toEqual({
      mode: "adopt",
    });
  });

  test("create: the project id is the default display name, the budget's thresholds default to 50%, 90% and 100%, contacts are sorted", () => {
    const { config, problems } = parse(
      create({
        labels: { team: "platform", "cost-centre": "cc_42" },
        contacts: {
          "security@example.com": ["SECURITY", "SUSPENSION"],
          "billing@example.com": ["BILLING"],
        },
        budget: { amount: 250.5, currency: "EUR" },
      }),
    );
    expect(problems.map(formatProblem)).toEqual([]);
    expect(config?.vending).toEqual({
      mode: "create",
      parent: "folders/123456789012",
      billingAccount: "01A2B3-C4D5E6-F7A8B9",
      displayName: PROJECT,
      labels: { team: "platform", "cost-centre": "cc_42" },
      contacts: [
        { email: "billing@example.com", categories: ["BILLING"] },
        { email: "security@example.com", categories: ["SECURITY", "SUSPENSION"] },
      ],
      budget: {
        amount: 250.5,
        currency: "EUR",
        thresholds: [0.5, 0.9, 1],
        notificationChannels: [],
      },
    });
  });

  test("create under an organization, with a display name, thresholds sorted and channels named by project number", () => {
    const { config, problems } = parse(
      create({
        parent: "organizations/246813579024",
        name: "Acme Gemini 'prod'!",
        budget: {
          amount: 1000,
          thresholds: [1.2, 0.75],
          notificationChannels: ["projects/412345678901/notificationChannels/77"],
        },
      }),
    );
    expect(problems.map(formatProblem)).toEqual([]);
    expect(config?.vending).toMatchObject({
      parent: "organizations/246813579024",
      displayName: "Acme Gemini 'prod'!",
      budget: {
        amount: 1000,
        thresholds: [0.75, 1.2],
        notificationChannels: ["projects/412345678901/notificationChannels/77"],
      },
    });
  });

  test("a display name in parentheses is refused: Google allows none", () => {
    expect(parse(create({ name: "Acme (prod)" })).problems.map((p) => p.path)).toEqual([
      "project.create.name",
    ]);
  });
});
