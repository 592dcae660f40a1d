/**
 * Whether the CI stack previews a stack: pull requests run `pulumi preview` of the stacks in its
 * `ci.previews`, which decrypts their config with their previewer's key. Read from the list as
 * written, not through the CI stack's full check: that check refuses the very stacks this looks
 * for (a previewed stack with an encrypted value), so it would return no config for them.
 */

import { NAMESPACE } from "../config/keys.ts";
import type { StackFile } from "../config/stack-file.ts";
import { record } from "../json.ts";

/** The CI stack's name, whose file is stacks/Pulumi.ci.yaml. */
export const CI_STACK = "ci";

/** `ci.previews` of the CI stack's file names `stack`; false when there is no CI stack. */
export function isPreviewed(ciFile: StackFile | undefined, stack: string): boolean {
  const text = ciFile?.raw[`${NAMESPACE}:ci`];
  if (text === undefined) return false;
  let ci: unknown;
  try {
    ci = JSON.parse(text);
  } catch {
    return false;
  }
  const previews = record(ci)?.previews;
  return Array.isArray(previews) && previews.includes(stack);
}
