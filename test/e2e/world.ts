/**
 * A live run's collaborators, stood in for: every program it starts is recorded and answered with
 * the JSON its command prints (or pulumi's exit code and lines), Google's calls are recorded, the
 * clock moves only when the run waits, and any step can be made to fail.
 */

import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { Failure } from "../../src/cli/failure.ts";
import { commandContext, runCommand } from "../../src/cli/main.ts";
import type { RunResult } from "../../src/cli/process.ts";
import { e2eMain, type E2eCommandDeps } from "../../src/e2e/cli.ts";
import type { E2eGoogle } from "../../src/e2e/google.ts";
import type { StepName } from "../../src/e2e/steps.ts";
import { makeWorkspace } from "../../src/e2e/workspace.ts";
import { tempDir } from "../helpers/temp-dir.ts";

export const NODE = { path: "/opt/node22/bin/node", flags: ["--import", "./scripts/ts-cache.mjs"] };
export const ADC_FILE = "/home/ana/.config/gcloud/application_default_credentials.json";
export const PULUMI_BIN = "/home/ana/.pulumi/versions/3.265.0/bin";
export const PASSPHRASE_BYTE = 7;

interface Call {
  /** The kit's command (`verify`), or `pulumi ...`, `gcloud ...`, `google.deleteProject`. */
  what: string;
  program: string;
  args: string[];
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  timeoutMs?: number;
}

export interface WorldOptions {
  /** The step that fails, how often (default: every time). */
  fail?: { step: StepName; times?: number; reason?: string };
  /** What ADC name as the caller (an e-mail, or "user" for a user login). */
  principal?: string;
  /** The answers to the `verify --auth AUTH` calls, in turn, before the ordinary one. */
  verify?: Partial<Record<string, RunResult[]>>;
  /** Called with each program's call before it is answered (to press Ctrl-C midway). */
  onCall?: (call: Call, world: World) => void;
  gcloud?: RunResult;
  pulumiVersion?: RunResult;
}

export interface World {
  calls: Call[];
  /** The stack file the run wrote, as bootstrap found it. */
  stackFile?: string;
  /** Where the run's Pulumi home's plugins folder pointed, as bootstrap found it, and the user's. */
  pluginsLink?: string;
  userPlugins?: string;
  deps: E2eCommandDeps;
  /** Presses Ctrl-C. */
  interrupt: () => void;
  now: () => number;
}

const ok = (document: unknown): RunResult => ({
  exitCode: 0,
  stdout: JSON.stringify(document),
  stderr: "",
});
const DUE = "2027-01-01T08:00:00.000Z";

function rotateDocument(kind: "first" | "again" | "dry"): unknown {
  const entry = (k: string) => ({
    kind: k,
    account: "gak-runtime-e2e-abcdef@p.iam.gserviceaccount.com",
    secret: "projects/p/secrets/s",
    status: kind === "first" ? "rotated" : "current",
    keys:
      kind === "first"
        ? [{ action: "rotated", keyId: "k1", detail: "made, proven" }]
        : kind === "dry"
          ? [
              { action: "rotated", keyId: "(new)", detail: "would be made" },
              { action: "kept", keyId: "k1", detail: "" },
            ]
          : [{ action: "kept", keyId: "k1", detail: "" }],
    dueAt: DUE,
    alarms: [],
  });
  return {
    ok: true,
    command: "rotate",
    periodDays: 45,
    keys: [entry("service-account-key"), entry("api-key")],
  };
}

const EXPORT = JSON.stringify({
  version: 3,
  deployment: {
    resources: [
      {
        urn: "urn:pulumi:s::gemini-access-kit::pulumi:providers:gcp::default",
        type: "pulumi:providers:gcp",
      },
      {
        urn: "urn:pulumi:s::gemini-access-kit::gcp:organizations/project:Project::kit-project",
        type: "gcp:organizations/project:Project",
        provider: "urn:pulumi:s::gemini-access-kit::pulumi:providers:gcp::default::id",
      },
    ],
  },
});

/** What the call is for, as a step sees it. */
function what(program: string, args: string[]): string {
  if (program === "pulumi" || program === "gcloud") return `${program} ${args[0] ?? ""}`;
  const script = args.find((a) => a.endsWith(".ts"));
  return script === undefined ? program : basename(script, ".ts");
}

/** The step a call belongs to, for failing it. */
function stepOf(call: Call, rotations: number): StepName | undefined {
  const auth = call.args[call.args.indexOf("--auth") + 1];
  if (call.what === "verify") return `verify-${auth}` as StepName;
  if (call.what === "rotate")
    return call.args.includes("--dry-run")
      ? "rotate-next-period"
      : rotations === 1
        ? "rotate"
        : "rotate-again";
  const named: Record<string, StepName> = {
    bootstrap: "bootstrap",
    preflight: "preflight",
    deploy: "up",
    "pulumi preview": "preview",
    "pulumi destroy": "destroy",
  };
  return named[call.what];
}

/** What a step's program prints when it is made to fail. */
function failure(call: Call, reason: string): RunResult {
  if (call.program === "pulumi")
    return { exitCode: 255, stdout: "", stderr: `error: planted failure of ${call.what}\n` };
  return {
    exitCode: 1,
    stdout: JSON.stringify({
      ok: false,
      command: call.what,
      error: { reason, message: `planted failure of ${call.what}.`, fix: "Nothing to fix." },
    }),
    stderr: "",
  };
}

/** A folder shaped like the kit, for the run to copy. */
function fakeKit(): string {
  const root = tempDir("e2e-kit");
  for (const dir of ["scripts", "src", "node_modules"]) mkdirSync(join(root, dir));
  for (const file of ["package.json", "Pulumi.yaml", "tsconfig.json"])
    writeFileSync(join(root, file), "{}\n");
  writeFileSync(join(root, "scripts", "verify.ts"), "// the kit's verify\n");
  return root;
}

export function e2eWorld(options: WorldOptions = {}): World {
  let now = Date.parse("2026-11-02T08:00:00Z");
  let failuresLeft = options.fail?.times ?? Number.POSITIVE_INFINITY;
  let rotations = 0;
  const verifies = new Map(
    Object.entries(options.verify ?? {}).map(([k, v]) => [k, [...(v ?? [])]]),
  );
  const plugins = tempDir("e2e-user-plugins");
  const world: World = {
    calls: [],
    interrupt: () => undefined,
    now: () => now,
    deps: undefined as unknown as E2eCommandDeps,
  };
  const shouldFail = (step: StepName | undefined) => {
    if (step === undefined || options.fail?.step !== step || failuresLeft <= 0) return false;
    failuresLeft--;
    return true;
  };
  const record = (call: Call) => {
    world.calls.push(call);
    options.onCall?.(call, world);
  };
  const answer = (call: Call): RunResult => {
    if (call.what === "rotate" && !call.args.includes("--dry-run")) rotations++;
    const step = stepOf(call, rotations);
    if (shouldFail(step)) return failure(call, options.fail!.reason ?? "REQUEST_FAILED");
    if (call.what === "verify") {
      const auth = call.args[call.args.indexOf("--auth") + 1]!;
      const queued = verifies.get(auth)?.shift();
      if (queued !== undefined) return queued;
      return ok({
        ok: true,
        models: [{}, {}],
        probe: { model: "models/gemini-3.8-flash" },
        identity: { principal: auth },
      });
    }
    if (call.what === "bootstrap") {
      const stack = call.args[call.args.indexOf("--stack") + 1]!;
      world.stackFile = readFileSync(join(call.cwd!, "stacks", `Pulumi.${stack}.yaml`), "utf8");
      world.pluginsLink = readlinkSync(join(call.env!.PULUMI_HOME!, "plugins"));
      world.userPlugins = plugins;
      return ok({ ok: true, command: "bootstrap", steps: [] });
    }
    if (call.what === "preflight") return ok({ ok: true, checks: [{ status: "pass" }] });
    if (call.what === "deploy")
      return ok({ ok: true, stacks: [{ result: "ok", changes: { create: 24 }, errors: [] }] });
    if (call.what === "rotate")
      return ok(
        rotateDocument(
          call.args.includes("--dry-run") ? "dry" : rotations === 1 ? "first" : "again",
        ),
      );
    if (call.what === "pulumi version")
      return options.pulumiVersion ?? { exitCode: 0, stdout: "v3.265.0\n", stderr: "" };
    if (call.what === "pulumi stack") return { exitCode: 0, stdout: EXPORT, stderr: "" };
    if (call.what === "gcloud config")
      return options.gcloud ?? { exitCode: 0, stdout: "ana@example.com\n", stderr: "" };
    return { exitCode: 0, stdout: "", stderr: "" };
  };
  const google: E2eGoogle = {
    deleteProject: (projectId) => {
      record({ what: "google.deleteProject", program: "google", args: [projectId] });
      if (shouldFail("delete-project"))
        throw new Failure("REQUEST_FAILED", "planted failure of the deletion.", "Nothing to fix.");
      return Promise.resolve();
    },
    deleteApiKeys: (project, prefix) => {
      record({ what: "google.deleteApiKeys", program: "google", args: [project, prefix] });
      if (shouldFail("delete-api-keys"))
        throw new Failure(
          "REQUEST_FAILED",
          "planted failure of the key deletion.",
          "Nothing to fix.",
        );
      return Promise.resolve([`${prefix}-20261102-080000`]);
    },
    labelledProjects: () => Promise.resolve([]),
  };
  world.deps = {
    kitRoot: fakeKit(),
    tempRoot: tempDir("e2e-runs"),
    run: (program, args, runOptions = {}) => {
      const call: Call = {
        what: what(program, args),
        program,
        args,
        env: runOptions.env,
        cwd: runOptions.cwd,
        timeoutMs: runOptions.timeoutMs,
      };
      record(call);
      // A program started, or running, once Ctrl-C was passed on ends on it, as runProcess's does.
      if (runOptions.interruption?.interrupted)
        return Promise.resolve({ exitCode: 130, stdout: "", stderr: "", signal: "SIGINT" });
      return Promise.resolve(answer(call));
    },
    node: NODE,
    connect: () =>
      Promise.resolve({
        google,
        principal: options.principal ?? "e2e-runner@ci-project.iam.gserviceaccount.com",
      }),
    machine: () => ({
      adcFile: ADC_FILE,
      pulumiBin: PULUMI_BIN,
      pulumiPlugins: plugins,
      path: "/usr/bin:/bin",
    }),
    randomBytes: (n) =>
      n === 6 ? Uint8Array.from([0, 1, 2, 3, 4, 5]) : new Uint8Array(n).fill(PASSPHRASE_BYTE),
    clock: {
      now: () => now,
      sleep: (ms) => {
        now += ms;
        return Promise.resolve();
      },
    },
    onInterrupt: (handler) => {
      world.interrupt = handler;
    },
    makeWorkspace: (r) => {
      if (shouldFail("prepare")) throw new Error("planted failure of the workspace");
      return makeWorkspace(r);
    },
  };
  return world;
}

/** `npm run e2e -- ARGV` in this process, as its entry prints it. */
export async function e2e(argv: string[], world: World) {
  let stdout = "";
  let stderr = "";
  const ctx = commandContext(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  const code = await runCommand("e2e", (c) => e2eMain(c, world.deps), ctx);
  return { code, stdout, stderr };
}

/** The steps of a run's report that did run, in order. */
export function ran(stdout: string): { step: string; status: string }[] {
  const doc = JSON.parse(stdout) as { steps: { step: string; status: string }[] };
  return doc.steps
    .filter((s) => s.status !== "not run")
    .map(({ step, status }) => ({ step, status }));
}
