/** The Pulumi entry: check the stack's config, build the stack (an environment's, or the CI stack), export its outputs. */

import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "./config/index.ts";
import type { CiStackOutputs, StackOutputs } from "./outputs.ts";
import { buildProgram } from "./program.ts";

function load() {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A RunError prints its message alone: the problem list, not a stack trace.
    const stop = new pulumi.RunError(err.message);
    // Pulumi's entry still formats every error with util.inspect for its trace span (uncaughtHandler
    // in @pulumi/pulumi/cmd/run/run.js), and on Node 22 formatting the frame the SDK's source maps
    // name node_modules/@pulumi/resource.ts fills the heap for about 20 s before it gives up. A
    // stack of the message alone leaves no frame to format.
    stop.stack = err.message;
    throw stop;
  }
}

// Each named export is one stack output; a stack of either kind leaves the other kind's undefined.
export const {
  project,
  environment,
  target,
  vertex,
  enabledApis,
  serviceAccounts,
  oauthClient,
  apiKey,
  rotation,
  manualSteps,
  verifyCommand,
  verifyGate,
  ci,
} = buildProgram(load());

// Fails to compile when either kind's outputs gain a key that is not exported above.
({
  project,
  environment,
  target,
  vertex,
  enabledApis,
  serviceAccounts,
  oauthClient,
  apiKey,
  rotation,
  manualSteps,
  verifyCommand,
  verifyGate,
  ci,
}) satisfies Record<keyof (StackOutputs & CiStackOutputs), unknown>;
