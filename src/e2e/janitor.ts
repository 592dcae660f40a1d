/**
 * `npm run e2e -- janitor`: the projects live runs made and did not delete (a run killed outright,
 * or kept with --keep-on-failure), found by their label and deleted once older than the limit.
 */

import { Failure } from "../cli/failure.ts";
import type { E2eGoogle } from "./google.ts";
import { E2E_LABEL } from "./names.ts";

export interface JanitorOptions {
  olderThanMs: number;
  dryRun: boolean;
}

type Action = "deleted" | "would delete" | "kept" | "pending deletion" | "failed";

interface JanitorLine {
  projectId: string;
  /** The run that made it: the label's value. */
  run: string;
  createTime: string;
  action: Action;
  detail: string;
}

export interface JanitorReport {
  ok: boolean;
  now: string;
  olderThanHours: number;
  dryRun: boolean;
  projects: JanitorLine[];
  exitCode: 0 | 1;
}

export interface JanitorDeps {
  google: E2eGoogle;
  now: () => number;
  progress: (line: string) => void;
}

const hours = (ms: number) => Math.round((ms / 3_600_000) * 10) / 10;

export async function runJanitor(o: JanitorOptions, deps: JanitorDeps): Promise<JanitorReport> {
  const now = deps.now();
  deps.progress(`Looking for the projects labelled ${E2E_LABEL} that you may see...`);
  // The search matches the label; checked again here, so nothing unlabelled is ever deleted.
  const found = (await deps.google.labelledProjects(E2E_LABEL))
    .filter((p) => p.labels[E2E_LABEL] !== undefined)
    .sort((a, b) => a.createTime.localeCompare(b.createTime));
  const projects: JanitorLine[] = [];
  for (const p of found) {
    const age = now - Date.parse(p.createTime);
    const line = (action: Action, detail: string) => {
      projects.push({
        projectId: p.projectId,
        run: p.labels[E2E_LABEL]!,
        createTime: p.createTime,
        action,
        detail,
      });
    };
    if (p.state !== "ACTIVE") line("pending deletion", `already ${p.state}`);
    else if (!(age >= o.olderThanMs)) line("kept", `younger than ${hours(o.olderThanMs)} h`);
    else if (o.dryRun) line("would delete", "");
    else {
      try {
        await deps.google.deleteProject(p.projectId);
        line("deleted", "DELETE_REQUESTED; its id stays taken for 30 days");
      } catch (err) {
        if (!(err instanceof Failure)) throw err;
        line("failed", `${err.reason}: ${err.message} ${err.fix}`);
      }
    }
  }
  const ok = projects.every((l) => l.action !== "failed");
  return {
    ok,
    now: new Date(now).toISOString(),
    olderThanHours: hours(o.olderThanMs),
    dryRun: o.dryRun,
    projects,
    exitCode: ok ? 0 : 1,
  };
}
