/**
 * The one place that reads Pulumi config. Everything else takes a KitConfig, so it can be built
 * and tested from plain values.
 */

import * as pulumi from "@pulumi/pulumi";
import { checkAnyStack, type StackConfig } from "./any-stack.ts";
import type { RawConfig } from "./decode.ts";
import { committedStackNames, readStackFile, type StackFile } from "./stack-file.ts";

export { parseConfig } from "./parse.ts";
export type { RawConfig } from "./decode.ts";
export { ConfigError, formatProblem, type Problem } from "./problems.ts";
export { type StackConfig } from "./any-stack.ts";
export { CONFIG_KEYS, NAMESPACE } from "./keys.ts";
export type * from "./types.ts";

/**
 * Every key of the stack's config, not only the kit's: a key in a misspelt namespace is then refused
 * by the check instead of silently dropped. The runtime's map holds secrets decrypted, which the
 * check needs (the OAuth client file is validated before it is stored); the parsed config marks them
 * secret again where they flow into resources.
 */
function readRawConfig(): RawConfig {
  return { ...pulumi.runtime.allConfig() };
}

/**
 * Which keys Pulumi holds as secrets. The SDK keeps the list the engine passes it
 * (PULUMI_CONFIG_SECRET_KEYS) and reads it with `runtime.isConfigSecret`, which its typings mark
 * internal (@pulumi/pulumi runtime/config.js); the kit asks it per key.
 */
function secretKeys(keys: string[]): Set<string> {
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean })
    .isConfigSecret;
  if (isSecret === undefined)
    throw new Error(
      "@pulumi/pulumi no longer provides runtime.isConfigSecret; the config check cannot tell secret keys",
    );
  return new Set(keys.filter((k) => isSecret(k)));
}

/** The committed stack file of `stack`, from the project's folder, where Pulumi runs the program. */
function committedStack(stack: string): StackFile | undefined {
  try {
    return readStackFile(process.cwd(), stack);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Reads and checks the current stack's config; throws a ConfigError listing every problem. The CI
 * stack also reads the committed files of the environments it governs; an environment stack reads
 * its own file to learn its secrets provider and which of its values are encrypted, and the CI
 * stack's file to learn CI's pool and whether pull requests preview it.
 */
export function loadConfig(): StackConfig {
  const stack = pulumi.getStack();
  const raw = readRawConfig();
  const own = committedStack(stack);
  return checkAnyStack(raw, {
    stack,
    secretKeys: secretKeys(Object.keys(raw)),
    readStack: Object.assign((name: string) => committedStack(name), {
      names: () => committedStackNames(process.cwd()),
    }),
    secretsProvider: own?.secretsProvider,
    encrypted: own?.encrypted,
  });
}
