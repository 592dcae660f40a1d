/** The serviceAccounts map: one entry per account, keyed by a stable short name. */

import { ACCOUNT_ID, MAP_KEY, SECRET_ID, type Names } from "../naming.ts";
import { parseMembers, parseRoles } from "./members.ts";
import type { Problems } from "./problems.ts";
import type { AccountConfig } from "./types.ts";

const FIELDS = ["displayName", "description", "accountId", "roles", "impersonators", "createKey", "keyReaders"] as const;
/** IAM caps a service account's display name at 100 characters. */
const MAX_DISPLAY_NAME = 100;

export interface AccountsContext {
  names: Names;
  environment: string;
  stackFile: string;
}

/** The e-mail each account will have, by key; `account:<key>` members resolve through it. */
export function accountEmails(
  entries: Record<string, unknown>,
  ctx: AccountsContext,
): Map<string, string> {
  const emails = new Map<string, string>();
  for (const [key, entry] of Object.entries(entries)) {
    const override = (entry as Record<string, unknown> | null)?.accountId;
    const accountId = typeof override === "string" ? override : ctx.names.accountId(key);
    emails.set(key, ctx.names.accountEmail(accountId));
  }
  return emails;
}

function checkAccountId(p: Problems, path: string, accountId: string, derived: boolean, stackFile: string): void {
  if (ACCOUNT_ID.pattern.test(accountId)) return;
  const tooLong = accountId.length > 30;
  const message = tooLong
    ? `is ${accountId.length} characters; Google allows 6-30`
    : `is not a valid service-account id; Google allows ${ACCOUNT_ID.allowed}`;
  const fix = derived
    ? `It is derived as <namePrefix>-<key>-<environment>: shorten the key, or shorten [namePrefix] in ${stackFile}, or set accountId.`
    : "Shorten or correct it.";
  p.add(path, accountId, message, fix);
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
  if (!MAP_KEY.pattern.test(key)) {
    p.add(path, key, `is not a usable account key; allowed: ${MAP_KEY.allowed}`, "Rename the entry.");
  }
  const entry = p.record(path, value ?? {}, "Write the account as a map: displayName, roles, createKey, keyReaders.");
  if (entry === undefined) return undefined;
  p.unknownFields(path, entry, FIELDS);

  const fix = `Correct it in ${ctx.stackFile}.`;
  const override = p.string(`${path}.accountId`, entry.accountId, fix);
  const accountId = override ?? ctx.names.accountId(key);
  checkAccountId(p, `${path}.accountId`, accountId, override === undefined, ctx.stackFile);

  const displayName = p.string(`${path}.displayName`, entry.displayName, fix) ?? `Gemini ${key} (${ctx.environment})`;
  if (displayName.length > MAX_DISPLAY_NAME) {
    p.add(`${path}.displayName`, displayName, `is ${displayName.length} characters; IAM allows 100`, "Shorten it.");
  }
  const description = p.string(`${path}.description`, entry.description, fix) ?? "";
  const roles = parseRoles(p, `${path}.roles`, p.stringList(`${path}.roles`, entry.roles, fix) ?? []);
  const impersonatorsRaw = p.stringList(`${path}.impersonators`, entry.impersonators, fix) ?? [];
  const impersonators = parseMembers(p, `${path}.impersonators`, impersonatorsRaw, emails);
  const createKey = p.boolean(`${path}.createKey`, entry.createKey, fix) ?? false;
  const readersRaw = p.stringList(`${path}.keyReaders`, entry.keyReaders, fix) ?? [];
  const keyReaders = parseMembers(p, `${path}.keyReaders`, readersRaw, emails);

  if (createKey && readersRaw.length === 0) {
    p.add(
      `${path}.keyReaders`,
      undefined,
      "is empty, so nobody could read the key from the secret store",
      "List who may read it, e.g. serviceAccount:workload@other-project.iam.gserviceaccount.com or group:team@example.com.",
    );
  }
  if (!createKey && readersRaw.length > 0) {
    p.add(`${path}.keyReaders`, readersRaw, "is set, but createKey is not true, so there is no key to read", "Set createKey: true, or remove keyReaders.");
  }
  const keySecretId = ctx.names.keySecretId(key);
  if (createKey && !SECRET_ID.pattern.test(keySecretId)) {
    p.add(path, keySecretId, `gives a key secret id that is not allowed; Google allows ${SECRET_ID.allowed}`, "Shorten the key or the prefix.");
  }
  if (p.list.length > before) return undefined;
  return {
    key, accountId, email: ctx.names.accountEmail(accountId), displayName, description,
    roles, impersonators, createKey, keyReaders, keySecretId,
  };
}

/** Parses the whole map; the result is sorted by key. */
export function parseAccounts(
  p: Problems,
  entries: Record<string, unknown>,
  ctx: AccountsContext,
): AccountConfig[] {
  const emails = accountEmails(entries, ctx);
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
