/** One step of bootstrap, as its report shows it. */

import type { GithubFinding } from "./github.ts";

type StepStatus = "done" | "already" | "skipped" | "would run" | "warning" | "failed";

export interface StepResult {
  step: string;
  status: StepStatus;
  detail: string;
  /** The GitHub settings step's problems and warnings, one by one, for --json readers. */
  findings?: GithubFinding[];
}

/** A step that cannot be done: the run stops there (exit 1), and running again resumes. */
export class StepFailed extends Error {
  readonly findings?: GithubFinding[];

  constructor(message: string, findings?: GithubFinding[]) {
    super(message);
    this.findings = findings;
  }
}
