import { CiPlatform } from "./components/ci-platform.ts";
import { GovernedEnvironment } from "./components/governed-environment.ts";
import { GeminiAccessKit } from "./components/kit.ts";
import type { CiConfig, KitConfig, StackConfig } from "./config/index.ts";
import { ciOutputs, stackOutputs, type CiStackOutputs, type StackOutputs } from "./outputs.ts";

/** Builds an environment stack from its checked config; the Pulumi entry, the plan and the tests call this. */
export function buildStack(config: KitConfig): StackOutputs {
  const kit = new GeminiAccessKit("gemini", { config });
  return stackOutputs(config, kit);
}

/** Builds the CI stack: the shared platform, then each governed environment. */
export function buildCiStack(config: CiConfig): CiStackOutputs {
  const platform = new CiPlatform("ci", { config });
  const environments = config.environments.map(
    (environment) =>
      new GovernedEnvironment(
        `ci-${environment.name}`,
        { ci: config, environment, platform },
        { parent: platform },
      ),
  );
  return ciOutputs(config, platform, environments);
}

/** Either kind: what src/index.ts exports, every name of both kinds (a stack exports its own). */
export function buildProgram(stack: StackConfig): Partial<StackOutputs & CiStackOutputs> {
  return stack.kind === "ci" ? buildCiStack(stack.config) : buildStack(stack.config);
}
