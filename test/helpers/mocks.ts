/**
 * Runs a Pulumi program under Pulumi's own mocks as `pulumi up` would (src/offline-plan/record.ts), with
 * the fake cloud's answers: generated key material included, so tests can search every output for
 * it. Any invoke the test did not declare fails the run, so a program cannot quietly start calling
 * the cloud at preview time.
 */

import { criticalPath } from "../../src/offline-plan/critical-path.ts";
import {
  recordProgram,
  type RecordedResource,
  type Recording,
  type Resolved,
} from "../../src/offline-plan/record.ts";
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
  return {
    ...recording,
    generatedSecrets,
    ofType: (t) => recording.resources.filter((r) => r.type === t),
  };
}
