/**
 * Runs a Pulumi program under Pulumi's own mocks (`pulumi.runtime.setMocks`) and records what it
 * would create: every registered resource with its inputs, which inputs were secret, and the
 * dependencies the SDK computed for it (explicit `dependsOn` and those implied by Output inputs), as
 * the SDK sends them to the engine. No CLI, no plugin, no credentials, no network. The plan command
 * and the tests both use it.
 */

import * as pulumi from "@pulumi/pulumi";
import {
  aliasText,
  secretKeys,
  UNKNOWN,
  unwrapSecrets,
  type MockMonitorLike,
} from "./monitor-messages.ts";

export interface RecordedResource {
  /**
   * The URN the engine gives it: its type prefixed by every ancestor's, as `pulumi up` computes it
   * (pkg/resource/deploy/deployment.go: the parent's QualifiedType, then `$`, then the type). Pulumi's
   * mock monitor prefixes only the parent's own type, so the recorder rebuilds the full chain.
   */
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  inputs: Record<string, unknown>;
  /** Top-level input names whose values were marked secret. */
  secretInputs: string[];
  /** URNs this resource depends on, as the SDK sent them to the engine. */
  dependencies: string[];
  state: Record<string, unknown>;
  retainOnDelete: boolean;
  /** The `protect` option: Pulumi refuses to delete the resource. */
  protect: boolean;
  deleteBeforeReplace: boolean;
  /** The `aliases` option: earlier identities this resource keeps (a URN, or the parts that changed). */
  aliases: string[];
  /** The `import` option: the id of an existing cloud resource `up` adopts rather than creates. */
  importId?: string;
  /** The `ignoreChanges` option: inputs whose value `up` takes from the resource as it is. */
  ignoreChanges: string[];
}

export interface Recording<T> {
  resources: RecordedResource[];
  /** The program's return value with every Output resolved (unknown values stay UNKNOWN in preview). */
  outputs: T;
  /** Paths in `outputs` whose value was a secret Output. */
  secretOutputPaths: string[];
}

/** What the stand-in cloud answers when a resource is registered. */
type NewResource = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
) => { id?: string; state: Record<string, unknown> };

export interface RecordOptions {
  project: string;
  stack: string;
  /** Run as `pulumi preview` would: outputs the stand-in does not give stay unknown. */
  preview: boolean;
  newResource: NewResource;
  /** Invokes the program may make, by token; any other invoke fails the run. */
  invokes?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
}

export type Resolved<T> =
  T extends pulumi.Output<infer U>
    ? Resolved<U>
    : T extends object
      ? { [K in keyof T]: Resolved<T[K]> }
      : T;

async function resolveDeep(value: unknown, path: string, secrets: string[]): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value;
    if (await pulumi.isSecret(output)) secrets.push(path);
    // An unknown Output never calls apply; its promise of knownness says so first.
    if (!(await (output as unknown as { isKnown: Promise<boolean> }).isKnown)) return UNKNOWN;
    const inner = await new Promise<unknown>((resolve) => output.apply((v) => resolve(v)));
    return resolveDeep(inner, path, secrets);
  }
  if (Array.isArray(value))
    return Promise.all(value.map((v, i) => resolveDeep(v, `${path}[${i}]`, secrets)));
  if (typeof value === "object" && value !== null) {
    const entries = await Promise.all(
      Object.entries(value).map(
        async ([k, v]) => [k, await resolveDeep(v, path ? `${path}.${k}` : k, secrets)] as const,
      ),
    );
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  }
  return value;
}

/** The engine's URN of a resource, from its parent's engine URN (none for a top-level resource). */
function engineUrn(
  options: RecordOptions,
  type: string,
  name: string,
  parent: string | undefined,
): string {
  const qualified = parent === undefined ? type : `${parent.split("::")[2]!}$${type}`;
  return `urn:pulumi:${options.stack}::${options.project}::${qualified}::${name}`;
}

/** Runs `program` under mocks and returns what it registered and exported. */
export async function recordProgram<T>(
  program: () => T | Promise<T>,
  options: RecordOptions,
): Promise<Recording<Resolved<T>>> {
  const unexpectedInvokes: string[] = [];
  const states = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state } = options.newResource(
          args.type,
          args.name,
          args.inputs as Record<string, unknown>,
        );
        states.set(`${args.type}::${args.name}`, state);
        return { id, state };
      },
      call(args) {
        const handler = options.invokes?.[args.token];
        if (handler === undefined) {
          unexpectedInvokes.push(args.token);
          throw new Error(`the program made an invoke nobody declared: ${args.token}`);
        }
        return handler(args.inputs as Record<string, unknown>);
      },
    },
    options.project,
    options.stack,
    options.preview,
  );

  const resources: RecordedResource[] = [];
  // The mock's URN of each resource to the engine's; a parent is registered before its children.
  const engine = new Map<string, string>();
  const asEngine = (urn: string) => engine.get(urn) ?? urn;
  let pending = 0;
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    pending++;
    const struct = req.getObject();
    const type = req.getType();
    const name = req.getName();
    const record: Omit<RecordedResource, "urn" | "state"> = {
      type,
      name,
      custom: req.getCustom(),
      parent: req.getParent(),
      inputs: unwrapSecrets(pulumi.runtime.deserializeProperties(struct)) as Record<
        string,
        unknown
      >,
      secretInputs: secretKeys(struct.toJavaScript()),
      dependencies: req.getDependenciesList(),
      retainOnDelete: req.getRetainondelete() === true,
      protect: req.getProtect() === true,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      ...(req.getImportid() ? { importId: req.getImportid() } : {}),
      ignoreChanges: req.getIgnorechangesList(),
      aliases: [
        ...(req.getAliasesList?.() ?? []).map(aliasText),
        ...(req.getAliasurnsList?.() ?? []),
      ],
    };
    register(req, (err, resp) => {
      if (!err && resp) {
        const parent = record.parent === "" ? undefined : engine.get(record.parent);
        const urn = engineUrn(options, type, name, parent);
        engine.set(resp.getUrn(), urn);
        resources.push({
          ...record,
          urn,
          parent: parent ?? record.parent,
          dependencies: record.dependencies.map(asEngine),
          state: states.get(`${type}::${name}`) ?? {},
        });
      }
      pending--;
      callback(err, resp);
    });
  };

  const returned = await program();
  const secretOutputPaths: string[] = [];
  const outputs = (await resolveDeep(returned, "", secretOutputPaths)) as Resolved<T>;
  // Registrations finish asynchronously; wait until none is in flight across several turns.
  for (let quiet = 0; quiet < 5;) {
    await new Promise((r) => setImmediate(r));
    quiet = pending === 0 ? quiet + 1 : 0;
  }
  if (unexpectedInvokes.length > 0)
    throw new Error(`undeclared invokes: ${unexpectedInvokes.join(", ")}`);
  return { resources, outputs, secretOutputPaths };
}
