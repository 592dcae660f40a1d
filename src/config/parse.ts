/**
 * The stack config check: a pure function from the raw values Pulumi hands the program to a fully
 * resolved KitConfig, or to the list of every problem found. Nothing here registers a resource, so
 * a stack with bad config stops before anything is created.
 */

import { stackFileName } from "../cli/stacks.ts";
import {
  API_KEY_ID,
  LABEL_VALUE,
  LOCATION,
  MAP_KEY,
  NAME_PREFIX,
  PROJECT_ID,
  SECRET_ID,
  names as makeNames,
} from "../naming.ts";
import { API_KEY_SUFFIX_LENGTH } from "../rotation.ts";
import { accountEmails, parseAccounts } from "./accounts.ts";
import { CONFIG_KEYS, KEY_NAMES, NAMESPACE, type ConfigKey } from "./keys.ts";
import { parseMembers, type RolePolicy } from "./members.ts";
import { parseOauth } from "./oauth.ts";
import { setClientCommand } from "../oauth/consent.ts";
import { closest, HIDDEN, Problems, type Problem } from "./problems.ts";
import type { AccountConfig, ApiKeyConfig, Foundation, KitConfig } from "./types.ts";

/** Config values as Pulumi hands them over: full keys (`gcp:project`, `gemini-access-kit:…`), string values. */
export type RawConfig = Readonly<Record<string, string>>;

export interface ParseContext {
  stack: string;
  /**
   * The full keys whose value Pulumi holds as a secret (`pulumi config set --secret`): under `pulumi
   * up` the runtime says which, offline the stack file's `secure:` entries. A secret key whose value
   * is not among them was committed as plain text.
   */
  secretKeys: ReadonlySet<string>;
  /** The stack file as fixes should name it; `stacks/Pulumi.<stack>.yaml` unless read from elsewhere. */
  stackFile?: string;
  /**
   * Set when the CI stack checks an environment it governs: the roles its administrator allows, and
   * the CI stack's file, for messages. An environment stack checked on its own leaves its roles to
   * that check.
   */
  governing?: { grantable: ReadonlySet<string>; ciStackFile: string };
  /** The stack's secrets provider as its file records it (see StackFile), when the file was read. */
  secretsProvider?: string;
}

/** Keys the kit no longer reads, and where what they held went. */
const RETIRED: Partial<Record<string, { message: string; fix: string }>> = {
  ciIdentity: {
    message:
      "is no longer read here: CI identities are made by the CI stack (stacks/Pulumi.ci.yaml), which an administrator applies",
    fix: "Remove it, set foundation: ci in this file, and describe CI in the CI stack's ci setting (see the README, CI from GitHub Actions).",
  },
  keyRotationStart: {
    message:
      "is no longer read: the key rotator (npm run rotate) makes a new key when the newest is keyRotationDays old, counted from that key",
    fix: "Remove it (see the README, Keys and API keys).",
  },
};
const FOUNDATIONS = ["stack", "ci"] as const;

/** The Google provider's namespace: its settings (gcp:project, gcp:region, ...) belong in a stack file. */
const PROVIDER_NAMESPACE = "gcp";
/**
 * Pulumi's own namespace, for settings the engine reads (pulumi:disable-default-providers in
 * pkg/resource/deploy/default_providers.go, pulumi:tags in sdk/go/common/apitype/core.go).
 */
const PULUMI_NAMESPACE = "pulumi";
const NAMESPACES = [NAMESPACE, PROVIDER_NAMESPACE, PULUMI_NAMESPACE];

/** The APIs every stack enables: the Gemini API and what the kit itself calls. */
const BASE_APIS = [
  "generativelanguage.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "secretmanager.googleapis.com",
];
const API_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.googleapis\.com$/;
const MAX_ROTATION_DAYS = 90;
const MAX_API_KEY_DISPLAY_NAME = 63;
/** API Keys v2, keys.create: keyId "must match the regular expression [a-z]([a-z0-9-]{0,61}[a-z0-9])?". */
const MAX_API_KEY_ID = 63;
const DEFAULT_ROTATION_DAYS = 45;

export type Values = Partial<Record<ConfigKey, unknown>>;

/** The key's value as a problem may show it: secret keys never show theirs. */
function shown(fullKey: string, text: string, secretKeys: ReadonlySet<string>): unknown {
  const key = fullKey.slice(fullKey.indexOf(":") + 1);
  return secretKeys.has(fullKey) ||
    (key in CONFIG_KEYS && "secret" in CONFIG_KEYS[key as ConfigKey])
    ? HIDDEN
    : text;
}

/**
 * A key outside the kit's, the provider's and Pulumi's namespaces would be dropped without a word
 * (Pulumi hands it to nobody), so a misspelt namespace silently loses the setting: refused, with the
 * likely key. Returns that key, for the checks that would otherwise call it missing.
 */
function foreignKey(
  p: Problems,
  fullKey: string,
  text: string,
  secretKeys: ReadonlySet<string>,
): string | undefined {
  const colon = fullKey.indexOf(":");
  const namespace = fullKey.slice(0, colon);
  const key = fullKey.slice(colon + 1);
  const guess = closest(namespace, NAMESPACES);
  const kitKey = (KEY_NAMES as string[]).includes(key) ? key : closest(key, KEY_NAMES);
  const meant =
    guess === NAMESPACE
      ? kitKey && `${NAMESPACE}:${kitKey}`
      : guess === undefined
        ? undefined
        : `${guess}:${key}`;
  p.add(
    fullKey,
    shown(`${NAMESPACE}:${key}`, text, secretKeys),
    `is in the namespace "${namespace}", which nothing in this project reads; a stack file holds ${NAMESPACE}:, ${PROVIDER_NAMESPACE}: and ${PULUMI_NAMESPACE}: keys`,
    meant ? `Did you mean ${meant}?` : "Remove it.",
  );
  return meant;
}

/**
 * Turns Pulumi's strings into values by each key's kind, reporting unknown keys and bad JSON. Keys
 * that look misspelt are reported once, and their likely meaning is returned as `misplaced`, so a
 * check that needs the key says nothing more about it.
 */
function decode(
  p: Problems,
  raw: RawConfig,
  secretKeys: ReadonlySet<string>,
  only?: { keys: readonly ConfigKey[]; stackFile: string },
): { values: Values; misplaced: Set<string> } {
  const values: Values = {};
  const misplaced = new Set<string>();
  for (const [fullKey, text] of Object.entries(raw)) {
    if (fullKey.startsWith(`${PROVIDER_NAMESPACE}:`) || fullKey.startsWith(`${PULUMI_NAMESPACE}:`))
      continue;
    if (!fullKey.startsWith(`${NAMESPACE}:`)) {
      const meant = foreignKey(p, fullKey, text, secretKeys);
      if (meant !== undefined) misplaced.add(meant);
      continue;
    }
    const key = fullKey.slice(NAMESPACE.length + 1);
    const retired = RETIRED[key];
    if (retired !== undefined) {
      p.add(key, text, retired.message, retired.fix);
      continue;
    }
    if (!(KEY_NAMES as string[]).includes(key)) {
      // `project:` written without the provider's namespace means gcp:project.
      const guess = key === "project" ? undefined : closest(key, KEY_NAMES);
      const meant = key === "project" ? "gcp:project" : guess;
      p.add(
        key,
        shown(fullKey, text, secretKeys),
        "is not a key the kit reads",
        meant ? `Did you mean ${meant}?` : "Remove it; the README lists every key.",
      );
      if (meant !== undefined)
        misplaced.add(meant === "gcp:project" ? meant : `${NAMESPACE}:${meant}`);
      continue;
    }
    if (only !== undefined && !only.keys.includes(key as ConfigKey)) {
      p.add(
        key,
        shown(fullKey, text, secretKeys),
        `is an environment stack's setting; a CI stack holds only gcp:project, ${only.keys.join(" and ")}`,
        `Remove it from ${only.stackFile}, or put it in an environment's stack file.`,
      );
      continue;
    }
    const decl = CONFIG_KEYS[key as ConfigKey];
    const value = shown(fullKey, text, secretKeys);
    if (decl.kind === "string") values[key as ConfigKey] = text;
    else if (decl.kind === "boolean") {
      if (text === "true" || text === "false") values[key as ConfigKey] = text === "true";
      else p.add(key, value, "is not true or false", "Set true or false.");
    } else if (decl.kind === "integer") {
      if (/^-?\d+$/.test(text)) values[key as ConfigKey] = Number(text);
      else p.add(key, value, "is not a whole number", "Set a whole number.");
    } else {
      // Unparseable JSON stays a string, which the typed readers then report with its path.
      try {
        values[key as ConfigKey] = JSON.parse(text) as unknown;
      } catch {
        values[key as ConfigKey] = text;
      }
    }
  }
  return { values, misplaced };
}

function checkRule(
  p: Problems,
  path: string,
  value: string,
  rule: { pattern: RegExp; allowed: string },
  fix: string,
  derived = false,
): void {
  if (rule.pattern.test(value)) return;
  if (derived) p.derived(path, value, `is not allowed; Google allows ${rule.allowed}`, fix);
  else p.add(path, value, `is not allowed; Google allows ${rule.allowed}`, fix);
}

function parseRotationDays(p: Problems, v: Values): number {
  const days = (v.keyRotationDays as number | undefined) ?? DEFAULT_ROTATION_DAYS;
  if (days < 1 || days > MAX_ROTATION_DAYS) {
    p.add(
      "keyRotationDays",
      days,
      `is outside 1-${MAX_ROTATION_DAYS}; Google advises rotating keys at least every 90 days`,
      "Set a period of 90 days or less.",
    );
  }
  return days;
}

function parseApiKey(
  p: Problems,
  raw: unknown,
  accounts: AccountConfig[] | "unreadable",
  emails: ReadonlyMap<string, string>,
  n: ReturnType<typeof makeNames>,
  fix: string,
): ApiKeyConfig | undefined {
  const entry = p.record("apiKey", raw, fix);
  if (entry === undefined) return undefined;
  p.unknownFields("apiKey", entry, ["serviceAccount", "readers", "displayName"]);
  const accountKey = p.string("apiKey.serviceAccount", entry.serviceAccount, fix);
  const account =
    accounts === "unreadable" ? undefined : accounts.find((a) => a.key === accountKey);
  // An account that is in the file but has problems of its own (a key misspelt into an unusable
  // one included) is reported there, and a serviceAccounts map that cannot be read at all is
  // reported once: neither again here.
  const unusableKeys = [...emails.keys()].filter((k) => !MAP_KEY.pattern.test(k));
  const reportedElsewhere =
    accountKey !== undefined &&
    (emails.has(accountKey) || closest(accountKey, unusableKeys) !== undefined);
  if (accounts !== "unreadable" && account === undefined && !reportedElsewhere) {
    p.add(
      "apiKey.serviceAccount",
      accountKey,
      "must name an account of this stack: since September 2026 the Gemini API accepts only keys bound to a service account",
      `Set it to one of: ${[...emails.keys()].join(", ") || "(add an account under serviceAccounts first)"}.`,
    );
  }
  const readersRaw = p.stringList("apiKey.readers", entry.readers, fix) ?? [];
  const readers = parseMembers(p, "apiKey.readers", readersRaw, emails);
  if (readersRaw.length === 0) {
    p.add(
      "apiKey.readers",
      undefined,
      "is empty, so nobody could read the API key from the secret store",
      "List who may read it.",
    );
  }
  const keyId = n.apiKeyId();
  checkRule(p, "apiKey", keyId, API_KEY_ID, "Shorten namePrefix or environment.", true);
  // The rotator names each key <keyId>-YYYYMMDD-HHMMSS, and an API key id is at most 63 characters.
  if (API_KEY_ID.pattern.test(keyId) && keyId.length + API_KEY_SUFFIX_LENGTH > MAX_API_KEY_ID) {
    p.derived(
      "apiKey",
      keyId,
      `is ${keyId.length} characters, which leaves no room for the rotator's ${API_KEY_SUFFIX_LENGTH}-character date suffix in an API key id of at most ${MAX_API_KEY_ID}`,
      "Shorten namePrefix or environment.",
    );
  }
  const displayName =
    p.string("apiKey.displayName", entry.displayName, fix) ?? `Gemini API (${keyId})`;
  // API Keys v2, Key.displayName: "The maximum length is 63 characters."
  if (displayName.length > MAX_API_KEY_DISPLAY_NAME) {
    p.add(
      entry.displayName === undefined ? "apiKey" : "apiKey.displayName",
      displayName,
      `is ${displayName.length} characters; the API Keys API allows ${MAX_API_KEY_DISPLAY_NAME}`,
      entry.displayName === undefined
        ? "Set apiKey.displayName, or shorten namePrefix or environment."
        : "Shorten it.",
    );
  }
  if (account === undefined) return undefined;
  return {
    keyId,
    displayName,
    accountKey: account.key,
    accountEmail: account.email,
    readers,
    secretId: n.apiKeySecretId(),
  };
}

function parseFoundation(p: Problems, v: Values, stackFile: string): Foundation {
  const value = p.string("foundation", v.foundation, `Correct it in ${stackFile}.`) ?? "stack";
  if ((FOUNDATIONS as readonly string[]).includes(value)) return value as Foundation;
  p.add(
    "foundation",
    value,
    "must be stack (this stack applies its foundation) or ci (the CI stack does)",
    `Correct it in ${stackFile}.`,
  );
  return "stack";
}

function parseApis(
  p: Problems,
  raw: unknown,
  uses: { roles: boolean; apiKey: boolean },
  fix: string,
): string[] {
  const extra = p.stringList("extraApis", raw, fix) ?? [];
  extra.forEach((api, i) =>
    checkRule(
      p,
      `extraApis[${i}]`,
      api,
      { pattern: API_NAME, allowed: "a service name such as aiplatform.googleapis.com" },
      "Correct the service name.",
    ),
  );
  const apis = [...BASE_APIS, ...extra];
  // Project IAM bindings are written through the Resource Manager API.
  if (uses.roles) apis.push("cloudresourcemanager.googleapis.com");
  if (uses.apiKey) apis.push("apikeys.googleapis.com");
  return [...new Set(apis)].sort();
}

/** Two secrets with one id would overwrite each other's versions. */
function checkSecretIds(
  p: Problems,
  accounts: AccountConfig[],
  oauthId: string | undefined,
  apiKeyId: string | undefined,
): void {
  const owners = new Map<string, string>();
  const claim = (id: string | undefined, owner: string): void => {
    if (id === undefined) return;
    const other = owners.get(id);
    if (other !== undefined)
      p.add(owner, id, `gives the secret id that ${other} also gives`, "Rename one of them.");
    owners.set(id, owner);
  };
  accounts
    .filter((a) => a.createKey)
    .forEach((a) => claim(a.keySecretId, `serviceAccounts.${a.key}`));
  claim(oauthId, "oauthConsent");
  claim(apiKeyId, "apiKey");
}

/** The values of a stack that may set only `keys` of the kit's, every other key reported. */
export function checkKeys(
  p: Problems,
  raw: RawConfig,
  secretKeys: ReadonlySet<string>,
  keys: readonly ConfigKey[],
  stackFile: string,
): Values {
  return decode(p, raw, secretKeys, { keys, stackFile }).values;
}

/** Whether a stack's raw config is the CI stack's (it sets `ci`). */
export function isCiStack(raw: RawConfig): boolean {
  return raw[`${NAMESPACE}:ci`] !== undefined;
}

/** Checks a stack's raw config; returns the resolved config, or every problem found. */
export function parseConfig(
  raw: RawConfig,
  ctx: ParseContext,
): { config?: KitConfig; problems: Problem[] } {
  const p = new Problems();
  const stackFile = ctx.stackFile ?? stackFileName(ctx.stack);
  const fix = `Correct it in ${stackFile}.`;
  const { values: v, misplaced } = decode(p, raw, ctx.secretKeys);

  const project = raw["gcp:project"];
  if (project === undefined && !misplaced.has("gcp:project")) {
    const typo = closest(
      "gcp:project",
      Object.keys(raw).filter((k) => k.startsWith(`${PROVIDER_NAMESPACE}:`)),
    );
    p.add(
      "gcp:project",
      undefined,
      "is not set; it names the project the stack deploys to",
      typo
        ? `Did you mean gcp:project (the file has ${typo})?`
        : `Set gcp:project in ${stackFile}.`,
    );
  } else if (project !== undefined)
    checkRule(
      p,
      "gcp:project",
      project,
      PROJECT_ID,
      "Use the project id (not its name or number).",
    );
  const environment = p.string("environment", v.environment, fix) ?? ctx.stack;
  checkRule(
    p,
    "environment",
    environment,
    LABEL_VALUE,
    "Set environment to a short name such as dev or prod.",
  );
  const namePrefix = p.string("namePrefix", v.namePrefix, fix) ?? "gemini";
  checkRule(p, "namePrefix", namePrefix, NAME_PREFIX, "Choose a shorter prefix.");

  // Ids derive from the prefix and environment. When either is itself wrong (already reported), ids
  // are derived from stand-ins, so one bad value is one problem, not one more per derived id.
  const n = makeNames(
    project ?? "",
    NAME_PREFIX.pattern.test(namePrefix) ? namePrefix : "gemini",
    LABEL_VALUE.pattern.test(environment) ? environment : "env",
  );
  const foundation = parseFoundation(p, v, stackFile);
  const production = p.boolean("production", v.production, fix) ?? false;
  if (production && ctx.secretsProvider === "passphrase") {
    p.add(
      "production",
      true,
      "marks a production stack, and its secrets are encrypted with a passphrase: whoever learns the one passphrase (CI holds it) can decrypt every secret in its state, offline",
      `Move the stack to a KMS key: pulumi stack change-secrets-provider --stack ${ctx.stack} gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K (the CI stack's output names the environment's key).`,
    );
  }
  const privilegedRoles = p.stringList("privilegedRoles", v.privilegedRoles, fix) ?? [];
  if (privilegedRoles.length > 0 && foundation === "ci") {
    p.add(
      "privilegedRoles",
      privilegedRoles,
      "applies to stacks that apply their own foundation; this one's is applied by the CI stack",
      "Remove it: the administrator's ci.grantableRoles in the CI stack decides which roles its accounts may hold.",
    );
  }
  const roles: RolePolicy =
    foundation === "stack"
      ? { kind: "own", privileged: new Set(privilegedRoles), stackFile }
      : ctx.governing === undefined
        ? { kind: "elsewhere" }
        : {
            kind: "governed",
            grantable: ctx.governing.grantable,
            ciStackFile: ctx.governing.ciStackFile,
          };
  if (v.ci !== undefined) {
    p.add(
      "ci",
      v.ci,
      "makes a stack the CI stack, which holds only gcp:project, namePrefix and ci",
      `Move it to the CI stack's file, or move the other settings out of ${stackFile}.`,
    );
  }

  const entriesRead = p.record("serviceAccounts", v.serviceAccounts, fix);
  const entries = entriesRead ?? {};
  const accounts = parseAccounts(p, entries, { names: n, environment, stackFile, roles });
  const emails = accountEmails(entries, n);
  const rotationDays = parseRotationDays(p, v);

  const secretLocations = p.stringList("secretLocations", v.secretLocations, fix) ?? [];
  secretLocations.forEach((l, i) =>
    checkRule(p, `secretLocations[${i}]`, l, LOCATION, "Use a region name."),
  );
  p.duplicates("secretLocations", secretLocations);

  const clientKey = `${NAMESPACE}:oauthClientJson`;
  let clientJson = v.oauthClientJson as string | undefined;
  if (clientJson !== undefined && !ctx.secretKeys.has(clientKey)) {
    p.add(
      "oauthClientJson",
      HIDDEN,
      "is in the stack file as plain text, so everyone who can read the repository has the OAuth client's secret",
      `Delete it from ${stackFile}, add a new secret to the client in the console (Google Auth Platform > Clients; the exposed one should be deleted there), then: ${setClientCommand(ctx.stack)}`,
    );
    clientJson = undefined;
  }
  const oauthSecretId = n.oauthClientSecretId();
  const oauth = parseOauth(
    p,
    {
      consent: v.oauthConsent,
      clientRequired: p.boolean("oauthClientRequired", v.oauthClientRequired, fix),
      clientReaders: v.oauthClientReaders,
      clientJson,
      clientSet: v.oauthClientJson !== undefined,
    },
    {
      project: project ?? "",
      stack: ctx.stack,
      stackFile,
      secretId: oauthSecretId,
      emails,
      misplaced,
    },
  );
  const readable =
    (entriesRead !== undefined || v.serviceAccounts === undefined) &&
    !misplaced.has(`${NAMESPACE}:serviceAccounts`);
  const apiKey =
    v.apiKey === undefined
      ? undefined
      : parseApiKey(p, v.apiKey, readable ? accounts : "unreadable", emails, n, fix);
  const apis = parseApis(
    p,
    v.extraApis,
    { roles: accounts.some((a) => a.roles.length > 0), apiKey: v.apiKey !== undefined },
    fix,
  );
  for (const id of [oauthSecretId, n.apiKeySecretId()])
    checkRule(p, "namePrefix", id, SECRET_ID, "Shorten namePrefix or environment.", true);
  p.collapseDerived(
    environment.length >= namePrefix.length
      ? { path: "environment", value: environment, other: `namePrefix "${namePrefix}"` }
      : { path: "namePrefix", value: namePrefix, other: `environment "${environment}"` },
  );
  checkSecretIds(p, accounts, oauth !== undefined ? oauthSecretId : undefined, apiKey?.secretId);

  if (p.list.length > 0 || project === undefined) return { problems: p.list };
  const labels = { environment, "managed-by": "gemini-access-kit" };
  return {
    problems: [],
    config: {
      project,
      stack: ctx.stack,
      environment,
      namePrefix,
      foundation,
      production,
      apis,
      accounts,
      rotationDays,
      secretLocations,
      labels,
      oauth,
      apiKey,
    },
  };
}
