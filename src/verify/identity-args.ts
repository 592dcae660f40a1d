/** Which identity one verify run proves: the identity flags checked against each other and --auth. */

import { usage } from "../cli/failure.ts";
import type { VerifyOptions } from "./options.ts";

/** The flags that each name an identity, with the --auth kind they imply. */
const IDENTITY_FLAGS = [
  ["--key-file", "keyFile", "service-account"],
  ["--client-file", "clientFile", "oauth"],
  ["--impersonate", "impersonate", "impersonate"],
] as const;

/**
 * One run proves one identity: flags that name two are refused rather than one of them silently
 * winning, so a "Verified" line is always about the identity that was asked for.
 */
export function checkIdentity(o: VerifyOptions): void {
  const named = IDENTITY_FLAGS.filter(([, field]) => o[field] !== undefined);
  const [first, second] = named;
  if (first !== undefined && second !== undefined) {
    throw usage(
      `${first[0]} and ${second[0]} name two identities; a run verifies one.`,
      `Drop one of them (--auth ${first[2]} or --auth ${second[2]}).`,
    );
  }
  if (first !== undefined && o.auth !== undefined && o.auth !== first[2]) {
    throw usage(
      `--auth ${o.auth} and ${first[0]} (which is --auth ${first[2]}) name two identities; a run verifies one.`,
      `Drop ${first[0]}, or use --auth ${first[2]}.`,
    );
  }
  if (
    o.command === "logout" &&
    ((o.auth !== undefined && o.auth !== "oauth") ||
      o.keyFile !== undefined ||
      o.impersonate !== undefined)
  ) {
    throw usage(
      "--logout forgets a Desktop-client sign-in, which only --auth oauth makes.",
      "Pass --logout with --client-file FILE, or with --stack / --outputs alone.",
    );
  }
  if (o.account === undefined) return;
  if (first !== undefined && first[2] !== "oauth") {
    throw usage(
      `--account picks one of the stack's accounts, but ${first[0]} already names the identity.`,
      `Drop --account, or drop ${first[0]}.`,
    );
  }
  const kind = o.auth ?? first?.[2];
  if (kind !== undefined && kind !== "service-account" && kind !== "impersonate") {
    throw usage(
      `--account picks a service account of the stack, which --auth ${kind} does not act as.`,
      "Drop --account, or use --auth service-account or --auth impersonate.",
    );
  }
  if (o.stack === undefined && o.outputs === undefined) {
    throw usage(
      "--account picks one of the stack's accounts, but no stack is named.",
      "Pass --stack NAME or --outputs FILE too.",
    );
  }
}
