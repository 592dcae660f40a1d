/**
 * The dev stack's projects as preflight finds them in the fake Google, before CI's deployer runs
 * its up: the environment's project (active, billed, its APIs enabled by the CI stack, no policy
 * in the way), the CI project (the deployer's own, billed for its calls, the CI stack's APIs
 * enabled), and the deployer (ADC from a key file) holding exactly what the CI stack grants it in
 * the environment's project: secret creation, management of the gak-* secrets through a condition,
 * and the preflight reads. Tests change what they test from there.
 */

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redactor } from "../../src/cli/redact.ts";
import {
  CI_PROJECT_APIS,
  DEPLOYER_SECRET_PERMISSIONS,
  PREFLIGHT_READ_PERMISSIONS,
} from "../../src/ci/grants.ts";
import { machine } from "../../scripts/machine.ts";
import { parsePreflightArgs } from "../../src/preflight/args.ts";
import { planStack, type Plan, type PlanRequest } from "../../src/offline-plan/plan.ts";
import type { PreflightCommandDeps } from "../../src/preflight/cli.ts";
import { runPreflight, type PreflightResult } from "../../src/preflight/run.ts";
import { readInputFile } from "../../src/cli/input-file.ts";
import { nodeFetch } from "../../src/google/transport/fetch.ts";
import type { GeneratedKey } from "./google/credentials.ts";
import { startFakeGoogle, type FakeGoogle } from "./google/server.ts";
import { cloudProject, PROJECT_NUMBER, type CloudProject } from "./google/state.ts";
import { ROOT } from "./verify-cli.ts";
import { tempDir } from "./temp-dir.ts";

export const PROJECT = "acme-gemini-dev";
export const CI_PROJECT = "acme-gemini-ci";
const CI_PROJECT_NUMBER = "210987654321";
const DEPLOYER = "gak-deploy-dev@acme-gemini-ci.iam.gserviceaccount.com";
const DEV_SECRETS = ["gak-api-key-dev", "gak-runtime-key-dev"];
/** The APIs the dev stack needs (its config's apis), which the CI stack has enabled. */
export const DEV_APIS = [
  "aiplatform.googleapis.com",
  "apikeys.googleapis.com",
  "cloudresourcemanager.googleapis.com",
  "generativelanguage.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "secretmanager.googleapis.com",
];

export interface PreflightWorld {
  google: FakeGoogle;
  dir: string;
  deployerKey: GeneratedKey;
  /** The deployer's key file, as ADC. */
  adc: string;
  /** The project root whose stacks/ the command reads. */
  root: string;
  project(id: string): CloudProject;
  /** Sets the effective policy of a constraint on a project (its `spec`). */
  policy(constraint: string, spec: Record<string, unknown>, project?: string): void;
}

export async function startPreflightWorld(
  options: { secretsExist?: boolean; root?: string } = {},
): Promise<PreflightWorld> {
  const google = await startFakeGoogle();
  const dir = tempDir("preflight");
  google.state.cloudProjects.set(PROJECT, cloudProject(PROJECT, PROJECT_NUMBER, DEV_APIS));
  google.state.cloudProjects.set(
    CI_PROJECT,
    cloudProject(CI_PROJECT, CI_PROJECT_NUMBER, CI_PROJECT_APIS),
  );
  google.state.projects.set(CI_PROJECT_NUMBER, CI_PROJECT);
  // Google's defaults aside, an organization that lets the kit do everything and enforces what it recommends.
  const p = google.state.cloudProjects.get(PROJECT)!;
  p.policies.set("iam.managed.disableServiceAccountApiKeyCreation", {
    rules: [{ enforce: false }],
  });
  p.policies.set("iam.automaticIamGrantsForDefaultServiceAccounts", { rules: [{ enforce: true }] });
  const deployerKey = google.addServiceAccount(DEPLOYER, CI_PROJECT);
  google.state.grants.set(DEPLOYER, [
    { project: PROJECT, permissions: [...PREFLIGHT_READ_PERMISSIONS] },
    {
      project: PROJECT,
      permissions: [...DEPLOYER_SECRET_PERMISSIONS],
      secretPrefix: "gak-oauth-client-",
    },
  ]);
  if (options.secretsExist ?? true)
    for (const id of DEV_SECRETS)
      google.addSecret(`projects/${PROJECT}/secrets/${id}`, undefined, []);
  const adc = join(dir, "deployer.json");
  writeFileSync(adc, deployerKey.file);
  return {
    google,
    dir,
    deployerKey,
    adc,
    root: options.root ?? ROOT,
    project: (id) => google.state.cloudProjects.get(id)!,
    policy: (constraint, spec, project = PROJECT) =>
      void google.state.cloudProjects.get(project)!.policies.set(constraint, spec),
  };
}

export interface InProcessPreflight {
  result: PreflightResult;
  progress: string[];
}

/**
 * The plan is a pure function of the stack files, and the slowest part of a preflight run (the CI
 * stack registers over a hundred resources under mocks): planned once per set of files.
 */
const plans = new Map<string, Promise<Plan>>();
function memoPlan(root: string): (req: PlanRequest) => Promise<Plan> {
  return (req) => {
    const dir = join(root, "stacks");
    const files = readdirSync(dir)
      .sort()
      .map((name) => `${name}\0${readFileSync(join(dir, name), "utf8")}`);
    const key = JSON.stringify([req.stack, req.stackFile, req.file, files]);
    let plan = plans.get(key);
    if (plan === undefined) {
      plan = planStack(req);
      plans.set(key, plan);
    }
    return plan;
  };
}

/** Runs the preflight core in this process against the world, as its ADC (the deployer's key unless `env` says otherwise). */
export async function preflightInProcess(
  world: PreflightWorld,
  argv: string[],
  env: Record<string, string> = {},
): Promise<InProcessPreflight> {
  const progress: string[] = [];
  const full = {
    METADATA_SERVER_DETECTION: "none",
    HOME: "/nonexistent",
    GOOGLE_APPLICATION_CREDENTIALS: world.adc,
    ...world.google.env,
    ...env,
  };
  // google-auth-library reads these from the process itself, not from the env the core is given.
  const saved = { ...process.env };
  Object.assign(process.env, full);
  try {
    const result = await runPreflight(parsePreflightArgs(argv), {
      fetch: nodeFetch,
      clock: { now: Date.now, sleep: () => Promise.resolve(), random: () => 0.5 },
      env: full,
      readFile: readInputFile,
      root: world.root,
      readText: (path) => readFileSync(path, "utf8"),
      run: () => Promise.reject(new Error("no pulumi in in-process tests")),
      progress: (line) => progress.push(line),
      redactor: new Redactor(),
      plan: memoPlan(world.root),
    });
    return { result, progress };
  } finally {
    process.env = saved;
  }
}

/** The collaborators preflight's entry gives its command, for a run in this process (see inProcess). */
export function preflightCommandDeps(root = ROOT): PreflightCommandDeps {
  return {
    ...machine(),
    root,
    readText: (path) => readFileSync(path, "utf8"),
    plan: memoPlan(root),
  };
}

/** Each check as `id[ constraint][@project]: status`, for comparing whole runs at a glance. */
export function verdicts(result: PreflightResult, project = PROJECT): string[] {
  return result.checks.map(
    (c) =>
      `${c.constraint ?? c.id}${c.project !== undefined && c.project !== project ? `@${c.project}` : ""}: ${c.status}`,
  );
}

/** The one check with this id (or constraint). */
export function check(result: PreflightResult, idOrConstraint: string, project = PROJECT) {
  const found = result.checks.filter(
    (c) => (c.constraint ?? c.id) === idOrConstraint && (c.project ?? project) === project,
  );
  if (found.length !== 1)
    throw new Error(
      `${found.length} checks ${idOrConstraint} for ${project}: ${verdicts(result).join("; ")}`,
    );
  return found[0]!;
}
