/** The stack's Gemini API key: which account it is bound to, who may read it, its ids and name. */

import { API_KEY_ID, MAP_KEY, type names } from "../naming.ts";
import { API_KEY_SUFFIX_LENGTH } from "../rotation.ts";
import { parseMembers, type MemberContext } from "./members.ts";
import { checkRule, closest, type Problems } from "./problems.ts";
import type { AccountConfig, ApiKeyConfig } from "./types.ts";
import { checkVisible } from "./visible.ts";

const MAX_API_KEY_DISPLAY_NAME = 63;
/** API Keys v2, keys.create: keyId "must match the regular expression [a-z]([a-z0-9-]{0,61}[a-z0-9])?". */
const MAX_API_KEY_ID = 63;

export function parseApiKey(
  p: Problems,
  raw: unknown,
  accounts: AccountConfig[] | "unreadable",
  members: MemberContext,
  n: ReturnType<typeof names>,
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
  const { emails } = members;
  const unusableKeys = [...emails.keys()].filter((k) => !MAP_KEY.pattern.test(k));
  const reportedElsewhere =
    accountKey !== undefined &&
    (emails.has(accountKey) || closest(accountKey, unusableKeys) !== undefined);
  if (accounts !== "unreadable" && account === undefined && !reportedElsewhere) {
    p.add(
      "apiKey.serviceAccount",
      accountKey,
      "must name an account of this stack: the kit makes only keys bound to a service account, the kind Google's API-key page says the Gemini API accepts from September 2026",
      `Set it to one of: ${[...emails.keys()].join(", ") || "(add an account under serviceAccounts first)"}.`,
    );
  }
  const readersRaw = p.stringList("apiKey.readers", entry.readers, fix) ?? [];
  const readers = parseMembers(p, "apiKey.readers", readersRaw, members, "read the API key");
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
  checkVisible(p, "apiKey.displayName", displayName);
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
