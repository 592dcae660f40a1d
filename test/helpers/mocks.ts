/**
 * Runs a Pulumi program under Pulumi's own mocks as `pulumi up` would (src/offline-plan/record.ts), with
 * the fake cloud's answers: generated key material included, so tests can search every output for
 * it. Any invoke the test did not declare fails the run, so a program cannot quietly start calling
 * the cloud at preview time. IAM's limits on conditions are enforced as Google enforces them at
 * setIamPolicy (cloud.google.com/iam/quotas): a run whose bindings exceed them fails, as `up` would.
 */

import { criticalPath } from "../../src/offline-plan/critical-path.ts";
import {
  recordProgram,
  type RecordedResource,
  type Recording,
  type Resolved,
} from "../../src/offline-plan/record.ts";
import { IAM_CONDITION_LIMITS, logicalOperators } from "../../src/naming.ts";
import { fakeState } from "./fake-cloud.ts";

export { criticalPath, type RecordedResource };

export interface Deployment<T> extends Recording<T> {
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

/** Runs `program` under mocks and returns what it registered and exported. */
export async function runMocked<T>(
  program: () => T | Promise<T>,
  options: MockOptions = {},
): Promise<Deployment<Resolved<T>>> {
  const generatedSecrets: string[] = [];
  const recording = await recordProgram(program, {
    project: options.project ?? "gemini-access-kit",
    stack: options.stack ?? "test",
    preview: false,
    invokes: options.invokes,
    newResource(type, name, inputs) {
      const { id, state, secrets } = fakeState(type, name, inputs);
      generatedSecrets.push(...secrets);
      return { id, state };
    },
  });
  checkIamLimits(recording.resources);
  return {
    ...recording,
    generatedSecrets,
    ofType: (t) => recording.resources.filter((r) => r.type === t),
  };
}

/** The resource an IAM member binding is on: the input that names it (project, account, secret, ...). */
function bindingTarget(r: RecordedResource): string {
  const on = ["project", "serviceAccountId", "secretId", "bucket", "cryptoKeyId"]
    .map((field) => r.inputs[field])
    .find((v) => typeof v === "string");
  return `${r.type} ${String(on)}`;
}

/**
 * What Google refuses with INVALID_ARGUMENT: a condition past 12 logical operators, or more than 20
 * bindings of one role and member on one resource that differ only in their condition.
 */
function checkIamLimits(resources: readonly RecordedResource[]): void {
  const conditional = new Map<string, number>();
  for (const r of resources) {
    const condition = r.inputs.condition as { expression?: unknown } | undefined;
    if (!/IAMMember$/.test(r.type) || typeof condition?.expression !== "string") continue;
    const operators = logicalOperators(condition.expression);
    if (operators > IAM_CONDITION_LIMITS.logicalOperators)
      throw new Error(
        `${r.name}: its condition has ${operators} logical operators; IAM allows ${IAM_CONDITION_LIMITS.logicalOperators}.`,
      );
    const key = `${bindingTarget(r)} ${String(r.inputs.role)} ${String(r.inputs.member)}`;
    const count = (conditional.get(key) ?? 0) + 1;
    conditional.set(key, count);
    if (count > IAM_CONDITION_LIMITS.bindingsPerRoleAndMember)
      throw new Error(
        `${key}: ${count} conditional bindings of one role and member; IAM allows ${IAM_CONDITION_LIMITS.bindingsPerRoleAndMember}.`,
      );
  }
}

/** Every URN a resource waits for, directly or through what it waits for. */
export function waitsFor(resources: readonly RecordedResource[], r: RecordedResource): Set<string> {
  const byUrn = new Map(resources.map((x) => [x.urn, x]));
  const seen = new Set<string>();
  const queue = [...r.dependencies];
  while (queue.length > 0) {
    const urn = queue.pop()!;
    if (seen.has(urn)) continue;
    seen.add(urn);
    queue.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}
