/**
 * The `project` setting: whether the kit creates the environment's project, adopts one that exists,
 * or (unset) leaves it alone. Each field is checked as Google will check it, so a bad parent, billing
 * account or label stops the stack before anything is created, not halfway through `up`.
 */

import {
  BILLING_ACCOUNT,
  CURRENCY,
  EMAIL,
  LABEL,
  LABEL_KEY,
  MAX_LABELS,
  NOTIFICATION_CHANNEL,
  PROJECT_DISPLAY_NAME,
  PROJECT_PARENT,
  RESTRICTED_PROJECT_ID_WORDS,
} from "../naming.ts";
import { checkRule, closest, type Problems } from "./problems.ts";
import type { BudgetConfig, CreateProject, ProjectVending } from "./types.ts";
import { checkVisible } from "./visible.ts";

const MODES = ["create", "adopt"] as const;
const CREATE_FIELDS = ["parent", "billingAccount", "name", "labels", "contacts", "budget"] as const;
const BUDGET_FIELDS = ["amount", "currency", "thresholds", "notificationChannels"] as const;
/** Essential Contacts' notification categories (Fabric's project module `contacts` uses the same). */
const CONTACT_CATEGORIES = [
  "ALL",
  "SUSPENSION",
  "SECURITY",
  "TECHNICAL",
  "BILLING",
  "LEGAL",
  "PRODUCT_UPDATES",
] as const;
const DEFAULT_THRESHOLDS = [0.5, 0.9, 1.0];
/** A threshold is a fraction of the amount; the kit allows up to 10 (1000%). */
const MAX_THRESHOLD = 10;
/** Budget API, allUpdatesRule.monitoringNotificationChannels: "A maximum of 5 channels are allowed." */
const MAX_CHANNELS = 5;
/** The labels the kit sets on every project it creates (KitConfig.labels). */
const KIT_LABELS = ["environment", "managed-by"];

interface VendingContext {
  /** gcp:project, when it was set. */
  project?: string;
  stackFile: string;
}

/** Checks `project`; undefined when unset or unusable (each problem reported). */
export function parseVending(
  p: Problems,
  raw: unknown,
  ctx: VendingContext,
): ProjectVending | undefined {
  const fix = `Correct it in ${ctx.stackFile}.`;
  const entry = p.record("project", raw, fix);
  if (entry === undefined) return undefined;
  const meant = p.unknownFields("project", entry, MODES);
  const modes = MODES.filter((m) => entry[m] !== undefined);
  // A misspelt mode is reported above, once.
  if (modes.length === 0 && meant.size > 0) return undefined;
  if (modes.length !== 1) {
    p.add(
      "project",
      entry,
      modes.length === 0
        ? "says neither create (the kit creates the project) nor adopt (it exists: the kit imports it and never deletes it)"
        : "says both create and adopt; a project is either created by the kit or adopted",
      modes.length === 0
        ? `Write create: {...} or adopt: {}, or remove project from ${ctx.stackFile} (the kit then leaves the project alone).`
        : "Keep one of them.",
    );
    return undefined;
  }
  if (modes[0] === "adopt") return parseAdopt(p, entry.adopt, ctx) ? { mode: "adopt" } : undefined;
  return parseCreate(p, entry.create, ctx);
}

/** `adopt` takes no setting: the project it adopts is gcp:project. */
function parseAdopt(p: Problems, raw: unknown, ctx: VendingContext): boolean {
  const entry = p.record("project.adopt", raw, `Write adopt: {} in ${ctx.stackFile}.`);
  if (entry === undefined) return false;
  for (const [field, value] of Object.entries(entry))
    p.add(
      `project.adopt.${field}`,
      value,
      `is not a setting of adopt, which takes none: the project it adopts is gcp:project${ctx.project ? ` (${ctx.project})` : ""}`,
      "Remove it: write adopt: {}.",
    );
  return Object.keys(entry).length === 0;
}

function required(
  p: Problems,
  path: string,
  value: unknown,
  what: string,
  fix: string,
): string | undefined {
  if (value === undefined) {
    p.add(path, undefined, `is not set; it names ${what}`, fix);
    return undefined;
  }
  return p.string(path, value, fix);
}

function parseCreate(p: Problems, raw: unknown, ctx: VendingContext): CreateProject | undefined {
  const fix = `Correct it in ${ctx.stackFile}.`;
  const entry = p.record("project.create", raw, fix);
  if (entry === undefined) return undefined;
  p.unknownFields("project.create", entry, CREATE_FIELDS);
  const before = p.list.length;
  checkNewProjectId(p, ctx.project);
  const parent = required(
    p,
    "project.create.parent",
    entry.parent,
    "the folder or organization the project is created under",
    "Set folders/N or organizations/N (gcloud resource-manager folders list --organization ORG lists folder ids).",
  );
  if (parent !== undefined)
    checkRule(
      p,
      "project.create.parent",
      parent,
      PROJECT_PARENT,
      "Write folders/N or organizations/N.",
    );
  const billingAccount = required(
    p,
    "project.create.billingAccount",
    entry.billingAccount,
    "the billing account the project is linked to",
    "Set the account's id (gcloud billing accounts list shows it).",
  );
  if (billingAccount !== undefined)
    checkRule(
      p,
      "project.create.billingAccount",
      billingAccount,
      BILLING_ACCOUNT,
      "Write the account's id as gcloud billing accounts list shows it, without billingAccounts/.",
    );
  const displayName = parseDisplayName(p, entry.name, ctx.project ?? "", fix);
  const labels = parseLabels(p, entry.labels, fix);
  const contacts = parseContacts(p, entry.contacts, fix);
  const budget = entry.budget === undefined ? undefined : parseBudget(p, entry.budget, fix);
  if (p.list.length > before || parent === undefined || billingAccount === undefined)
    return undefined;
  return { mode: "create", parent, billingAccount, displayName, labels, contacts, budget };
}

/** Google refuses some strings in the id of a project being created, though an existing one may hold them. */
function checkNewProjectId(p: Problems, project: string | undefined): void {
  const word = RESTRICTED_PROJECT_ID_WORDS.find((w) => project?.includes(w));
  if (word === undefined) return;
  p.add(
    "gcp:project",
    project,
    `contains "${word}", which Google refuses in the id of a project being created (restricted strings such as ${RESTRICTED_PROJECT_ID_WORDS.join(" and ")})`,
    "Choose another id, or, if the project exists, adopt it: project: {adopt: {}}.",
  );
}

function parseDisplayName(p: Problems, raw: unknown, project: string, fix: string): string {
  const name = p.string("project.create.name", raw, fix);
  if (name === undefined) return project;
  checkVisible(p, "project.create.name", name);
  checkRule(
    p,
    "project.create.name",
    name,
    PROJECT_DISPLAY_NAME,
    "Shorten or correct it, or leave it out (the project id is the default).",
  );
  return name;
}

function parseLabels(p: Problems, raw: unknown, fix: string): Record<string, string> {
  const entry = p.record("project.create.labels", raw, fix) ?? {};
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry)) {
    const path = `project.create.labels.${key}`;
    if (KIT_LABELS.includes(key)) {
      p.add(
        path,
        value,
        "is a label the kit sets itself on the project (environment: the stack's environment; managed-by: gemini-access-kit), which preflight reads to recognise a project this stack created",
        "Remove it; the environment label follows the environment setting.",
      );
      continue;
    }
    checkRule(p, path, key, LABEL_KEY, "Rename the label.");
    const text = p.string(path, value, "Write the value as a string.");
    if (text === undefined) continue;
    checkRule(p, path, text, LABEL, "Correct the value.");
    labels[key] = text;
  }
  const count = Object.keys(entry).length + KIT_LABELS.length;
  if (count > MAX_LABELS)
    p.add(
      "project.create.labels",
      `${Object.keys(entry).length} labels`,
      `and the kit's ${KIT_LABELS.length} make ${count}; Google allows ${MAX_LABELS} on a resource`,
      `List at most ${MAX_LABELS - KIT_LABELS.length}.`,
    );
  return labels;
}

function parseContacts(
  p: Problems,
  raw: unknown,
  fix: string,
): { email: string; categories: string[] }[] {
  const entry = p.record("project.create.contacts", raw, fix) ?? {};
  const contacts: { email: string; categories: string[] }[] = [];
  for (const [email, value] of Object.entries(entry)) {
    const path = `project.create.contacts.${email}`;
    if (!EMAIL.pattern.test(email))
      p.add(path, email, `is not an e-mail address; expected ${EMAIL.allowed}`, "Correct it.");
    const categories = p.stringList(path, value, "List the categories it gets, such as [ALL].");
    if (categories === undefined) continue;
    if (categories.length === 0)
      p.add(
        path,
        categories,
        "is empty, so the contact would be told nothing",
        "List at least one category (ALL for every one).",
      );
    categories.forEach((c, i) => {
      if ((CONTACT_CATEGORIES as readonly string[]).includes(c)) return;
      const guess = closest(c, CONTACT_CATEGORIES);
      p.add(
        `${path}[${i}]`,
        c,
        `is not a notification category; allowed: ${CONTACT_CATEGORIES.join(", ")}`,
        guess === undefined ? "Use one of them." : `Did you mean ${guess}?`,
      );
    });
    p.duplicates(path, categories);
    contacts.push({ email, categories });
  }
  return contacts.sort((a, b) => a.email.localeCompare(b.email));
}

function parseBudget(p: Problems, raw: unknown, fix: string): BudgetConfig | undefined {
  const entry = p.record("project.create.budget", raw, fix);
  if (entry === undefined) return undefined;
  p.unknownFields("project.create.budget", entry, BUDGET_FIELDS);
  const amount = entry.amount;
  if (typeof amount !== "number" || !Number.isFinite(amount) || amount <= 0)
    p.add(
      "project.create.budget.amount",
      amount,
      amount === undefined
        ? "is not set; a budget needs its monthly amount, in the billing account's currency"
        : "is not a number above 0; the amount is the month's budget in the billing account's currency",
      "Set the amount, such as 200.",
    );
  const currency = p.string("project.create.budget.currency", entry.currency, fix);
  if (currency !== undefined)
    checkRule(
      p,
      "project.create.budget.currency",
      currency,
      CURRENCY,
      "Correct it to the billing account's currency, or leave it out (the account's own applies).",
    );
  return {
    amount: typeof amount === "number" ? amount : 0,
    currency,
    thresholds: parseThresholds(p, entry.thresholds),
    notificationChannels: parseChannels(p, entry.notificationChannels, fix),
  };
}

function parseThresholds(p: Problems, raw: unknown): number[] {
  const path = "project.create.budget.thresholds";
  if (raw === undefined) return [...DEFAULT_THRESHOLDS];
  if (!Array.isArray(raw) || raw.length === 0) {
    p.add(
      path,
      raw,
      Array.isArray(raw) ? "is empty, so no alert would ever be sent" : "is not a list of numbers",
      "List fractions of the amount, such as [0.5, 0.9, 1.0], or leave it out for those.",
    );
    return [...DEFAULT_THRESHOLDS];
  }
  raw.forEach((t: unknown, i) => {
    if (typeof t !== "number" || !(t > 0 && t <= MAX_THRESHOLD))
      p.add(
        `${path}[${i}]`,
        t,
        `is not a number in (0, ${MAX_THRESHOLD}]; a threshold is a fraction of the amount (0.5 is 50%, 1.2 is 120%)`,
        "Write a fraction such as 0.9.",
      );
  });
  raw.forEach((t: unknown, i) => {
    if (raw.indexOf(t) !== i) p.add(`${path}[${i}]`, t, "is listed twice", "Remove the duplicate.");
  });
  return raw.filter((t): t is number => typeof t === "number").sort((a, b) => a - b);
}

function parseChannels(p: Problems, raw: unknown, fix: string): string[] {
  const path = "project.create.budget.notificationChannels";
  const channels = p.stringList(path, raw, fix) ?? [];
  channels.forEach((c, i) =>
    checkRule(
      p,
      `${path}[${i}]`,
      c,
      NOTIFICATION_CHANNEL,
      "Copy the channel's name (gcloud beta monitoring channels list --project PROJECT lists them).",
    ),
  );
  p.duplicates(path, channels);
  if (channels.length > MAX_CHANNELS)
    p.add(
      path,
      `${channels.length} channels`,
      `are more than the Budget API allows (${MAX_CHANNELS})`,
      `List at most ${MAX_CHANNELS}.`,
    );
  return channels;
}
