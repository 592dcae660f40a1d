/**
 * The one place that reads Pulumi config. Everything else takes a KitConfig, so it can be built
 * and tested from plain values.
 */

import * as pulumi from "@pulumi/pulumi";
import { stackFileName } from "../cli/stacks.ts";
import { parseConfig, type RawConfig } from "./parse.ts";
import { ConfigError } from "./problems.ts";
import type { KitConfig } from "./types.ts";

export { parseConfig, BASE_APIS, type RawConfig, type ParseContext } from "./parse.ts";
export { ConfigError, formatProblem, type Problem } from "./problems.ts";
export { CONFIG_KEYS, NAMESPACE } from "./keys.ts";
export type * from "./types.ts";

/**
 * Every key of the stack's config, not only the kit's: a key in a misspelt namespace is then refused
 * by the check instead of silently dropped. The runtime's map holds secrets decrypted, which the
 * check needs (the OAuth client file is validated before it is stored); the parsed config marks them
 * secret again where they flow into resources.
 */
export function readRawConfig(): RawConfig {
  return { ...pulumi.runtime.allConfig() };
}

/**
 * Which keys Pulumi holds as secrets. The SDK keeps the list the engine passes it
 * (PULUMI_CONFIG_SECRET_KEYS) and reads it with `runtime.isConfigSecret`, which its typings mark
 * internal (@pulumi/pulumi runtime/config.js); the kit asks it per key.
 */
function secretKeys(keys: string[]): Set<string> {
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  if (isSecret === undefined) throw new Error("@pulumi/pulumi no longer provides runtime.isConfigSecret; the config check cannot tell secret keys");
  return new Set(keys.filter((k) => isSecret(k)));
}

/** Reads and checks the current stack's config; throws a ConfigError listing every problem. */
export function loadConfig(now: Date = new Date()): KitConfig {
  const stack = pulumi.getStack();
  const raw = readRawConfig();
  const { config, problems } = parseConfig(raw, { stack, now, secretKeys: secretKeys(Object.keys(raw)) });
  if (config === undefined) throw new ConfigError(stackFileName(stack), problems);
  return config;
}
