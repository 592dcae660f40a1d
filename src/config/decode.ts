/**
 * Raw stack config, as Pulumi hands it over, decoded into values by each key's kind: keys in other
 * namespaces, retired keys, unknown keys and values of the wrong kind are reported here, and a
 * secret key's value is never shown in a problem.
 */

import { PROJECT_ID } from "../naming.ts";
import { CONFIG_KEYS, KEY_NAMES, NAMESPACE, type ConfigKey } from "./keys.ts";
import { closest, HIDDEN, type Problems } from "./problems.ts";

/** Config values as Pulumi hands them over: full keys (`gcp:project`, `gemini-access-kit:…`), string values. */
export type RawConfig = Readonly<Record<string, string>>;

/** Keys the kit no longer reads, and where what they held went. */
const RETIRED: Partial<Record<string, { message: string; fix: string }>> = {
  ciIdentity: {
    message:
      "is no longer read here: CI identities are made by the CI stack (stacks/Pulumi.ci.yaml), which an administrator applies",
    fix: "Remove it, set foundation: ci in this file, and describe CI in the CI stack's ci setting (see docs/ci.md).",
  },
  keyRotationStart: {
    message:
      "is no longer read: the key rotator (npm run rotate) makes a new key when the newest is keyRotationDays old, counted from that key",
    fix: "Remove it (see docs/keys-and-rotation.md).",
  },
};

/** The Google provider's namespace; of its settings, a stack file holds only PROVIDER_KEYS. */
const PROVIDER_NAMESPACE = "gcp";
/**
 * The provider settings a stack may set: where it deploys and how its resources are labelled. Every
 * other one changes where the provider sends its calls, whose identity makes them or which project
 * pays for and authorizes them, none of which a stack file may decide for the identity that runs it.
 */
const PROVIDER_KEYS = ["project", "region", "zone", "defaultLabels"];
const PROVIDER_ALLOWED = `a stack file sets only ${PROVIDER_KEYS.slice(0, -1)
  .map((k) => `${PROVIDER_NAMESPACE}:${k}`)
  .join(", ")} and ${PROVIDER_NAMESPACE}:${PROVIDER_KEYS.at(-1)!}`;
/** Settings that hand the provider credentials: their values are never shown. */
const CREDENTIAL_KEYS = ["credentials", "accessToken", "externalCredentials"];
const IMPERSONATION_KEYS = ["impersonateServiceAccount", "impersonateServiceAccountDelegates"];
const BILLING_KEYS = ["billingProject", "userProjectOverride"];
/**
 * Pulumi's own namespace, for settings the engine reads (pulumi:disable-default-providers in
 * pkg/resource/deploy/default_providers.go, pulumi:tags in sdk/go/common/apitype/core.go).
 */
const PULUMI_NAMESPACE = "pulumi";
const NAMESPACES = [NAMESPACE, PROVIDER_NAMESPACE, PULUMI_NAMESPACE];

export type Values = Partial<Record<ConfigKey, unknown>>;

/** The key's value as a problem may show it: secret keys never show theirs. */
function shown(fullKey: string, text: string, secretKeys: ReadonlySet<string>): unknown {
  const key = fullKey.slice(fullKey.indexOf(":") + 1);
  return secretKeys.has(fullKey) ||
    (key in CONFIG_KEYS && "secret" in CONFIG_KEYS[key as ConfigKey]) ||
    (fullKey.startsWith(`${PROVIDER_NAMESPACE}:`) && CREDENTIAL_KEYS.includes(key))
    ? HIDDEN
    : text;
}

/** Why a provider setting outside PROVIDER_KEYS is refused. */
function providerRefusal(key: string): string {
  if (key.endsWith("CustomEndpoint"))
    return "would send the deployer's access token, and every secret value the stack writes, to that address instead of Google's";
  if (key === "universeDomain")
    return "would send the deployer's access token, and every secret value the stack writes, to that domain instead of googleapis.com";
  if (CREDENTIAL_KEYS.includes(key))
    return "would change whose identity deploys: the provider would call Google with these credentials instead of the identity CI (or the person running pulumi) signed in as";
  if (IMPERSONATION_KEYS.includes(key))
    return "would change whose identity deploys: the provider would act as that account instead of the identity CI (or the person running pulumi) signed in as";
  if (BILLING_KEYS.includes(key))
    return "would charge and authorize the provider's calls against another project than the one the stack deploys to";
  return "is not a setting the kit needs";
}

/**
 * A `gcp:` setting outside PROVIDER_KEYS is refused with the reason it matters. Returns the allowed
 * key it looks like a misspelling of, for the checks that would otherwise call that one missing.
 */
function providerKey(
  p: Problems,
  fullKey: string,
  text: unknown,
  stackFile: string,
): string | undefined {
  const key = fullKey.slice(PROVIDER_NAMESPACE.length + 1);
  if (PROVIDER_KEYS.includes(key)) return undefined;
  const reason = providerRefusal(key);
  const guess =
    reason === "is not a setting the kit needs" ? closest(key, PROVIDER_KEYS) : undefined;
  const meant = guess === undefined ? undefined : `${PROVIDER_NAMESPACE}:${guess}`;
  p.add(
    fullKey,
    text,
    `${reason}; ${PROVIDER_ALLOWED}`,
    meant === undefined ? `Remove it from ${stackFile}.` : `Did you mean ${meant}?`,
  );
  return meant;
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
export function decode(
  p: Problems,
  raw: RawConfig,
  secretKeys: ReadonlySet<string>,
  stackFile: string,
  only?: readonly ConfigKey[],
): { values: Values; misplaced: Set<string> } {
  const values: Values = {};
  const misplaced = new Set<string>();
  // An encrypted provider setting is left out of the raw config offline (it cannot be read), but
  // is refused all the same: what it would do does not depend on its value.
  for (const fullKey of secretKeys)
    if (fullKey.startsWith(`${PROVIDER_NAMESPACE}:`) && raw[fullKey] === undefined) {
      const meant = providerKey(p, fullKey, HIDDEN, stackFile);
      if (meant !== undefined) misplaced.add(meant);
    }
  for (const [fullKey, text] of Object.entries(raw)) {
    if (fullKey.startsWith(`${PROVIDER_NAMESPACE}:`)) {
      const meant = providerKey(p, fullKey, shown(fullKey, text, secretKeys), stackFile);
      if (meant !== undefined) misplaced.add(meant);
      continue;
    }
    if (fullKey.startsWith(`${PULUMI_NAMESPACE}:`)) continue;
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
      const meant = closest(key, KEY_NAMES);
      p.add(
        key,
        shown(fullKey, text, secretKeys),
        "is not a key the kit reads",
        meant ? `Did you mean ${meant}?` : "Remove it; docs/configuration.md lists every key.",
      );
      if (meant !== undefined) misplaced.add(`${NAMESPACE}:${meant}`);
      continue;
    }
    if (only !== undefined && !only.includes(key as ConfigKey)) {
      p.add(
        key,
        shown(fullKey, text, secretKeys),
        `is an environment stack's setting; a CI stack holds only gcp:project, ${only.join(" and ")}`,
        `Remove it from ${stackFile}, or put it in an environment's stack file.`,
      );
      continue;
    }
    if (key === "project" && PROJECT_ID.pattern.test(text)) {
      // A project id here was meant for gcp:project, which Pulumi files under the kit's namespace
      // when it is written without one; project itself says how the kit vends that project.
      p.add(
        key,
        text,
        "is a project id; project says how the kit vends the project (create: {...} or adopt: {}), and the id is gcp:project",
        "Did you mean gcp:project?",
      );
      misplaced.add("gcp:project");
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

/** The values of a stack that may set only `keys` of the kit's, every other key reported. */
export function checkKeys(
  p: Problems,
  raw: RawConfig,
  secretKeys: ReadonlySet<string>,
  keys: readonly ConfigKey[],
  stackFile: string,
): { values: Values; misplaced: Set<string> } {
  return decode(p, raw, secretKeys, stackFile, keys);
}

/** Whether a stack's raw config is the CI stack's (it sets `ci`). */
export function isCiStack(raw: RawConfig): boolean {
  return raw[`${NAMESPACE}:ci`] !== undefined;
}
