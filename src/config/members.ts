/** IAM members and roles as a stack writes them, checked against what IAM accepts. */

import { EMAIL, memberSlug } from "../naming.ts";
import type { Problems } from "./problems.ts";

const EMAIL_KINDS = ["user", "group", "serviceAccount"];
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const FEDERATED = /^principal(Set)?:\/\/iam\.googleapis\.com\/\S+$/;
const ROLE =
  /^(roles\/[A-Za-z0-9_.]+|(projects|organizations)\/[A-Za-z0-9_.-]+\/roles\/[A-Za-z0-9_.]+)$/;

/** Basic roles grant thousands of permissions across every service; the kit never grants them. */
export const BASIC_ROLES = ["roles/owner", "roles/editor", "roles/viewer"];
/** Granted on the project, this role would read every secret in it, every other stack's keys included. */
const ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";

const MEMBER_ALLOWED =
  "user:EMAIL, group:EMAIL, serviceAccount:EMAIL, domain:DOMAIN, principal://..., principalSet://..., " +
  "or account:KEY for an account this stack creates";

/** The CI stack's workload identity pool: whoever its trust admits is a job of the repository. */
export interface CiPool {
  poolId: string;
  /** The CI stack's file, for messages. */
  stackFile: string;
  /** The pools of the repository's other CI stacks, whose trust admits its jobs as well. */
  others?: readonly { poolId: string; stackFile: string }[];
}

/** What a list of members is resolved and judged with, besides IAM's own forms. */
export interface MemberContext {
  /** The e-mail of each account of the stack, by key, for `account:KEY`. */
  emails: ReadonlyMap<string, string>;
  /** The CI stack's pool, when its file was found: no identity of it may be granted. */
  ciPool?: CiPool;
}

const NARROW_FIX =
  "Name the people, groups or accounts that need it (of a pool: a principal:// of one subject, or a principalSet:// of one group or attribute).";

/**
 * What a principal set stands for when it is a whole population rather than a group of it: every
 * identity a workload identity pool admits, every user of a workforce pool, or every principal in a
 * project, folder or organization (iam/docs/principal-identifiers).
 */
function wholePopulation(value: string): string | undefined {
  const workload =
    /^principalSet:\/\/iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/([^/]+)\/\*$/.exec(
      value,
    );
  if (workload !== null)
    return `is every identity workload identity pool ${workload[1]!} admits, whichever repository, job or workload its providers let in`;
  const workforce =
    /^principalSet:\/\/iam\.googleapis\.com\/locations\/global\/workforcePools\/([^/]+)\/\*$/.exec(
      value,
    );
  if (workforce !== null)
    return `is every user workforce pool ${workforce[1]!} signs in, whoever its identity provider admits`;
  const container =
    /^principalSet:\/\/cloudresourcemanager\.googleapis\.com\/(projects|folders|organizations)\//.exec(
      value,
    );
  if (container !== null) return `is every principal in a whole ${container[1]!.slice(0, -1)}`;
  if (value.startsWith("principalSet://") && value.endsWith("/*"))
    return "is every identity of a pool, not a group of them";
  return undefined;
}

/**
 * Resolves one member. `account:<key>` names an account of this stack and becomes its
 * serviceAccount member; `members.emails` maps those keys to their e-mails. `grant` says what the
 * list lets a member do ("read the key"), for messages.
 */
function parseMember(
  p: Problems,
  path: string,
  value: string,
  members: MemberContext,
  grant: string,
): string | undefined {
  const { emails, ciPool } = members;
  // principalSet://goog/public:all is allUsers in IAM's newer principal identifiers.
  if (
    value === "allUsers" ||
    value === "allAuthenticatedUsers" ||
    value === "principalSet://goog/public:all"
  ) {
    p.add(
      path,
      value,
      "would make the secret readable by anyone",
      "Name the people, groups or accounts that need it.",
    );
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
  const pool =
    ciPool === undefined || !FEDERATED.test(value)
      ? undefined
      : [ciPool, ...(ciPool.others ?? [])].find((c) =>
          value.includes(`/workloadIdentityPools/${c.poolId}/`),
        );
  if (pool !== undefined) {
    p.add(
      path,
      value,
      `is in the CI stack's workload identity pool ${pool.poolId} (ci.poolId in ${pool.stackFile}), which admits this repository's workflow jobs: every pull request (or every job of the repository) could then ${grant}`,
      "Name the people, groups or accounts that need it instead; CI's own accounts get what they need from the CI stack.",
    );
    return undefined;
  }
  const whole = wholePopulation(value);
  if (whole !== undefined) {
    p.add(path, value, `${whole}, so any of them could ${grant}`, NARROW_FIX);
    return undefined;
  }
  const ok =
    (EMAIL_KINDS.includes(kind) && EMAIL.pattern.test(rest)) ||
    (kind === "domain" && DOMAIN.test(rest)) ||
    FEDERATED.test(value);
  if (ok) return value;
  p.add(
    path,
    value,
    `is not an IAM member; allowed: ${MEMBER_ALLOWED}`,
    "Fix the member's prefix or address.",
  );
  return undefined;
}

/**
 * Resolves a list of members, reporting bad and duplicate entries, and members that are whole
 * populations or CI's own jobs; `grant` says what the list lets a member do ("read the key").
 */
export function parseMembers(
  p: Problems,
  path: string,
  values: readonly string[],
  members: MemberContext,
  grant: string,
): string[] {
  const resolved = values.flatMap(
    (v, i) => parseMember(p, `${path}[${i}]`, v, members, grant) ?? [],
  );
  p.duplicates(path, resolved);
  const unique = [...new Set(resolved)];
  // Each member's grant is a resource named after the member (memberSlug); two members whose names
  // differ only in characters a resource name cannot hold would be one resource twice, which `up`
  // refuses after it has begun.
  const bySlug = new Map<string, string>();
  for (const member of unique) {
    const slug = memberSlug(member);
    const other = bySlug.get(slug);
    if (other !== undefined)
      p.add(
        path,
        member,
        `gives the same resource name as ${JSON.stringify(other)} (${slug}), so the two grants could not both be made`,
        "Grant one of them through a group, or list only one.",
      );
    else bySlug.set(slug, member);
  }
  return unique;
}

/**
 * Roles that can change IAM or act as other principals: with one, an account (or whoever can act as
 * it, the CI deployer included) could widen its own access. Refused unless the owner of the stack's
 * foundation allows them. By name, since the kit cannot know every role's permissions: custom roles
 * (their permissions are whatever their author chose), every `*Admin` / `*.admin` role (an admin role
 * of a service sets IAM on that service's resources; `projectIamAdmin`, `securityAdmin` and
 * `secretmanager.admin`, which reads every secret, among them), and IAM's roles for acting as an
 * account, plus `apiKeysViewer`, which reads every API key string.
 */
function isPrivilegedRole(role: string): boolean {
  if (/^(projects|organizations)\//.test(role)) return true;
  const name = role.slice(role.lastIndexOf("/") + 1);
  if (/(^|\.)[a-zA-Z]*[aA]dmin$/.test(name)) return true;
  return PRIVILEGED_BY_NAME.has(role);
}

const PRIVILEGED_BY_NAME = new Set([
  "roles/iam.serviceAccountTokenCreator",
  "roles/iam.serviceAccountUser",
  "roles/iam.workloadIdentityUser",
  "roles/iam.serviceAccountOpenIdTokenCreator",
  "roles/serviceusage.apiKeysViewer",
]);

/** Which roles a stack's accounts may hold, by who applies them. */
export type RolePolicy =
  /** The stack applies its own foundation: privileged roles only when its file lists them. */
  | { kind: "own"; privileged: ReadonlySet<string>; stackFile: string }
  /** The CI stack applies it: every role must be on the administrator's list. */
  | { kind: "governed"; grantable: ReadonlySet<string>; ciStackFile: string }
  /** The CI stack applies it, and is not being checked here: the CI stack's own check decides. */
  | { kind: "elsewhere" };

/** Checks project roles: their shape, no basic roles, no project-wide secret access, and the policy. */
export function parseRoles(
  p: Problems,
  path: string,
  values: readonly string[],
  policy: RolePolicy,
): string[] {
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
      p.add(
        at,
        role,
        "is not a role name; expected roles/NAME or projects/ID/roles/NAME",
        "Fix the role's name.",
      );
    } else if (policy.kind === "governed" && !policy.grantable.has(role)) {
      p.add(
        at,
        role,
        `is not among the roles the CI stack may grant (ci.grantableRoles in ${policy.ciStackFile})`,
        `Remove it, or an administrator adds it to ci.grantableRoles and applies the CI stack${isPrivilegedRole(role) ? " (it can grant IAM or act as other accounts: add it only knowingly)" : ""}.`,
      );
    } else if (policy.kind === "own" && isPrivilegedRole(role) && !policy.privileged.has(role)) {
      p.add(
        at,
        role,
        "can grant IAM or act as other accounts, so the account (and whoever can act as it) could widen its own access",
        `Remove it, or, if the account must have it, list it under privilegedRoles in ${policy.stackFile}.`,
      );
    }
  });
  p.duplicates(path, values);
  return [...new Set(values)];
}
