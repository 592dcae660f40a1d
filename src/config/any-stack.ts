/** Either kind of stack: an environment stack, or the CI stack (the one that sets `ci`). */

import { stackFileName } from "../cli/stacks.ts";
import { parseCiConfig } from "./ci.ts";
import { ciContext } from "./committed-ci.ts";
import type { CiParseContext } from "./context.ts";
import { isCiStack, type RawConfig } from "./decode.ts";
import { NAMESPACE } from "./keys.ts";
import { parseConfig } from "./parse.ts";
import { ConfigError, type Problem } from "./problems.ts";
import type { CiConfig, KitConfig } from "./types.ts";

export type StackConfig =
  { kind: "environment"; config: KitConfig } | { kind: "ci"; config: CiConfig };

/** Checks a stack's raw config of either kind; returns the resolved config, or every problem found. */
function parseAnyStack(
  raw: RawConfig,
  ctx: CiParseContext,
): { config?: StackConfig; problems: Problem[] } {
  if (isCiStack(raw)) {
    const { config, problems } = parseCiConfig(raw, ctx);
    return { config: config && { kind: "ci", config }, problems };
  }
  // An environment's own check judges its members against the committed CI stacks' pools too.
  const ci = ciContext(ctx.stack, ctx.readStack, raw[`${NAMESPACE}:foundation`]);
  const { config, problems } = parseConfig(raw, {
    ...ctx,
    ciPool: ci.ciPool,
    previewedBy: ci.previewedBy,
  });
  const all = [...problems, ...ci.problems];
  return {
    config: all.length === 0 ? config && { kind: "environment", config } : undefined,
    problems: all,
  };
}

/** The same, or a ConfigError listing every problem. */
export function checkAnyStack(raw: RawConfig, ctx: CiParseContext): StackConfig {
  const { config, problems } = parseAnyStack(raw, ctx);
  if (config === undefined)
    throw new ConfigError(ctx.stackFile ?? stackFileName(ctx.stack), problems);
  return config;
}
