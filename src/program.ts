import { GeminiAccessKit } from "./components/kit.ts";
import type { KitConfig } from "./config/index.ts";
import { stackOutputs, type StackOutputs } from "./outputs.ts";

/** Builds the whole stack from a checked config; the Pulumi entry and the tests both call this. */
export function buildStack(config: KitConfig): StackOutputs {
  const kit = new GeminiAccessKit("gemini", { config });
  return stackOutputs(config, kit);
}
