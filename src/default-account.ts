/**
 * Which of a stack's accounts its default consumer is: the account `npm run verify -- --stack` acts
 * as, and so the one whose roles CI's verify gate probe copies. One rule, used by the program, verify's
 * stack facts and verify's choice of identity, so the three cannot drift apart: `--account KEY` when
 * given, else the stack's only account, else `runtime`. Pure: the program and the verify command
 * both load it.
 */

import type { KitConfig } from "./config/types.ts";
import { names } from "./naming.ts";

/** What the rule needs to know of an account. */
export interface AccountSummary {
  key: string;
  /** The stack issues keys for it (a key secret exists). */
  keyed: boolean;
}

export type AccountChoice =
  | { ok: true; key: string }
  /** unknown: `requested` is not among them; none: there is no candidate; ambiguous: several, none `runtime`. */
  | { ok: false; problem: "unknown" | "none" | "ambiguous"; candidates: string[] };

/** The account to act as, among all of them or, with `keyedOnly`, among those with a key. */
export function chooseAccount(
  accounts: readonly AccountSummary[],
  requested?: string,
  keyedOnly = false,
): AccountChoice {
  const candidates = accounts.filter((a) => !keyedOnly || a.keyed).map((a) => a.key);
  if (requested !== undefined)
    return candidates.includes(requested)
      ? { ok: true, key: requested }
      : { ok: false, problem: "unknown", candidates };
  if (candidates.length === 1) return { ok: true, key: candidates[0]! };
  if (candidates.includes("runtime")) return { ok: true, key: "runtime" };
  return { ok: false, problem: candidates.length === 0 ? "none" : "ambiguous", candidates };
}

export type DefaultAuth = "service-account" | "impersonate" | "api-key" | "adc";

/**
 * How verify authenticates as the stack's consumer when no identity is named: with the key where
 * the (chosen) accounts have one, keyless through impersonation where they do not, and with the API
 * key or the caller's own credentials when the stack has no account. `requested` must be one of
 * `accounts` (chooseAccount reports it otherwise).
 */
export function defaultAuth(
  accounts: readonly AccountSummary[],
  hasApiKey: boolean,
  requested?: string,
): DefaultAuth {
  const chosen = requested === undefined ? accounts : accounts.filter((a) => a.key === requested);
  if (chosen.some((a) => a.keyed)) return "service-account";
  if (chosen.length > 0) return "impersonate";
  return hasApiKey ? "api-key" : "adc";
}

/** The account CI's verify gate acts as in a governed environment, and the roles it mirrors. */
export interface ProbeAccount {
  accountId: string;
  email: string;
  /** The project roles of the environment's default account. */
  roles: string[];
}

/**
 * For an environment whose foundation the CI stack applies: the probe account the CI stack makes
 * for the deployer's verify gate, a copy of the default account's roles with no consumer (so the
 * gate never holds a consumer's identity). None when the stack has no default account to copy.
 */
export function probeAccount(c: KitConfig): ProbeAccount | undefined {
  if (c.foundation !== "ci") return undefined;
  const mirrored = chooseAccount(c.accounts.map((a) => ({ key: a.key, keyed: a.createKey })));
  if (!mirrored.ok) return undefined;
  const n = names(c.project, c.namePrefix, c.environment);
  const accountId = n.probeAccountId();
  return {
    accountId,
    email: n.accountEmail(accountId),
    roles: c.accounts.find((a) => a.key === mirrored.key)!.roles,
  };
}
