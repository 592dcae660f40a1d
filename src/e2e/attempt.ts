/**
 * One step's attempt: its outcome, any error it throws taken as its failure (so the clean-up still
 * runs), and, for the steps that settle, another try every 30 s while it is refused for a reason a
 * grant or an API made moments ago explains, until --settle has passed or Ctrl-C.
 */

import { Failure } from "../cli/failure.ts";
import type { Interruption } from "../cli/process.ts";
import type { StepOutcome } from "./outcomes.ts";
import type { Step, StepContext } from "./steps.ts";

export interface AttemptDeps {
  settleSeconds: number;
  clock: { now(): number; sleep(ms: number): Promise<void> };
  progress: (line: string) => void;
}

const RETRY_MS = 30_000;

/** Waits up to `ms`, a second at a time, ending early on Ctrl-C. */
async function pause(ms: number, deps: AttemptDeps, interruption: Interruption): Promise<void> {
  const until = deps.clock.now() + ms;
  while (deps.clock.now() < until && !interruption.interrupted)
    await deps.clock.sleep(Math.min(1000, until - deps.clock.now()));
}

/** Runs a step, again while it is refused for a reason a new grant explains; any error is its failure. */
export async function attempt(step: Step, c: StepContext, deps: AttemptDeps): Promise<StepOutcome> {
  const deadline = deps.clock.now() + deps.settleSeconds * 1000;
  for (;;) {
    let outcome: StepOutcome;
    try {
      outcome = await step.run(c);
    } catch (err) {
      outcome =
        err instanceof Failure
          ? { ok: false, reason: err.reason, message: `${err.reason}: ${err.message} ${err.fix}` }
          : {
              ok: false,
              message: `unexpected error: ${err instanceof Error ? err.message : String(err)}`,
            };
    }
    if (c.interruption.interrupted && !outcome.ok)
      return { ...outcome, message: `interrupted (Ctrl-C): ${outcome.message}` };
    if (outcome.ok || !step.settles || !outcome.settling || deps.clock.now() >= deadline)
      return outcome;
    deps.progress(
      `[e2e]   ${step.name}: ${outcome.reason ?? "refused"}, as a grant or API made moments ago may be for a few minutes; trying again in ${RETRY_MS / 1000}s`,
    );
    await pause(RETRY_MS, deps, c.interruption);
  }
}
