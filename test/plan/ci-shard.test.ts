/**
 * A second CI stack end to end: in a copy of the project whose stacks/ holds the committed stacks
 * and a second CI stack (stacks/Pulumi.ci-eu.yaml, its own CI project) with its two environments,
 * `npm run plan` (run as package.json runs it, and in this process) plans each CI stack and each environment against the CI stack that governs it, and
 * refuses, naming both files, an environment two CI stacks list.
 */

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { commandContext, runCommand } from "../../src/cli/main.ts";
import { planMain } from "../../src/plan/cli.ts";
import { projectCopy } from "../helpers/project-copy.ts";
import {
  ciText,
  committedTexts,
  environmentText,
  governing,
  type StackTexts,
} from "../helpers/shards.ts";
import { cleanEnv, ROOT, type CliResult } from "../helpers/verify-cli.ts";

/** `npm run plan -- ARGS` in `project`, as package.json runs it. */
function planIn(project: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "./scripts/ts-cache.mjs", "scripts/plan.ts", ...args],
      {
        cwd: project,
        env: cleanEnv({ PATH: [join(ROOT, "node_modules", ".bin"), "/usr/bin", "/bin"].join(":") }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The plan command in this process, over `project`'s stacks/, printed as its entry prints it. */
async function planHere(project: string, args: string[]) {
  let stdout = "";
  let stderr = "";
  const ctx = commandContext(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  const code = await runCommand(
    "plan",
    (c) => planMain(c, { root: project, readFile: (path) => readFileSync(path, "utf8") }),
    ctx,
  );
  return { code, stdout, stderr };
}

/** The committed stacks and ci-eu with its environments, as files of stacks/. */
function stacks(euEnvironments = ["eu-dev", "eu-prod"]): Record<string, string> {
  const texts: StackTexts = {
    ...committedTexts(),
    "eu-dev": environmentText("eu-dev"),
    "eu-prod": environmentText("eu-prod", "staging"),
    "ci-eu": ciText({
      project: "acme-gemini-ci-eu",
      ci: {
        stateBucketPrefix: "acme-gemini-eu-state",
        environments: governing(euEnvironments),
        previews: ["eu-dev"],
      },
    }),
  };
  return Object.fromEntries(Object.entries(texts).map(([s, t]) => [`Pulumi.${s}.yaml`, t]));
}

describe("npm run plan with a second CI stack", () => {
  test("plans ci-eu in its own CI project, and ci and an environment of each beside it", async () => {
    const project = projectCopy(stacks());
    const eu = await planIn(project, ["--stack", "ci-eu"]);
    expect(eu.stderr).toBe("");
    expect(eu.code).toBe(0);
    expect(eu.stdout).toContain("Plan for stack ci-eu (project acme-gemini-ci-eu");
    expect(eu.stdout).toContain("accountId=gak-deploy-eu-dev");
    expect(eu.stdout).toContain("accountId=gak-rotate-eu-dev");
    expect(eu.stdout).not.toContain("gak-deploy-staging");
    const results = [];
    for (const stack of ["ci", "eu-dev", "dev"])
      results.push(await planHere(project, ["--stack", stack]));
    expect(results.map((r) => [r.code, r.stderr])).toEqual([
      [0, ""],
      [0, ""],
      [0, ""],
    ]);
  }, 120_000);

  test("refuses an environment both CI stacks list, in either CI stack's plan and in its own", async () => {
    const project = projectCopy(stacks(["eu-dev", "eu-prod", "staging"]));
    const [ci, eu, staging] = [
      await planHere(project, ["--stack", "ci"]),
      await planHere(project, ["--stack", "ci-eu"]),
      await planHere(project, ["--stack", "staging"]),
    ];
    expect([ci.code, eu.code, staging.code]).toEqual([2, 2, 2]);
    expect(ci.stderr).toContain(
      `[ci.environments.staging] "staging" is also governed by stacks/Pulumi.ci-eu.yaml`,
    );
    expect(eu.stderr).toContain(
      `[ci.environments.staging] "staging" is also governed by stacks/Pulumi.ci.yaml`,
    );
    expect(staging.stderr).toContain(
      "is applied by 2 CI stacks: stacks/Pulumi.ci.yaml and stacks/Pulumi.ci-eu.yaml each list staging under ci.environments",
    );
  }, 120_000);
});
