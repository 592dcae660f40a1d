/**
 * Puts the stand-in `pulumi` (test/helpers/fake-pulumi/pulumi) on PATH for a test: a folder with its
 * state (backend, stacks, config, outputs, failures) and a log of every call it received.
 */

import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const BIN = join(__dirname, "fake-pulumi");

export interface FakeStack {
  /** How many resources preview and up report. */
  resources?: number;
  /** Fail preview or up at this resource's index. */
  failAt?: { preview?: number; up?: number };
  error?: string;
  delayMs?: number;
  outputs?: Record<string, unknown>;
  config?: Record<string, { value: string; secret: boolean }>;
  secretsProvider?: string;
}

export interface FakeState {
  backend?: string;
  stacks?: Record<string, FakeStack>;
}

export interface FakeCall {
  args: string[];
  stdin: string;
  backendUrl: string | null;
}

export interface FakePulumi {
  dir: string;
  /** PATH with the stand-in first, then Node and the system tools. */
  path: string;
  calls(): FakeCall[];
  state(): FakeState;
}

export function fakePulumi(state: FakeState): FakePulumi {
  const dir = mkdtempSync(join(tmpdir(), "gak-fake-pulumi-"));
  writeFileSync(join(dir, "state.json"), JSON.stringify(state));
  const log = join(dir, "calls.jsonl");
  return {
    dir,
    path: [BIN, dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
    calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as FakeCall) : []),
    state: () => JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as FakeState,
  };
}
