/** The Pulumi entry: check the stack's config, build the kit, export its outputs. */

import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "./config/index.ts";
import type { StackOutputs } from "./outputs.ts";
import { buildStack } from "./program.ts";

function load() {
  try {
    return loadConfig();
  } catch (err) {
    // A RunError prints its message alone: the problem list, not a stack trace.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

// Each named export is one stack output.
export const {
  project, environment, enabledApis, serviceAccounts, keyRotation, oauthClient, apiKey, manualSteps, ciIdentity, verifyCommand,
} = buildStack(load());

// Fails to compile when StackOutputs gains a key that is not exported above.
({ project, environment, enabledApis, serviceAccounts, keyRotation, oauthClient, apiKey, manualSteps, ciIdentity, verifyCommand }) satisfies Record<keyof StackOutputs, unknown>;
