/** The Pulumi entry: check the stack's config, build the kit, export its outputs. */

import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "./config/index.ts";
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

export = buildStack(load());
