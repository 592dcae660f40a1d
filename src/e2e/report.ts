/** What the e2e command prints at the end: the steps as a table, or the janitor's projects, or either as JSON. */

import { terminalLine } from "../cli/output.ts";
import type { JanitorReport } from "./janitor.ts";
import type { StepName } from "./steps.ts";

export type StepStatus = "ok" | "failed" | "skipped" | "not run";

interface StepReport {
  step: StepName;
  status: StepStatus;
  seconds: number;
  message: string;
  reason?: string;
}

export interface E2eReport {
  ok: boolean;
  mode: "create" | "adopt";
  runId: string;
  stack: string;
  project: string;
  member: string;
  failedStep?: StepName;
  interrupted: boolean;
  /** The run's folder when it was kept: a failure with --keep-on-failure, or a clean-up that failed. */
  keptWorkspace?: string;
  steps: StepReport[];
  exitCode: 0 | 1 | 130;
}

const WIDTH = 24;

export function formatRunText(r: E2eReport): string {
  const lines = [
    `e2e ${r.runId}: ${r.mode} mode, project ${r.project}, stack ${r.stack}, as ${r.member}`,
    "",
    `${"STEP".padEnd(WIDTH)}${"RESULT".padEnd(9)}${"TIME".padEnd(7)}DETAIL`,
  ];
  for (const s of r.steps)
    lines.push(
      `${s.step.padEnd(WIDTH)}${(s.status === "failed" ? "FAILED" : s.status).padEnd(9)}${`${s.seconds}s`.padEnd(7)}${terminalLine(s.message)}`,
    );
  lines.push("");
  if (r.failedStep !== undefined) {
    const failed = r.steps.find((s) => s.step === r.failedStep);
    lines.push(
      `${r.interrupted ? "Interrupted" : "Failed"} at ${r.failedStep}${failed?.reason ? ` (${failed.reason})` : ""}: ${terminalLine(failed?.message ?? "")}`,
    );
  }
  const cleanupFailed = r.steps.filter((s) => s.status === "failed" && s.step !== r.failedStep);
  for (const s of cleanupFailed)
    lines.push(`Clean-up step ${s.step} failed: ${terminalLine(s.message)}`);
  if (r.keptWorkspace !== undefined) lines.push(...keptLines(r));
  else if (r.ok) lines.push(`All ${r.steps.length} steps passed; the run left nothing behind.`);
  else lines.push("The clean-up steps that applied ran; the run left nothing behind.");
  return `${lines.join("\n")}\n`;
}

/** How to finish the clean-up of a kept run by hand. */
function keptLines(r: E2eReport): string[] {
  const w = r.keptWorkspace!;
  const lines = [
    `The run's folder is kept: ${w} (its state, passphrase and copy of the kit). To remove what it made:`,
    `  cd ${w}/project && PULUMI_HOME=${w}/pulumi-home PULUMI_BACKEND_URL=file://${w}/state PULUMI_CONFIG_PASSPHRASE_FILE=${w}/passphrase npm exec -- pulumi destroy --stack ${r.stack}`,
  ];
  if (r.mode === "create")
    lines.push(
      `  then delete the project: gcloud projects delete ${r.project} (the janitor deletes it too, once older than its limit: npm run e2e -- janitor)`,
    );
  else
    lines.push(
      `  then delete the API keys the rotator made in ${r.project}: gcloud services api-keys list --project ${r.project}, and delete those whose id starts with gak-gemini-e2e-`,
    );
  lines.push(`  then rm -rf ${w}`);
  return lines;
}

export function formatJanitorText(r: JanitorReport): string {
  const lines = r.projects.map(
    (p) =>
      `${(p.action === "failed" ? "FAILED" : p.action).padEnd(17)}${p.projectId.padEnd(31)}made ${p.createTime}${p.detail === "" ? "" : `: ${terminalLine(p.detail)}`}`,
  );
  const deleted = r.projects.filter((p) => p.action === (r.dryRun ? "would delete" : "deleted"));
  lines.push(
    `${r.projects.length} labelled project${r.projects.length === 1 ? "" : "s"}; ${deleted.length} ${r.dryRun ? "would be deleted (dry run: nothing was)" : "deleted"}, older than ${r.olderThanHours} h.`,
  );
  return `${lines.join("\n")}\n`;
}
