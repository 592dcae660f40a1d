// Preloaded (node --import) into @pulumi/pulumi's own Node.js entry, cmd/run/index.js, to stand in
// for the engine: the entry then loads and runs the program exactly as under `pulumi up`, but every
// resource goes to Pulumi's mocks. On exit it prints one JSON line: the types registered, the stack's
// outputs (none when the program failed: Pulumi prints why on stderr) and whether ts-node was
// loaded.

import * as pulumi from "@pulumi/pulumi";
import { createRequire } from "node:module";

/** A flag's value on the entry's command line, which the language host builds (--project, --stack). */
const flag = (name: string) => process.argv[process.argv.indexOf(`--${name}`) + 1];

const types: string[] = [];
await pulumi.runtime.setMocks(
  {
    newResource(args) {
      types.push(args.type);
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs as Record<string, unknown>,
  },
  flag("project"),
  flag("stack"),
);

// The stack's outputs reach the monitor as the root resource's registered outputs.
let outputs: unknown;
const monitor = pulumi.runtime.getMonitor() as unknown as {
  registerResourceOutputs(
    req: {
      getUrn(): string;
      getOutputs(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
    },
    callback: unknown,
  ): void;
  signalAndWaitForShutdown(req: unknown, callback: (err: Error | null) => void): void;
};
// The entry signals the engine when the program ends; the mock monitor has no such call.
monitor.signalAndWaitForShutdown = (_req, callback) => callback(null);
const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
monitor.registerResourceOutputs = (req, callback) => {
  if (req.getUrn().includes("::pulumi:pulumi:Stack::"))
    outputs = pulumi.runtime.deserializeProperties(req.getOutputs());
  registerOutputs(req, callback);
};

// Whether ts-node was loaded: the entry registers it only when PULUMI_NODEJS_TYPESCRIPT is "true".
const loaded = createRequire(import.meta.url).cache;
const tsNodeLoaded = () => Object.keys(loaded).some((file) => file.includes("/ts-node"));

process.on("exit", () =>
  console.log(JSON.stringify({ types, outputs, tsNodeLoaded: tsNodeLoaded() })),
);
