/** IAM members and roles as a stack writes them, checked against what IAM accepts. */

import { EMAIL } from "../naming.ts";
import type { Problems } from "./problems.ts";

const EMAIL_KINDS = ["user", "group", "serviceAccount"];
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const FEDERATED = /^principal(Set)?:\/\/iam\.googleapis\.com\/\S+$/;
const ROLE = /^(roles\/[A-Za-z0-9_.]+|(projects|organizations)\/[A-Za-z0-9_.-]+\/roles\/[A-Za-z0-9_.]+)$/;

/** Basic roles grant thousands of permissions across every service; the kit never grants them. */
export const BASIC_ROLES = ["roles/owner", "roles/editor", "roles/viewer"];
/** Granted on the project, this role would read every secret in it, every other stack's keys included. */
export const ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";

const MEMBER_ALLOWED =
  "user:EMAIL, group:EMAIL, serviceAccount:EMAIL, domain:DOMAIN, principal://..., principalSet://..., " +
  "or account:KEY for an account this stack creates";

/**
 * Resolves one member. `account:<key>` names an account of this stack and becomes its
 * serviceAccount member; `emails` maps those keys to their e-mails.
 */
export function parseMember(
  p: Problems,
  path: string,
  value: string,
  emails: ReadonlyMap<string, string>,
): string | undefined {
  if (value === "allUsers" || value === "allAuthenticatedUsers") {
    p.add(path, value, "would make the secret readable by anyone", "Name the people, groups or accounts that need it.");
    return undefined;
  }
  const colon = value.indexOf(":");
  const kind = colon > 0 ? value.slice(0, colon) : "";
  const rest = value.slice(colon + 1);
  if (kind === "account") {
    const email = emails.get(rest);
    if (email !== undefined) return `serviceAccount:${email}`;
    p.add(
      path,
      value,
      `names no account of this stack; its accounts are: ${[...emails.keys()].join(", ") || "(none)"}`,
      "Use the key of an entry in serviceAccounts.",
    );
    return undefined;
  }
  const ok =
    (EMAIL_KINDS.includes(kind) && EMAIL.pattern.test(rest)) ||
    (kind === "domain" && DOMAIN.test(rest)) ||
    FEDERATED.test(value);
  if (ok) return value;
  p.add(path, value, `is not an IAM member; allowed: ${MEMBER_ALLOWED}`, "Fix the member's prefix or address.");
  return undefined;
}

/** Resolves a list of members, reporting bad and duplicate entries. */
export function parseMembers(
  p: Problems,
  path: string,
  values: readonly string[],
  emails: ReadonlyMap<string, string>,
): string[] {
  const resolved = values.flatMap((v, i) => parseMember(p, `${path}[${i}]`, v, emails) ?? []);
  p.duplicates(path, resolved);
  return [...new Set(resolved)];
}

/** Checks project roles: their shape, no basic roles, and no project-wide secret access. */
export function parseRoles(p: Problems, path: string, values: readonly string[]): string[] {
  values.forEach((role, i) => {
    const at = `${path}[${i}]`;
    if (BASIC_ROLES.includes(role)) {
      p.add(
        at,
        role,
        "is a basic role; the kit grants only predefined or custom roles",
        "Name the narrower roles the account needs, e.g. roles/serviceusage.serviceUsageConsumer.",
      );
    } else if (role === ACCESSOR_ROLE) {
      p.add(
        at,
        role,
        "on the project would let the account read every secret in it",
        "Remove it; list the account under keyReaders (as account:KEY) of the secrets it needs.",
      );
    } else if (!ROLE.test(role)) {
      p.add(at, role, "is not a role name; expected roles/NAME or projects/ID/roles/NAME", "Fix the role's name.");
    }
  });
  p.duplicates(path, values);
  return [...new Set(values)];
}
