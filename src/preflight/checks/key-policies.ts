/**
 * The organization policies on keys: whether service-account keys may be made, API keys must be
 * bound to an account, and how long keys may live.
 */

import {
  CONSTRAINTS,
  KEY_CREATION_CONSTRAINTS,
  keyCreationWaysOut,
  keyExpiryHours,
  keyLifetimeHours,
  longestPeriodFor,
  readBoolean,
} from "../../org-policy.ts";
import type { PreflightTarget } from "../targets.ts";
import { GEMINI, type CheckResult } from "./result.ts";
import { policiesCheck, policyCheck, type PolicyReader } from "./policy.ts";

/** iam.disableServiceAccountKeyCreation and its managed twin: either refuses the keys the rotator makes (not up, which makes none). */
export function keyCreationCheck(read: PolicyReader, t: PreflightTarget): Promise<CheckResult> {
  const keys = t.keys!;
  return policiesCheck(read, KEY_CREATION_CONSTRAINTS, keys.project, (rules, evidence) => {
    const enforced = KEY_CREATION_CONSTRAINTS.filter((c, i) => readBoolean(c, rules[i]!).enforced);
    if (enforced.length === 0)
      return {
        status: "pass",
        summary: `Service-account keys may be created in ${keys.project}.`,
        evidence,
      };
    // up makes no key (the rotator does), so it succeeds: a warning here. The rotator reads the same
    // policies before it makes anything and fails those keys (KEY_CREATION_BLOCKED, src/rotate/policies.ts).
    return {
      status: "warn",
      summary: `${enforced.join(" and ")} ${enforced.length === 1 ? "is" : "are"} enforced on ${keys.project}: up succeeds, but the rotator cannot make the keys the stack issues for ${keys.accounts.join(", ")} (npm run rotate reads the same policies first and fails those keys with KEY_CREATION_BLOCKED, making nothing).`,
      evidence,
      fix: keyCreationWaysOut(keys.project, t.stackFile, keys.accounts.length),
    };
  });
}

/**
 * iam.managed.disableServiceAccountApiKeyCreation: enforced by default. Google's pages describe the
 * managed constraint as set to true or false (restricting-service-accounts); that keys restricted to
 * the Gemini API are exempt rests on Google's e-mail quoted in googleapis/python-genai#2391, not on
 * a documentation page, so an enforced policy is a warning, not a pass.
 */
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
    // Google's statement names Gemini-restricted keys only; a Vertex key is not said to be exempt.
    const others = key.services.filter((s) => s !== GEMINI);
    const statement =
      others.length === 0
        ? `Google has said by e-mail that keys restricted to ${GEMINI}, as the kit's is, are allowed anyway; its documentation does not say so.`
        : `Google has said by e-mail that keys restricted to ${GEMINI} are allowed anyway; that statement does not name ${others.join(", ")}, which vertex.apiKey's key is restricted to, and no documentation says either.`;
    return {
      status: "warn",
      summary: `${CONSTRAINTS.apiKeyBinding} is enforced on ${key.project}${reading.byDefault ? " (Google enforces it by default)" : ""}. ${statement}`,
      evidence,
      fix: `Nothing to do if the rotator's first run makes the ${key.services.length === 1 ? "key" : "keys"}. If ${key.services.length === 1 ? "it is" : "one is"} refused (API_KEY_BINDING_BLOCKED), have an organization policy administrator set the constraint to enforce: false for this project (gcloud org-policies set-policy with a spec of one rule, enforce: false), or drop ${others.length === 0 ? "apiKey" : key.services.length === 1 ? "vertex.apiKey" : "apiKey and vertex.apiKey"} from ${t.stackFile} and use the keyless path. Google's statement: googleapis/python-genai#2391.`,
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
