/**
 * The organization policies on keys: whether service-account keys may be made, API keys must be
 * bound to an account, and how long keys may live.
 */

import {
  CONSTRAINTS,
  keyExpiryHours,
  keyLifetimeHours,
  longestPeriodFor,
  readBoolean,
} from "../constraints.ts";
import type { PreflightTarget } from "../targets.ts";
import { couldNot, GEMINI, type CheckResult } from "./result.ts";
import { policyCall, describeRules, policyCheck, type PolicyReader } from "./policy.ts";

/** iam.disableServiceAccountKeyCreation and its managed twin: either refuses the keys the rotator makes (not up, which makes none). */
export async function keyCreationCheck(
  read: PolicyReader,
  t: PreflightTarget,
): Promise<CheckResult> {
  const keys = t.keys!;
  const constraints = [CONSTRAINTS.keyCreation, CONSTRAINTS.keyCreationManaged];
  const base = {
    id: "org-policy",
    constraint: CONSTRAINTS.keyCreation,
    project: keys.project,
    calls: constraints.map((c) => policyCall(keys.project, c)),
  };
  try {
    const rules = await Promise.all(constraints.map((c) => read(c)));
    const evidence = constraints.map((c, i) => describeRules(c, rules[i]!));
    const enforced = constraints.filter((c, i) => readBoolean(c, rules[i]!).enforced);
    if (enforced.length === 0)
      return {
        ...base,
        status: "pass",
        summary: `Service-account keys may be created in ${keys.project}.`,
        evidence,
      };
    // up makes no key (the rotator does), so it succeeds: a warning here, and the rotator's own run
    // is refused at its first key, before anything is made (KEY_CREATION_BLOCKED).
    return {
      ...base,
      status: "warn",
      summary: `${enforced.join(" and ")} ${enforced.length === 1 ? "is" : "are"} enforced on ${keys.project}: up succeeds, but the rotator cannot make the keys the stack issues for ${keys.accounts.join(", ")} (npm run rotate fails with KEY_CREATION_BLOCKED, making nothing).`,
      evidence,
      fix:
        `Either take the keyless path: in ${t.stackFile} set createKey: false for ${keys.accounts.length === 1 ? "the account" : "each account"} and list its consumers as impersonators (they act as it with short-lived tokens, nothing to leak). ` +
        `Or have an organization policy administrator (roles/orgpolicy.policyAdmin) make an exception for this project: gcloud org-policies reset ${CONSTRAINTS.keyCreation} --project ${keys.project}, and the same for ${CONSTRAINTS.keyCreationManaged}.`,
    };
  } catch (err) {
    return couldNot(base, "read the key-creation policies", err);
  }
}

/** iam.managed.disableServiceAccountApiKeyCreation: enforced by default; Google exempts keys restricted to the Gemini API. */
export function apiKeyBindingCheck(read: PolicyReader, t: PreflightTarget): Promise<CheckResult> {
  const key = t.apiKey!;
  return policyCheck(read, CONSTRAINTS.apiKeyBinding, key.project, (rules, evidence) => {
    const reading = readBoolean(CONSTRAINTS.apiKeyBinding, rules);
    if (!reading.enforced)
      return {
        status: "pass",
        summary: `API keys may be bound to service accounts in ${key.project}.`,
        evidence,
      };
    const allowed = reading.parameters?.allowedServices;
    if (Array.isArray(allowed)) {
      if (allowed.includes(GEMINI))
        return {
          status: "pass",
          summary: `${CONSTRAINTS.apiKeyBinding} is enforced on ${key.project} with ${GEMINI} among its allowedServices: the rotator's key may be bound.`,
          evidence,
        };
      return {
        status: "fail",
        summary: `${CONSTRAINTS.apiKeyBinding} is enforced on ${key.project} and its allowedServices leave out ${GEMINI}: the rotator cannot make the API key bound to ${key.account}.`,
        evidence,
        fix: `Have an organization policy administrator add ${GEMINI} to the constraint's allowedServices parameter for this project (cloud.google.com/docs/authentication/api-keys), or drop apiKey from ${t.stackFile} and use the keyless path.`,
      };
    }
    return {
      status: "warn",
      summary: `${CONSTRAINTS.apiKeyBinding} is enforced on ${key.project}${reading.byDefault ? " (Google enforces it by default)" : ""}. Google states that keys restricted to ${GEMINI} are exempt, and the kit's key is; its documentation does not say so everywhere.`,
      evidence,
      fix: `Nothing to do if the rotator's first run makes the key. If it is refused (API_KEY_BINDING_BLOCKED), have an organization policy administrator set the constraint with allowedServices: [${GEMINI}] for this project. Google's statement: googleapis/python-genai#2391.`,
    };
  });
}

/** iam.serviceAccountKeyExpiryHours: a key that expires before the rotator retires it breaks its consumers. */
export function keyExpiryCheck(read: PolicyReader, t: PreflightTarget): Promise<CheckResult> {
  const keys = t.keys!;
  return policyCheck(read, CONSTRAINTS.keyExpiry, keys.project, (rules, evidence) => {
    const hours = keyExpiryHours(rules);
    const needed = keyLifetimeHours(keys.periodDays);
    if (hours === undefined)
      return {
        status: "pass",
        summary: `Service-account keys in ${keys.project} do not expire early.`,
        evidence,
      };
    if (hours >= needed)
      return {
        status: "pass",
        summary: `Keys expire after ${hours} h, longer than the ${needed} h a rotated key is in use (keyRotationDays ${keys.periodDays}: newest one period, previous one more, retired within a day).`,
        evidence,
      };
    const longest = longestPeriodFor(hours);
    return {
      status: "fail",
      summary: `Keys expire after ${hours} h, before the rotator retires them: a key of this stack is in use for up to ${needed} h (keyRotationDays ${keys.periodDays}).`,
      evidence,
      fix:
        longest >= 1
          ? `Set keyRotationDays to ${longest} or less in ${t.stackFile}, or have an organization policy administrator allow a longer expiry for this project.`
          : `No rotation period fits ${hours} h: take the keyless path (createKey: false and impersonators in ${t.stackFile}), or have an organization policy administrator allow a longer expiry.`,
    };
  });
}
