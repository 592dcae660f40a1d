/**
 * What a config check knows besides the values: the stack, its file and, for the CI stack, the
 * files of the environments it governs.
 */

import type { CiPool } from "./members.ts";
import type { StackReader } from "./stack-file.ts";

export interface ParseContext {
  stack: string;
  /**
   * The full keys whose value Pulumi holds as a secret (`pulumi config set --secret`): under `pulumi
   * up` the runtime says which, offline the stack file's `secure:` entries. A secret key whose value
   * is not among them was committed as plain text.
   */
  secretKeys: ReadonlySet<string>;
  /** The stack file as fixes should name it; `stacks/Pulumi.<stack>.yaml` unless read from elsewhere. */
  stackFile?: string;
  /**
   * Set when the CI stack checks an environment it governs: the roles its administrator allows, and
   * the CI stack's file, for messages. An environment stack checked on its own leaves its roles to
   * that check.
   */
  governing?: { grantable: ReadonlySet<string>; ciStackFile: string };
  /** The stack's secrets provider as its file records it (see StackFile), when the file was read. */
  secretsProvider?: string;
  /**
   * The CI stack's workload identity pool, when its file was found (the CI stack's own check
   * always knows it): no member list may name an identity of it.
   */
  ciPool?: CiPool;
  /** The keys whose committed value is encrypted (`secure:`), when the stack file was read. */
  encrypted?: readonly string[];
  /**
   * The CI stack's file, when it lists this stack in ci.previews: pull requests then run the
   * stack's preview with the key that decrypts its settings.
   */
  previewedBy?: string;
}

/** The CI stack's check: it also reads the stack file of each environment it governs. */
export interface CiParseContext extends Omit<ParseContext, "governing"> {
  /**
   * A committed stack file, by stack name; undefined when there is none. When it also lists the
   * committed stacks, the checks read every CI stack among them.
   */
  readStack: StackReader;
}
