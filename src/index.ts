/** The Pulumi entry: check the stack's config, build the stack (an environment's, or the CI stack), export its outputs. */

import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "./config/index.ts";
import type { CiStackOutputs, StackOutputs } from "./outputs.ts";
import { buildProgram } from "./program.ts";

function load() {
  try {
    return loadConfig();
  } catch (err) {
    // A RunError prints its message alone: the problem list, not a stack trace.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

// Each named export is one stack output; a stack of either kind leaves the other kind's undefined.
export const {
  project, environment, enabledApis, serviceAccounts, oauthClient, apiKey, rotation, manualSteps, verifyCommand, ci,
} = buildProgram(load());

// Fails to compile when either kind's outputs gain a key that is not exported above.
({ project, environment, enabledApis, serviceAccounts, oauthClient, apiKey, rotation, manualSteps, verifyCommand, ci }) satisfies Record<keyof (StackOutputs & CiStackOutputs), unknown>;
