/**
 * The one place that reads Pulumi config. Everything else takes a KitConfig, so it can be built
 * and tested from plain values.
 */

import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE } from "./keys.ts";
import { parseConfig, type RawConfig } from "./parse.ts";
import { ConfigError } from "./problems.ts";
import type { KitConfig } from "./types.ts";

export { parseConfig, BASE_APIS, type RawConfig, type ParseContext } from "./parse.ts";
export { ConfigError, formatProblem, type Problem } from "./problems.ts";
export { CONFIG_KEYS, NAMESPACE } from "./keys.ts";
export type * from "./types.ts";

/**
 * The raw values of the keys the kit reads. The runtime's map holds secrets decrypted, which the
 * check needs (the OAuth client file is validated before it is stored); the parsed config marks
 * them secret again where they flow into resources.
 */
export function readRawConfig(): RawConfig {
  const all = pulumi.runtime.allConfig();
  return Object.fromEntries(
    Object.entries(all).filter(([key]) => key.startsWith(`${NAMESPACE}:`) || key === "gcp:project"),
  );
}

/** Reads and checks the current stack's config; throws a ConfigError listing every problem. */
export function loadConfig(now: Date = new Date()): KitConfig {
  const stack = pulumi.getStack();
  const { config, problems } = parseConfig(readRawConfig(), { stack, now });
  if (config === undefined) throw new ConfigError(`stacks/Pulumi.${stack}.yaml`, problems);
  return config;
}
