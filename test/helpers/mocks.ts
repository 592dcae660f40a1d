/**
 * Runs a Pulumi program under Pulumi's own mocks and records what it would create: every
 * registered resource with its inputs, which inputs were secret, and the dependencies the SDK
 * computed for it (explicit `dependsOn` and those implied by Output inputs). Any invoke the test did
 * not declare fails the run, so a program cannot quietly start calling the cloud at preview time.
 */

import * as pulumi from "@pulumi/pulumi";
import { fakeState } from "./fake-cloud";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface RecordedResource {
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
  deleteBeforeReplace: boolean;
}

export interface Deployment<T> {
  resources: RecordedResource[];
  /** The program's return value with every Output resolved. */
  outputs: T;
  /** Paths in `outputs` whose value was a secret Output. */
  secretOutputPaths: string[];
  /** Every generated secret value the fake cloud handed out (key files, key strings). */
  generatedSecrets: string[];
  ofType(type: string): RecordedResource[];
}

export interface MockOptions {
  project?: string;
  stack?: string;
  /** Invokes the program may make, by token. */
  invokes?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
}

/** The parts of the SDK's mock monitor and its protobuf messages this helper uses. */
type Struct = Parameters<typeof pulumi.runtime.deserializeProperties>[0];
interface RegisterRequest {
  getObject(): Struct;
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getDependenciesList(): string[];
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
}
interface RegisterResponse {
  getUrn(): string;
}
type RegisterCallback = (err: unknown, resp: RegisterResponse | undefined) => void;
interface MockMonitorLike {
  registerResource(req: RegisterRequest, callback: RegisterCallback): void;
}

type Resolved<T> = T extends pulumi.Output<infer U> ? Resolved<U> : T extends object ? { [K in keyof T]: Resolved<T[K]> } : T;

function secretKeys(struct: Record<string, unknown>): string[] {
  return Object.entries(struct)
    .filter(([, v]) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] !== undefined)
    .map(([k]) => k);
}

/** Replaces secret wrappers with their values; which inputs were secret is recorded separately. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[SECRET_SIG] !== undefined) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
}

async function resolveDeep(value: unknown, path: string, secrets: string[]): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value;
    if (await pulumi.isSecret(output)) secrets.push(path);
    const inner = await new Promise<unknown>((resolve) => output.apply((v) => resolve(v)));
    return resolveDeep(inner, path, secrets);
  }
  if (Array.isArray(value)) return Promise.all(value.map((v, i) => resolveDeep(v, `${path}[${i}]`, secrets)));
  if (typeof value === "object" && value !== null) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v, path ? `${path}.${k}` : k, secrets)] as const),
    );
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  }
  return value;
}

/** Runs `program` under mocks and returns what it registered and exported. */
export async function runMocked<T>(program: () => T, options: MockOptions = {}): Promise<Deployment<Resolved<T>>> {
  const project = options.project ?? "gemini-access-kit";
  const stack = options.stack ?? "test";
  const generatedSecrets: string[] = [];
  const unexpectedInvokes: string[] = [];
  const states = new Map<string, Record<string, unknown>>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state, secrets } = fakeState(args.type, args.name, args.inputs as Record<string, unknown>);
        generatedSecrets.push(...secrets);
        states.set(`${args.type}::${args.name}`, state);
        return { id, state };
      },
      call(args) {
        const handler = options.invokes?.[args.token];
        if (handler === undefined) {
          unexpectedInvokes.push(args.token);
          throw new Error(`the program made an invoke the test did not declare: ${args.token}`);
        }
        return handler(args.inputs as Record<string, unknown>);
      },
    },
    project,
    stack,
    false,
  );

  const resources: RecordedResource[] = [];
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
      inputs: unwrapSecrets(pulumi.runtime.deserializeProperties(struct)) as Record<string, unknown>,
      secretInputs: secretKeys(struct.toJavaScript()),
      dependencies: req.getDependenciesList(),
      retainOnDelete: req.getRetainondelete() === true,
      deleteBeforeReplace: req.getDeletebeforereplace(),
    };
    register(req, (err, resp) => {
      if (!err && resp) resources.push({ ...record, urn: resp.getUrn(), state: states.get(`${type}::${name}`) ?? {} });
      pending--;
      callback(err, resp);
    });
  };

  const returned = program();
  const secretOutputPaths: string[] = [];
  const outputs = (await resolveDeep(returned, "", secretOutputPaths)) as Resolved<T>;
  // Registrations finish asynchronously; wait until none is in flight across several turns.
  for (let quiet = 0; quiet < 5; ) {
    await new Promise((r) => setImmediate(r));
    quiet = pending === 0 ? quiet + 1 : 0;
  }
  if (unexpectedInvokes.length > 0) {
    throw new Error(`undeclared invokes: ${unexpectedInvokes.join(", ")}`);
  }
  return {
    resources,
    outputs,
    secretOutputPaths,
    generatedSecrets,
    ofType: (t) => resources.filter((r) => r.type === t),
  };
}

/** The longest chain of custom resources linked by dependencies: the critical path of a fresh `up`. */
export function criticalPath(resources: RecordedResource[]): RecordedResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, RecordedResource[]>();
  const longest = (r: RecordedResource): RecordedResource[] => {
    const known = memo.get(r.urn);
    if (known) return known;
    let best: RecordedResource[] = [];
    for (const dep of r.dependencies) {
      const d = byUrn.get(dep);
      if (d === undefined || !d.custom) continue;
      const chain = longest(d);
      if (chain.length > best.length) best = chain;
    }
    const chain = [...best, r];
    memo.set(r.urn, chain);
    return chain;
  };
  return resources.filter((r) => r.custom).map(longest).reduce((a, b) => (b.length > a.length ? b : a), []);
}
