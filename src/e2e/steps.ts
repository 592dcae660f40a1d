/**
 * The steps of a live run, in order, each run as a process of the kit's own commands or of pulumi
 * in the run's copy of the kit, with the run's environment: how each starts, what it must show,
 * and, for the clean-up steps, when they apply.
 */

import { join } from "node:path";
import type { Interruption, Run, RunResult } from "../cli/process.ts";
import type { E2eGoogle } from "./google.ts";
import type { ProjectSource, RunNames } from "./names.ts";
import {
  commandOutcome,
  deployOutcome,
  pulumiOutcome,
  verifyOutcome,
  type StepOutcome,
} from "./outcomes.ts";
import { onePeriodLater, rotationOutcome } from "./rotation.ts";
import type { Workspace } from "./workspace.ts";

export type StepName =
  | "prepare"
  | "bootstrap"
  | "preflight"
  | "up"
  | "preview"
  | "verify-impersonate"
  | "verify-adc"
  | "rotate"
  | "verify-service-account"
  | "verify-api-key"
  | "rotate-again"
  | "rotate-next-period"
  | "destroy"
  | "delete-api-keys"
  | "delete-project";

/** What the steps share while a run goes on. */
export interface StepContext {
  names: RunNames;
  source: ProjectSource;
  project: string;
  /** Set by prepare. */
  ws?: Workspace;
  /** The variables every program of the run gets (workspace.ts, runEnvironment); set by prepare. */
  env: Record<string, string>;
  run: Run;
  /** How the kit's commands start: this Node and its flags (the stripped-TypeScript cache). */
  node: { path: string; flags: string[] };
  google: E2eGoogle;
  interruption: Interruption;
  /** Lines on stderr while a step runs. */
  progress: (line: string) => void;
  /** When the first rotation's keys fall due. */
  dueAt?: string;
  /** How many project resources destroy found in the state (create mode). */
  projectsInState?: number;
  prepare: () => Workspace;
}

export interface Step {
  name: StepName;
  /** What it runs, for the progress line. */
  shows: (c: StepContext) => string;
  /** Retried for a while after up on a refusal a new grant explains (outcomes.ts, SETTLING). */
  settles?: boolean;
  run: (c: StepContext) => Promise<StepOutcome>;
}

/**
 * How long one program of a step may run: a backend or a prompt that never answers must not hold
 * the run, and its clean-up, until CI's own limit kills both. An `up` of the solo stack takes minutes.
 */
const PROGRAM_TIMEOUT_MS = 45 * 60_000;

/** The options every program of the run is started with. */
export function inRun(c: StepContext) {
  return {
    env: c.env,
    cwd: c.ws!.project,
    interruption: c.interruption,
    timeoutMs: PROGRAM_TIMEOUT_MS,
  };
}

/** One of the kit's commands, as `npm run NAME -- ARGS` runs it, in the run's copy. */
function kit(c: StepContext, name: string, args: string[]): Promise<RunResult> {
  const script = join(c.ws!.project, "scripts", `${name}.ts`);
  return c.run(c.node.path, [...c.node.flags, script, ...args], inRun(c));
}

function pulumi(c: StepContext, args: string[]): Promise<RunResult> {
  return c.run("pulumi", args, inRun(c));
}

const stack = (c: StepContext) => ["--stack", c.names.stack];
const PLAIN = ["--non-interactive", "--color", "never"];

function verifyStep(name: StepName, auth: string): Step {
  const args = (c: StepContext) => [
    ...stack(c),
    "--auth",
    auth,
    "--probe",
    "--wait",
    "300",
    "--json",
  ];
  return {
    name,
    settles: true,
    shows: (c) => `npm run verify -- ${args(c).join(" ")}`,
    run: async (c) => verifyOutcome(await kit(c, "verify", args(c))),
  };
}

function rotateStep(
  name: StepName,
  args: (c: StepContext) => string[],
  expect: "rotated" | "unchanged" | "would-rotate",
): Step {
  return {
    name,
    settles: expect === "rotated",
    shows: (c) => `npm run rotate -- ${args(c).join(" ")}`,
    run: async (c) => {
      const outcome = rotationOutcome(await kit(c, "rotate", args(c)), expect);
      if (expect === "rotated" && outcome.dueAt !== undefined) c.dueAt = outcome.dueAt;
      return outcome;
    },
  };
}

/** The steps that prove the kit, in order. */
export const MAIN_STEPS: Step[] = [
  {
    name: "prepare",
    shows: (c) =>
      `a copy of the kit with stacks/Pulumi.${c.names.stack}.yaml, state and homes of its own`,
    run: (c) => {
      c.ws = c.prepare();
      return Promise.resolve({ ok: true, message: `workspace ${c.ws.root}` });
    },
  },
  {
    name: "bootstrap",
    shows: (c) =>
      `npm run bootstrap -- ${stack(c).join(" ")} --backend file://${c.ws!.state} --secrets-provider passphrase`,
    run: async (c) =>
      commandOutcome(
        "bootstrap",
        await kit(c, "bootstrap", [
          ...stack(c),
          "--backend",
          `file://${c.ws!.state}`,
          "--secrets-provider",
          "passphrase",
          "--json",
        ]),
        "stack created in the run's own file:// backend",
      ),
  },
  {
    name: "preflight",
    shows: (c) => `npm run preflight -- ${stack(c).join(" ")}`,
    run: async (c) =>
      commandOutcome(
        "preflight",
        await kit(c, "preflight", [...stack(c), "--json"]),
        "every check passed",
      ),
  },
  {
    name: "up",
    // The verify gate would verify with the key, which only the rotation below makes.
    shows: (c) => `npm run deploy -- ${stack(c).join(" ")} --skip-preflight --no-verify`,
    run: async (c) =>
      deployOutcome(
        await kit(c, "deploy", [...stack(c), "--skip-preflight", "--no-verify", "--json"]),
      ),
  },
  {
    name: "preview",
    shows: (c) => `pulumi preview ${stack(c).join(" ")} --expect-no-changes`,
    run: async (c) =>
      pulumiOutcome(
        "pulumi preview --expect-no-changes",
        await pulumi(c, ["preview", ...stack(c), "--expect-no-changes", "--diff", ...PLAIN]),
        "no changes after up",
      ),
  },
  verifyStep("verify-impersonate", "impersonate"),
  verifyStep("verify-adc", "adc"),
  rotateStep("rotate", (c) => [...stack(c), "--json"], "rotated"),
  verifyStep("verify-service-account", "service-account"),
  verifyStep("verify-api-key", "api-key"),
  rotateStep("rotate-again", (c) => [...stack(c), "--json"], "unchanged"),
  {
    ...rotateStep(
      "rotate-next-period",
      (c) => [...stack(c), "--dry-run", "--now", onePeriodLater(c.dueAt), "--json"],
      "would-rotate",
    ),
    run: async (c) =>
      c.dueAt === undefined
        ? { ok: false, message: "the first rotation reported no moment its keys fall due" }
        : rotationOutcome(
            await kit(c, "rotate", [
              ...stack(c),
              "--dry-run",
              "--now",
              onePeriodLater(c.dueAt),
              "--json",
            ]),
            "would-rotate",
          ),
  },
];
