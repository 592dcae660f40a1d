/** The serviceAccounts map: one entry per account, keyed by a stable short name. */

import { ACCOUNT_ID, MAP_KEY, SECRET_ID, type Names } from "../naming.ts";
import { parseMembers, parseRoles, type CiPool, type RolePolicy } from "./members.ts";
import type { Problems } from "./problems.ts";
import type { AccountConfig } from "./types.ts";
import { checkVisible } from "./visible.ts";

const FIELDS = [
  "displayName",
  "description",
  "accountId",
  "roles",
  "impersonators",
  "createKey",
  "keyReaders",
] as const;
/**
 * IAM's limits on a service account's texts, in UTF-8 bytes (iam.googleapis.com v1, ServiceAccount:
 * "displayName ... The maximum length is 100 UTF-8 bytes", "description ... 256 UTF-8 bytes").
 */
const MAX_DISPLAY_NAME_BYTES = 100;
const MAX_DESCRIPTION_BYTES = 256;

function checkBytes(p: Problems, path: string, value: string, max: number): void {
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > max)
    p.add(path, value, `is ${bytes} bytes in UTF-8; IAM allows ${max}`, "Shorten it.");
  checkVisible(p, path, value);
}

export interface AccountsContext {
  names: Names;
  environment: string;
  stackFile: string;
  /** Which roles the accounts may hold (see members.ts). */
  roles: RolePolicy;
  /** The CI stack's pool, when known: none of its identities may read a key or act as an account. */
  ciPool?: CiPool;
}

/** The e-mail each account will have, by key; `account:<key>` members resolve through it. */
export function accountEmails(entries: Record<string, unknown>, names: Names): Map<string, string> {
  const emails = new Map<string, string>();
  for (const [key, entry] of Object.entries(entries)) {
    const override = (entry as Record<string, unknown> | null)?.accountId;
    const accountId = typeof override === "string" ? override : names.accountId(key);
    emails.set(key, names.accountEmail(accountId));
  }
  return emails;
}

function checkAccountId(
  p: Problems,
  path: string,
  accountId: string,
  derived: boolean,
  stackFile: string,
): void {
  if (ACCOUNT_ID.pattern.test(accountId)) return;
  const tooLong = accountId.length > 30;
  const message = tooLong
    ? `is ${accountId.length} characters; Google allows 6-30`
    : `is not a valid service-account id; Google allows ${ACCOUNT_ID.allowed}`;
  if (derived)
    p.derived(
      path,
      accountId,
      message,
      `It is derived as <namePrefix>-<key>-<environment>: shorten the key, namePrefix or environment in ${stackFile}, or set accountId.`,
    );
  else p.add(path, accountId, message, "Shorten or correct it.");
}

/** Parses one account entry; undefined when it has problems (they are recorded). */
function parseAccount(
  p: Problems,
  key: string,
  value: unknown,
  emails: ReadonlyMap<string, string>,
  ctx: AccountsContext,
): AccountConfig | undefined {
  const path = `serviceAccounts.${key}`;
  const before = p.list.length;
  const keyOk = MAP_KEY.pattern.test(key);
  if (!keyOk) {
    p.add(
      path,
      key,
      `is not a usable account key; allowed: ${MAP_KEY.allowed}`,
      "Rename the entry.",
    );
  }
  const entry = p.record(
    path,
    value ?? {},
    "Write the account as a map: displayName, roles, createKey, keyReaders.",
  );
  if (entry === undefined) return undefined;
  p.unknownFields(path, entry, FIELDS);

  const fix = `Correct it in ${ctx.stackFile}.`;
  const override = p.string(`${path}.accountId`, entry.accountId, fix);
  const accountId = override ?? ctx.names.accountId(key);
  // An id derived from a bad key is wrong for the key's sake, which is reported above.
  if (keyOk || override !== undefined)
    checkAccountId(p, `${path}.accountId`, accountId, override === undefined, ctx.stackFile);

  const displayName =
    p.string(`${path}.displayName`, entry.displayName, fix) ?? `Gemini ${key} (${ctx.environment})`;
  checkBytes(p, `${path}.displayName`, displayName, MAX_DISPLAY_NAME_BYTES);
  const description = p.string(`${path}.description`, entry.description, fix) ?? "";
  checkBytes(p, `${path}.description`, description, MAX_DESCRIPTION_BYTES);
  const roles = parseRoles(
    p,
    `${path}.roles`,
    p.stringList(`${path}.roles`, entry.roles, fix) ?? [],
    ctx.roles,
  );
  const impersonatorsRaw = p.stringList(`${path}.impersonators`, entry.impersonators, fix) ?? [];
  const members = { emails, ciPool: ctx.ciPool };
  const impersonators = parseMembers(
    p,
    `${path}.impersonators`,
    impersonatorsRaw,
    members,
    "act as the account",
  );
  const createKeyRead = p.boolean(`${path}.createKey`, entry.createKey, fix);
  const createKey = createKeyRead ?? false;
  const readersRaw = p.stringList(`${path}.keyReaders`, entry.keyReaders, fix) ?? [];
  // Whether keyReaders applies depends on createKey; when createKey itself is wrong (reported just
  // above), nothing that depends on it is judged.
  if (entry.createKey !== undefined && createKeyRead === undefined) return undefined;
  if (!createKey && readersRaw.length > 0) {
    p.add(
      `${path}.keyReaders`,
      readersRaw,
      "is set, but createKey is not true, so there is no key to read",
      "Set createKey: true, or remove keyReaders.",
    );
    return undefined;
  }
  const keyReaders = parseMembers(
    p,
    `${path}.keyReaders`,
    readersRaw,
    members,
    "read the account's key",
  );

  if (createKey && readersRaw.length === 0) {
    p.add(
      `${path}.keyReaders`,
      undefined,
      "is empty, so nobody could read the key from the secret store",
      "List who may read it, e.g. serviceAccount:workload@other-project.iam.gserviceaccount.com or group:team@example.com.",
    );
  }
  const keySecretId = ctx.names.keySecretId(key);
  if (createKey && keyOk && !SECRET_ID.pattern.test(keySecretId)) {
    p.derived(
      path,
      keySecretId,
      `gives a key secret id that is not allowed; Google allows ${SECRET_ID.allowed}`,
      "Shorten the key or the prefix.",
    );
  }
  if (p.list.length > before) return undefined;
  return {
    key,
    accountId,
    email: ctx.names.accountEmail(accountId),
    displayName,
    description,
    roles,
    impersonators,
    createKey,
    keyReaders,
    keySecretId,
  };
}

/** Parses the whole map; the result is sorted by key. */
export function parseAccounts(
  p: Problems,
  entries: Record<string, unknown>,
  ctx: AccountsContext,
): AccountConfig[] {
  const emails = accountEmails(entries, ctx.names);
  const accounts = Object.keys(entries)
    .sort()
    .flatMap((key) => parseAccount(p, key, entries[key], emails, ctx) ?? []);
  const seen = new Map<string, string>();
  for (const account of accounts) {
    const other = seen.get(account.accountId);
    if (other !== undefined) {
      p.add(
        `serviceAccounts.${account.key}.accountId`,
        account.accountId,
        `is also the id of serviceAccounts.${other}`,
        "Give one of them another accountId.",
      );
    }
    seen.set(account.accountId, account.key);
  }
  return accounts;
}
