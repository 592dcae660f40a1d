/**
 * The stack's API keys, the Gemini API's (`apiKey`) and Vertex AI express mode's (`vertex.apiKey`):
 * which account each is bound to, who may read it, its ids, name and the one API it may call.
 */

import { API_KEY_ID, MAP_KEY, type Names } from "../naming.ts";
import { API_KEY_SUFFIX_LENGTH } from "../rotation.ts";
import { parseMembers, type MemberContext } from "./members.ts";
import { checkRule, closest, type Problems } from "./problems.ts";
import type { AccountConfig, ApiKeyConfig } from "./types.ts";
import { GEMINI_API, VERTEX_API } from "./vertex.ts";
import { checkVisible } from "./visible.ts";

const MAX_API_KEY_DISPLAY_NAME = 63;
/** API Keys v2, keys.create: keyId "must match the regular expression [a-z]([a-z0-9-]{0,61}[a-z0-9])?". */
const MAX_API_KEY_ID = 63;

/** What sets one API key apart from the other: its config path, ids, default name and API. */
interface KeyKind {
  path: "apiKey" | "vertex.apiKey";
  keyId: string;
  secretId: string;
  defaultDisplayName: string;
  service: string;
  /** What the key is called in a problem: "the API key", "the Vertex API key". */
  noun: string;
}

/** The Gemini API key (`apiKey`): ids `<prefix>-gemini-<env>` and `<prefix>-api-key-<env>`. */
export function geminiKeyKind(n: Names): KeyKind {
  const keyId = n.apiKeyId();
  return {
    path: "apiKey",
    keyId,
    secretId: n.apiKeySecretId(),
    defaultDisplayName: `Gemini API (${keyId})`,
    service: GEMINI_API,
    noun: "the API key",
  };
}

/** The Vertex AI express-mode key (`vertex.apiKey`): ids `<prefix>-vertex-<env>` and `<prefix>-vertex-api-key-<env>`. */
export function vertexKeyKind(n: Names): KeyKind {
  const keyId = n.vertexApiKeyId();
  return {
    path: "vertex.apiKey",
    keyId,
    secretId: n.vertexApiKeySecretId(),
    defaultDisplayName: `Vertex AI (${keyId})`,
    service: VERTEX_API,
    noun: "the Vertex API key",
  };
}

export function parseApiKey(
  p: Problems,
  raw: unknown,
  accounts: AccountConfig[] | "unreadable",
  members: MemberContext,
  kind: KeyKind,
  fix: string,
): ApiKeyConfig | undefined {
  const at = kind.path;
  const entry = p.record(at, raw, fix);
  if (entry === undefined) return undefined;
  p.unknownFields(at, entry, ["serviceAccount", "readers", "displayName"]);
  const accountKey = p.string(`${at}.serviceAccount`, entry.serviceAccount, fix);
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
      `${at}.serviceAccount`,
      accountKey,
      kind.service === GEMINI_API
        ? "must name an account of this stack: the kit makes only keys bound to a service account, the kind Google's API-key page says the Gemini API accepts from September 2026"
        : "must name an account of this stack: the kit makes only keys bound to a service account, which it grants roles/aiplatform.expressUser so the key can call Vertex AI in express mode",
      `Set it to one of: ${[...emails.keys()].join(", ") || "(add an account under serviceAccounts first)"}.`,
    );
  }
  const readersRaw = p.stringList(`${at}.readers`, entry.readers, fix) ?? [];
  const readers = parseMembers(p, `${at}.readers`, readersRaw, members, `read ${kind.noun}`);
  if (readersRaw.length === 0) {
    p.add(
      `${at}.readers`,
      undefined,
      `is empty, so nobody could read ${kind.noun} from the secret store`,
      "List who may read it.",
    );
  }
  const keyId = kind.keyId;
  checkRule(p, at, keyId, API_KEY_ID, "Shorten namePrefix or environment.", true);
  // The rotator names each key <keyId>-YYYYMMDD-HHMMSS, and an API key id is at most 63 characters.
  if (API_KEY_ID.pattern.test(keyId) && keyId.length + API_KEY_SUFFIX_LENGTH > MAX_API_KEY_ID) {
    p.derived(
      at,
      keyId,
      `is ${keyId.length} characters, which leaves no room for the rotator's ${API_KEY_SUFFIX_LENGTH}-character date suffix in an API key id of at most ${MAX_API_KEY_ID}`,
      "Shorten namePrefix or environment.",
    );
  }
  const displayName =
    p.string(`${at}.displayName`, entry.displayName, fix) ?? kind.defaultDisplayName;
  checkVisible(p, `${at}.displayName`, displayName);
  // API Keys v2, Key.displayName: "The maximum length is 63 characters."
  if (displayName.length > MAX_API_KEY_DISPLAY_NAME) {
    p.add(
      entry.displayName === undefined ? at : `${at}.displayName`,
      displayName,
      `is ${displayName.length} characters; the API Keys API allows ${MAX_API_KEY_DISPLAY_NAME}`,
      entry.displayName === undefined
        ? `Set ${at}.displayName, or shorten namePrefix or environment.`
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
    secretId: kind.secretId,
    service: kind.service,
  };
}

/** The stack's API keys: the Gemini API's, then Vertex AI's; each has a secret the rotator keeps. */
export function apiKeys(config: {
  apiKey?: ApiKeyConfig;
  vertex?: { apiKey?: ApiKeyConfig };
}): ApiKeyConfig[] {
  return [config.apiKey, config.vertex?.apiKey].filter((k) => k !== undefined);
}
