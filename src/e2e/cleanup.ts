/**
 * The steps that leave nothing behind, run after the last step that proves the kit, or after the
 * one that failed: each applies once the step that made what it removes has started.
 */

import { Failure } from "../cli/failure.ts";
import { projectKeep } from "./destroy.ts";
import type { StepOutcome } from "./outcomes.ts";
import { inRun, type Step, type StepContext, type StepName } from "./steps.ts";

export interface CleanupStep extends Step {
  /** The step whose start makes this one needed: before it, nothing exists to remove. */
  after: StepName;
  /** The mode it belongs to; both when unset. */
  mode?: "create" | "adopt";
}

const PLAIN = ["--yes", "--skip-preview", "--non-interactive", "--color", "never"];

async function destroy(c: StepContext): Promise<StepOutcome> {
  const run = (args: string[]) => c.run("pulumi", args, inRun(c));
  const stack = ["--stack", c.names.stack];
  let exclude: string[] = [];
  if ("create" in c.source) {
    const exported = await run(["stack", "export", ...stack]);
    const keep = exported.exitCode === 0 ? projectKeep(exported.stdout) : undefined;
    if (keep === undefined)
      return {
        ok: false,
        message: `pulumi stack export exited ${exported.exitCode}: the project's resource cannot be told apart, so nothing was destroyed; deleting the project removes all of it`,
      };
    c.projectsInState = keep.projects;
    exclude = keep.exclude.flatMap((urn) => ["--exclude", urn]);
  }
  const r = await run(["destroy", ...stack, ...PLAIN, ...exclude]);
  if (r.exitCode === 0)
    return {
      ok: true,
      message:
        exclude.length > 0
          ? "every resource but the project destroyed (its deletionPolicy is PREVENT; it is deleted next)"
          : "every resource destroyed",
    };
  const said = `${r.stdout}\n${r.stderr}`
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error:/i.test(l))
    .slice(-3);
  return {
    ok: false,
    message: `pulumi destroy exited ${r.exitCode}: ${said.join(" | ") || r.stderr.trim().split("\n").pop() || ""}`,
  };
}

async function deleteProject(c: StepContext): Promise<StepOutcome> {
  try {
    await c.google.deleteProject(c.project);
  } catch (err) {
    // Google answers 403 alike for a project that does not exist; the state says whether up made it.
    if (err instanceof Failure && err.reason === "PERMISSION_DENIED" && c.projectsInState === 0)
      return {
        ok: true,
        skipped: true,
        message: `up never made project ${c.project} (the state holds no project), and Google shows none`,
      };
    throw err;
  }
  return {
    ok: true,
    message: `project ${c.project} is DELETE_REQUESTED: Google deletes it after 30 days, and its id stays taken until then`,
  };
}

export const CLEANUP_STEPS: CleanupStep[] = [
  {
    name: "destroy",
    after: "up",
    shows: (c) =>
      `pulumi destroy --stack ${c.names.stack}${"create" in c.source ? " --exclude <the project and what it stands on>" : ""}`,
    run: destroy,
  },
  {
    name: "delete-api-keys",
    mode: "adopt",
    // The rotator's API keys are in no stack's state; in create mode they go with the project.
    after: "rotate",
    shows: (c) => `delete the API keys ${c.names.apiKeyPrefix(c.project)}-* in ${c.project}`,
    run: async (c) => {
      const ids = await c.google.deleteApiKeys(c.project, c.names.apiKeyPrefix(c.project));
      return { ok: true, message: ids.length === 0 ? "none made" : `deleted ${ids.join(", ")}` };
    },
  },
  {
    name: "delete-project",
    mode: "create",
    after: "up",
    shows: (c) => `delete project ${c.project} (Resource Manager v3 projects.delete)`,
    run: deleteProject,
  },
];
