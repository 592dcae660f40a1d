/**
 * A live run: the steps in order, each timed and reported; on the first failure (or Ctrl-C) the
 * remaining steps do not run, and the clean-up steps that apply do, unless --keep-on-failure. The
 * run's folder goes once nothing is left to clean up; otherwise it stays, with what to run.
 */

import { EXIT } from "../cli/failure.ts";
import type { Interruption, Run } from "../cli/process.ts";
import { CLEANUP_STEPS, type CleanupStep } from "./cleanup.ts";
import type { E2eGoogle } from "./google.ts";
import { attempt } from "./attempt.ts";
import {
  runNames,
  runProject,
  stackFileText,
  wavesFileText,
  type ProjectSource,
  type RunNames,
} from "./names.ts";
import type { E2eReport, StepStatus } from "./report.ts";
import { MAIN_STEPS, type Step, type StepContext, type StepName } from "./steps.ts";
import {
  makeWorkspace,
  removeWorkspace,
  runEnvironment,
  type MachineFacts,
  type Workspace,
  type WorkspaceRequest,
} from "./workspace.ts";

export interface E2eRunOptions {
  source: ProjectSource;
  region?: string;
  keepOnFailure: boolean;
  /** How long a step that settles is tried again after a refusal a new grant explains. */
  settleSeconds: number;
}

export interface E2eRunDeps {
  kitRoot: string;
  tempRoot: string;
  run: Run;
  node: { path: string; flags: string[] };
  google: E2eGoogle;
  /** The caller as an IAM member: the account's impersonator and the secrets' reader. */
  member: string;
  machine: MachineFacts;
  randomBytes: (n: number) => Uint8Array;
  clock: { now(): number; sleep(ms: number): Promise<void> };
  progress: (line: string) => void;
  /** Remembers a secret so nothing printed shows it. */
  secret: (value: string) => void;
  /** Ctrl-C: the first stops the steps, a second the clean-up too. */
  interruption: { steps: Interruption; cleanup: Interruption };
  makeWorkspace?: (r: WorkspaceRequest) => Workspace;
}

/** Why a clean-up step does not apply: what it removes was never made. */
function notNeeded(step: CleanupStep, started: Set<StepName>): string | undefined {
  return started.has(step.after) ? undefined : `nothing to remove: ${step.after} never ran`;
}

/** The run's steps as they happen: each announced, timed, reported on stderr and in the report. */
class Steps {
  #index = 0;
  readonly #total: number;
  readonly #report: E2eReport;
  readonly #c: StepContext;
  readonly #deps: E2eRunDeps;
  readonly #settleSeconds: number;

  constructor(
    total: number,
    report: E2eReport,
    c: StepContext,
    deps: E2eRunDeps,
    settleSeconds: number,
  ) {
    this.#total = total;
    this.#report = report;
    this.#c = c;
    this.#deps = deps;
    this.#settleSeconds = settleSeconds;
  }

  /** Runs the step; true when it passed (or does not apply here). */
  async perform(step: Step): Promise<boolean> {
    const { progress, clock } = this.#deps;
    progress(`[e2e] ${++this.#index}/${this.#total} ${step.name}: ${step.shows(this.#c)}`);
    const start = clock.now();
    const attempted = await attempt(step, this.#c, {
      ...this.#deps,
      settleSeconds: this.#settleSeconds,
    });
    const seconds = Math.round((clock.now() - start) / 1000);
    // A command's message may list problems on lines of their own: one line here.
    const outcome = { ...attempted, message: attempted.message.replace(/\s*\n\s*/g, " ").trim() };
    const status: StepStatus = !outcome.ok ? "failed" : outcome.skipped ? "skipped" : "ok";
    progress(
      `[e2e] ${step.name} ${status === "failed" ? "FAILED" : status} (${seconds}s): ${outcome.message}`,
    );
    this.#report.steps.push({
      step: step.name,
      status,
      seconds,
      message: outcome.message,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    });
    return outcome.ok;
  }

  notRun(step: StepName, message: string): void {
    this.#index++;
    this.#report.steps.push({ step, status: "not run", seconds: 0, message });
  }
}

/** The steps' shared context; prepare makes the workspace with the run's stack file and environment. */
function stepContext(
  o: E2eRunOptions,
  deps: E2eRunDeps,
  names: RunNames,
  passphrase: string,
): StepContext {
  const c: StepContext = {
    names,
    source: o.source,
    project: runProject(o.source, names),
    env: {},
    run: deps.run,
    node: deps.node,
    google: deps.google,
    interruption: deps.interruption.steps,
    progress: deps.progress,
    prepare: () => {
      const stackFile = stackFileText({
        names,
        source: o.source,
        region: o.region,
        member: deps.member,
      });
      const ws = (deps.makeWorkspace ?? makeWorkspace)({
        kitRoot: deps.kitRoot,
        tempRoot: deps.tempRoot,
        runId: names.runId,
        passphrase,
        ...(deps.machine.pulumiPlugins === undefined
          ? {}
          : { pluginCache: deps.machine.pulumiPlugins }),
        files: {
          [`stacks/Pulumi.${names.stack}.yaml`]: stackFile,
          "stacks/deploy-waves.yaml": wavesFileText(names),
        },
      });
      c.env = runEnvironment(ws, deps.machine, passphrase);
      return ws;
    },
  };
  return c;
}

export async function runE2e(o: E2eRunOptions, deps: E2eRunDeps): Promise<E2eReport> {
  const names = runNames(deps.randomBytes(6));
  const passphrase = Buffer.from(deps.randomBytes(32)).toString("base64url");
  deps.secret(passphrase);
  const mode = "create" in o.source ? "create" : "adopt";
  const c = stepContext(o, deps, names, passphrase);
  const report: E2eReport = {
    ok: false,
    mode,
    runId: names.runId,
    stack: names.stack,
    project: c.project,
    member: deps.member,
    interrupted: false,
    steps: [],
    exitCode: EXIT.failed,
  };
  const cleanup = CLEANUP_STEPS.filter((s) => s.mode === undefined || s.mode === mode);
  const steps = new Steps(MAIN_STEPS.length + cleanup.length, report, c, deps, o.settleSeconds);

  const started = new Set<StepName>();
  for (const step of MAIN_STEPS) {
    if (report.failedStep !== undefined) steps.notRun(step.name, `${report.failedStep} failed`);
    else if (deps.interruption.steps.interrupted) {
      report.failedStep = step.name;
      steps.notRun(step.name, "interrupted (Ctrl-C) before it started");
    } else {
      started.add(step.name);
      if (!(await steps.perform(step))) report.failedStep = step.name;
    }
  }
  report.interrupted = deps.interruption.steps.interrupted;

  // The clean-up acts under its own Ctrl-C: the first one stopped the steps, a second stops it.
  c.interruption = deps.interruption.cleanup;
  const keep = report.failedStep !== undefined && o.keepOnFailure;
  let cleanOk = true;
  for (const step of cleanup) {
    const why = notNeeded(step, started) ?? (keep ? "kept (--keep-on-failure)" : undefined);
    if (why !== undefined) {
      cleanOk &&= !keep;
      steps.notRun(step.name, why);
    } else if (deps.interruption.cleanup.interrupted) {
      cleanOk = false;
      steps.notRun(step.name, "interrupted (Ctrl-C twice)");
    } else if (!(await steps.perform(step))) cleanOk = false;
  }
  if (c.ws !== undefined) {
    if (cleanOk) removeWorkspace(c.ws);
    else report.keptWorkspace = c.ws.root;
  }
  report.ok = report.failedStep === undefined && cleanOk;
  report.exitCode = report.interrupted ? EXIT.interrupted : report.ok ? EXIT.ok : EXIT.failed;
  return report;
}
