/**
 * The stack config check: a pure function from the raw values Pulumi hands the program to a fully
 * resolved KitConfig, or to the list of every problem found. Nothing here registers a resource, so
 * a stack with bad config stops before anything is created.
 */

import {
  API_KEY_ID, LABEL_VALUE, LOCATION, NAME_PREFIX, PROJECT_ID, SECRET_ID, names as makeNames,
} from "../naming.ts";
import { currentPeriod, keySlots, periodStart } from "../rotation.ts";
import { parseAccounts } from "./accounts.ts";
import { parseCiIdentity } from "./ci.ts";
import { CONFIG_KEYS, KEY_NAMES, NAMESPACE, type ConfigKey } from "./keys.ts";
import { parseMembers } from "./members.ts";
import { parseOauth } from "./oauth.ts";
import { closest, HIDDEN, Problems, type Problem } from "./problems.ts";
import type { AccountConfig, ApiKeyConfig, KeyRotation, KitConfig } from "./types.ts";

/** Config values as Pulumi hands them over: full keys (`gcp:project`, `gemini-access-kit:…`), string values. */
export type RawConfig = Readonly<Record<string, string>>;

export interface ParseContext {
  stack: string;
  /** Decides which key slots exist; the caller passes the clock so the function stays pure. */
  now: Date;
}

/** The APIs every stack enables: the Gemini API and what the kit itself calls. */
export const BASE_APIS = [
  "generativelanguage.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "secretmanager.googleapis.com",
];
const API_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.googleapis\.com$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_ROTATION_DAYS = 90;
const DEFAULT_ROTATION_DAYS = 45;

type Values = Partial<Record<ConfigKey, unknown>>;

/** Turns Pulumi's strings into values by each key's kind, reporting unknown keys and bad JSON. */
function decode(p: Problems, raw: RawConfig): Values {
  const values: Values = {};
  for (const [fullKey, text] of Object.entries(raw)) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if (!(KEY_NAMES as string[]).includes(key)) {
      const guess = closest(key, KEY_NAMES);
      p.add(key, text, "is not a key the kit reads", guess ? `Did you mean ${guess}?` : "Remove it; the README lists every key.");
      continue;
    }
    const decl = CONFIG_KEYS[key as ConfigKey];
    const shown = "secret" in decl ? HIDDEN : text;
    if (decl.kind === "string") values[key as ConfigKey] = text;
    else if (decl.kind === "boolean") {
      if (text === "true" || text === "false") values[key as ConfigKey] = text === "true";
      else p.add(key, shown, "is not true or false", "Set true or false.");
    } else if (decl.kind === "integer") {
      if (/^-?\d+$/.test(text)) values[key as ConfigKey] = Number(text);
      else p.add(key, shown, "is not a whole number", "Set a whole number.");
    } else {
      // Unparseable JSON stays a string, which the typed readers then report with its path.
      try {
        values[key as ConfigKey] = JSON.parse(text) as unknown;
      } catch {
        values[key as ConfigKey] = text;
      }
    }
  }
  return values;
}

function checkRule(p: Problems, path: string, value: string, rule: { pattern: RegExp; allowed: string }, fix: string): void {
  if (!rule.pattern.test(value)) p.add(path, value, `is not allowed; Google allows ${rule.allowed}`, fix);
}

function parseRotation(p: Problems, v: Values, accounts: AccountConfig[], now: Date, stackFile: string): KeyRotation | undefined {
  const days = (v.keyRotationDays as number | undefined) ?? DEFAULT_ROTATION_DAYS;
  if (days < 1 || days > MAX_ROTATION_DAYS) {
    p.add("keyRotationDays", days, `is outside 1-${MAX_ROTATION_DAYS}; Google advises rotating keys at least every 90 days`, "Set a period of 90 days or less.");
  }
  if (!accounts.some((a) => a.createKey)) return undefined;
  const start = v.keyRotationStart as string | undefined;
  const today = now.toISOString().slice(0, 10);
  if (start === undefined || !DATE.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`))) {
    p.add("keyRotationStart", start, "must be a date (YYYY-MM-DD) when an account has createKey: true", `Set it to the day of the first deploy, e.g. ${today}, in ${stackFile}.`);
    return undefined;
  }
  if (start > today) {
    p.add("keyRotationStart", start, `is after today (${today}), so no key period has begun`, `Set it to ${today} or earlier.`);
    return undefined;
  }
  if (days < 1 || days > MAX_ROTATION_DAYS) return undefined;
  const period = currentPeriod(start, days, now);
  return { periodDays: days, startDate: start, period, slots: keySlots(period), nextRotation: periodStart(start, days, period + 1) };
}

function parseApiKey(
  p: Problems, raw: unknown, accounts: AccountConfig[], emails: ReadonlyMap<string, string>, n: ReturnType<typeof makeNames>, fix: string,
): ApiKeyConfig | undefined {
  const entry = p.record("apiKey", raw, fix);
  if (entry === undefined) return undefined;
  p.unknownFields("apiKey", entry, ["serviceAccount", "readers", "displayName"]);
  const accountKey = p.string("apiKey.serviceAccount", entry.serviceAccount, fix);
  const account = accounts.find((a) => a.key === accountKey);
  if (account === undefined) {
    p.add(
      "apiKey.serviceAccount", accountKey,
      "must name an account of this stack: since September 2026 the Gemini API accepts only keys bound to a service account",
      `Set it to one of: ${accounts.map((a) => a.key).join(", ") || "(add an account under serviceAccounts first)"}.`,
    );
  }
  const readersRaw = p.stringList("apiKey.readers", entry.readers, fix) ?? [];
  const readers = parseMembers(p, "apiKey.readers", readersRaw, emails);
  if (readersRaw.length === 0) {
    p.add("apiKey.readers", undefined, "is empty, so nobody could read the API key from the secret store", "List who may read it.");
  }
  const keyId = n.apiKeyId();
  checkRule(p, "apiKey", keyId, API_KEY_ID, "Shorten namePrefix or environment.");
  const displayName = p.string("apiKey.displayName", entry.displayName, fix) ?? `Gemini API (${keyId})`;
  if (account === undefined) return undefined;
  return { keyId, displayName, accountKey: account.key, accountEmail: account.email, readers, secretId: n.apiKeySecretId() };
}

function parseApis(p: Problems, raw: unknown, uses: { roles: boolean; apiKey: boolean; ci: boolean }, fix: string): string[] {
  const extra = p.stringList("extraApis", raw, fix) ?? [];
  extra.forEach((api, i) => checkRule(p, `extraApis[${i}]`, api, { pattern: API_NAME, allowed: "a service name such as aiplatform.googleapis.com" }, "Correct the service name."));
  const apis = [...BASE_APIS, ...extra];
  // Project IAM bindings are written through the Resource Manager API.
  if (uses.roles || uses.ci) apis.push("cloudresourcemanager.googleapis.com");
  if (uses.apiKey) apis.push("apikeys.googleapis.com");
  // GitHub's tokens are exchanged for Google ones by the Security Token Service.
  if (uses.ci) apis.push("sts.googleapis.com");
  return [...new Set(apis)].sort();
}

/** Two secrets with one id would overwrite each other's versions. */
function checkSecretIds(p: Problems, accounts: AccountConfig[], oauthId: string | undefined, apiKeyId: string | undefined): void {
  const owners = new Map<string, string>();
  const claim = (id: string | undefined, owner: string): void => {
    if (id === undefined) return;
    const other = owners.get(id);
    if (other !== undefined) p.add(owner, id, `gives the secret id that ${other} also gives`, "Rename one of them.");
    owners.set(id, owner);
  };
  accounts.filter((a) => a.createKey).forEach((a) => claim(a.keySecretId, `serviceAccounts.${a.key}`));
  claim(oauthId, "oauthConsent");
  claim(apiKeyId, "apiKey");
}

/** Checks a stack's raw config; returns the resolved config, or every problem found. */
export function parseConfig(raw: RawConfig, ctx: ParseContext): { config?: KitConfig; problems: Problem[] } {
  const p = new Problems();
  const stackFile = `stacks/Pulumi.${ctx.stack}.yaml`;
  const fix = `Correct it in ${stackFile}.`;
  const v = decode(p, raw);

  const project = raw["gcp:project"];
  if (project === undefined) p.add("gcp:project", undefined, "is not set; it names the project the stack deploys to", `Set gcp:project in ${stackFile}.`);
  else checkRule(p, "gcp:project", project, PROJECT_ID, "Use the project id (not its name or number).");
  const environment = p.string("environment", v.environment, fix) ?? ctx.stack;
  checkRule(p, "environment", environment, LABEL_VALUE, "Set environment to a short name such as dev or prod.");
  const namePrefix = p.string("namePrefix", v.namePrefix, fix) ?? "gemini";
  checkRule(p, "namePrefix", namePrefix, NAME_PREFIX, "Choose a shorter prefix.");

  const n = makeNames(project ?? "", namePrefix, environment);
  const entries = p.record("serviceAccounts", v.serviceAccounts, fix) ?? {};
  const accounts = parseAccounts(p, entries, { names: n, environment, stackFile });
  const emails = new Map(accounts.map((a) => [a.key, a.email]));
  const keyRotation = parseRotation(p, v, accounts, ctx.now, stackFile);

  const secretLocations = p.stringList("secretLocations", v.secretLocations, fix) ?? [];
  secretLocations.forEach((l, i) => checkRule(p, `secretLocations[${i}]`, l, LOCATION, "Use a region name."));
  p.duplicates("secretLocations", secretLocations);

  const oauthSecretId = n.oauthClientSecretId();
  const oauth = parseOauth(
    p,
    { consent: v.oauthConsent, clientRequired: p.boolean("oauthClientRequired", v.oauthClientRequired, fix), clientReaders: v.oauthClientReaders, clientJson: v.oauthClientJson as string | undefined },
    { project: project ?? "", stack: ctx.stack, stackFile, secretId: oauthSecretId, emails },
  );
  const apiKey = v.apiKey === undefined ? undefined : parseApiKey(p, v.apiKey, accounts, emails, n, fix);
  const ciIdentity = v.ciIdentity === undefined ? undefined : parseCiIdentity(p, v.ciIdentity, { names: n, accounts, stackFile });
  const apis = parseApis(p, v.extraApis, { roles: accounts.some((a) => a.roles.length > 0), apiKey: v.apiKey !== undefined, ci: v.ciIdentity !== undefined }, fix);
  for (const id of [oauthSecretId, n.apiKeySecretId()]) checkRule(p, "namePrefix", id, SECRET_ID, "Shorten namePrefix or environment.");
  checkSecretIds(p, accounts, oauth !== undefined ? oauthSecretId : undefined, apiKey?.secretId);

  if (p.list.length > 0 || project === undefined) return { problems: p.list };
  const labels = { environment, "managed-by": "gemini-access-kit" };
  return {
    problems: [],
    config: { project, stack: ctx.stack, environment, namePrefix, apis, accounts, keyRotation, secretLocations, labels, oauth, apiKey, ciIdentity },
  };
}
