/**
 * The preflight command's core: plan the stack offline (what a fresh up registers), derive what to
 * check from it, act as the caller, and run every check that applies in parallel. Collaborators
 * (fetch, clock, files, the process runner) come in as parameters, so tests run it against the fake
 * Google in-process.
 */

import { badInput, Failure } from "../cli/failure.ts";
import type { Redactor } from "../cli/redact.ts";
import { stackFileName } from "../cli/stacks.ts";
import { parseStackFile, stackFilePath, stackReader } from "../config/stack-file.ts";
import { record } from "../json.ts";
import type { Plan, PlanRequest } from "../offline-plan/plan.ts";
import type { Api } from "../google/apis/call.ts";
import { stackOutputJson, type Runner } from "../cli/stack-outputs.ts";
import { commandHttp, type Clock } from "../google/http.ts";
import { openSession } from "../google/session.ts";
import type { PreflightOptions } from "./args.ts";
import { apiKeysCheck, apisCheck, permissionsCheck } from "./checks/access.ts";
import { apiKeyBindingCheck, keyCreationCheck, keyExpiryCheck } from "./checks/key-policies.ts";
import { oauthCheck, type DeployedOauth } from "./checks/oauth.ts";
import {
  defaultGrantsCheck,
  memberDomainsCheck,
  serviceUsageCheck,
} from "./checks/project-policies.ts";
import { billingCheck, projectCheck } from "./checks/project.ts";
import { billingAccountCheck, parentCheck, projectIdCheck } from "./checks/vending.ts";
import { allowedModelsCheck } from "./checks/vertex-models.ts";
import type { CheckResult, Status } from "./checks/result.ts";
import { getEffectivePolicy } from "../google/apis/org-policy.ts";
import type { PolicyRule } from "../org-policy.ts";
import { preflightTarget, type PreflightTarget, type ProjectTarget } from "./targets.ts";

export interface PreflightDeps {
  fetch: typeof fetch;
  clock: Clock;
  env: Record<string, string | undefined>;
  /** Reads a file the user named (--outputs, credential files); a missing one is a Failure with exit code 2. */
  readFile: (path: string) => Promise<string>;
  /** The project's root, where stacks/ is, and how its files are read. */
  root: string;
  readText: (path: string) => string;
  /** Runs the Pulumi CLI, for the stack's outputs. */
  run: Runner;
  progress: (line: string) => void;
  redactor: Redactor;
  /** The offline plan of a stack; src/offline-plan/plan.ts's planStack, loaded on first use, when not given. */
  plan?: (req: PlanRequest) => Promise<Plan>;
}

export interface PreflightResult {
  ok: boolean;
  command: "preflight";
  stack: string;
  project: string;
  /** Who the checks ran as. */
  caller: string;
  counts: Record<Status, number>;
  checks: CheckResult[];
  exitCode: 0 | 1;
}

const GEMINI = "generativelanguage.googleapis.com";

/** Where the caller's read permissions come from, for the fix of a refused read. */
const GRANTED_BY = "CI's deployer holds it through its preflight role.";

const str = (v: unknown): string => (typeof v === "string" ? v : "");

async function planFor(stack: string, deps: PreflightDeps) {
  const path = stackFilePath(deps.root, stack);
  let text: string;
  try {
    text = deps.readText(path);
  } catch {
    throw badInput(
      `There is no ${stackFileName(stack)}.`,
      "Pass the name of a stack under stacks/.",
    );
  }
  // Loaded here, not with this module: the plan loads the Pulumi SDK and the program (about half a
  // second), which --help, a usage error and a missing stack file never need.
  const planStack = deps.plan ?? (await import("../offline-plan/plan.ts")).planStack;
  return planStack({
    stack,
    stackFile: stackFileName(stack),
    file: parseStackFile(text, stackFileName(stack)),
    readStack: stackReader(deps.root, deps.readText),
  });
}

/** The stack's outputs as JSON text and where they came from: the --outputs file, else the Pulumi CLI; undefined when neither can answer. */
interface OutputsText {
  json?: string;
  source: string;
}

/** Reads --outputs before anything is asked of Google: a file that is not there, or not JSON, is bad input and nothing has run. */
async function outputsFile(
  options: PreflightOptions,
  deps: PreflightDeps,
): Promise<OutputsText | undefined> {
  if (options.outputs === undefined) return undefined;
  const json = await deps.readFile(options.outputs);
  if (parsedOutputs(json) === undefined)
    throw badInput(
      `${options.outputs} is not a JSON object.`,
      "Save the outputs with `pulumi stack output --json > FILE`.",
    );
  return { json, source: options.outputs };
}

function parsedOutputs(json: string): Record<string, unknown> | undefined {
  try {
    return record(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** The OAuth step as the stack's outputs say (the file, or the Pulumi CLI), else as its committed config gives it. */
async function oauthState(
  file: OutputsText | undefined,
  t: PreflightTarget,
  deps: PreflightDeps,
): Promise<DeployedOauth> {
  const planned: DeployedOauth = { source: "the committed config", steps: t.oauth?.steps ?? [] };
  let read = file;
  if (read === undefined) {
    try {
      read = {
        json: await stackOutputJson(t.stack, deps.run),
        source: `stack ${t.stack}'s outputs`,
      };
    } catch (err) {
      if (!(err instanceof Failure)) throw err;
      return {
        ...planned,
        note: `the stack's outputs could not be read (${err.message.replace(/\.$/, "")})`,
      };
    }
  }
  const outputs = parsedOutputs(read.json ?? "");
  if (outputs === undefined) return { ...planned, note: `${read.source} are not a JSON object` };
  // A stack never deployed has no outputs: what its config gives is all there is.
  if (Object.keys(outputs).length === 0)
    return { ...planned, note: `stack ${t.stack} has no outputs yet` };
  const steps = (Array.isArray(outputs.manualSteps) ? outputs.manualSteps : [])
    .map(record)
    .filter((s) => s !== undefined)
    .map((s) => ({ id: str(s.id), status: str(s.status), title: str(s.title) }));
  const status = record(outputs.oauthClient)?.status;
  return {
    source: read.source,
    status: typeof status === "string" ? status : undefined,
    steps: steps.length > 0 ? steps : planned.steps,
  };
}

/** The checks of one project that exists, each a promise of its result; `withProject` false when another check has read the project already. */
function projectChecks(
  api: Api,
  t: PreflightTarget,
  p: ProjectTarget,
  withProject = true,
): Promise<CheckResult>[] {
  const checks: Promise<CheckResult>[] = [];
  // One read of each constraint a project, however many checks use it.
  const policies = new Map<string, Promise<PolicyRule[]>>();
  const read = (constraint: string) => {
    let rules = policies.get(constraint);
    if (rules === undefined)
      policies.set(constraint, (rules = getEffectivePolicy(api, p.project, constraint)));
    return rules;
  };
  if (withProject) checks.push(projectCheck(api, t, p));
  checks.push(billingCheck(api, t, p));
  if (p.needs.permissions.length > 0 || p.needs.secrets.size > 0)
    checks.push(permissionsCheck(api, t, p));
  if (p.apis.length > 0) checks.push(apisCheck(api, t, p), serviceUsageCheck(read, t, p));
  if (t.keys?.project === p.project)
    checks.push(keyCreationCheck(read, t), keyExpiryCheck(read, t));
  if (t.apiKey?.project === p.project) checks.push(apiKeyBindingCheck(read, t));
  if (t.vertex?.project === p.project) checks.push(allowedModelsCheck(read, t));
  if (p.members.length > 0) checks.push(memberDomainsCheck(read, t, p));
  checks.push(defaultGrantsCheck(read, p));
  if (p.apis.includes(GEMINI)) checks.push(apiKeysCheck(api, p));
  return checks;
}

/**
 * A project up creates: its id, its billing account and, while it does not exist, its parent;
 * once it exists as this stack's, the checks of any existing project. Nothing in it can be tested
 * before then, and its creator owns it afterwards.
 */
async function createdProjectChecks(
  api: Api,
  t: PreflightTarget,
  p: ProjectTarget,
  v: Extract<NonNullable<ProjectTarget["vending"]>, { mode: "create" }>,
): Promise<CheckResult[]> {
  const billing = billingAccountCheck(api, p, v);
  const id = await projectIdCheck(api, t, p, v);
  const rest =
    id.state === "absent"
      ? [parentCheck(api, p, v)]
      : id.state === "ours"
        ? projectChecks(api, t, p, false)
        : [];
  return [id.result, ...(await Promise.all([billing, ...rest]))];
}

/** Every check that applies to the stack, grouped by project; `later` names projects whose checks depend on a first answer. */
function checksFor(
  api: Api,
  t: PreflightTarget,
  oauth: () => Promise<DeployedOauth>,
): { groups: Promise<CheckResult[]>[]; known: number; later: string[] } {
  const groups: Promise<CheckResult[]>[] = [];
  let known = 0;
  const later: string[] = [];
  for (const p of t.projects) {
    const v = p.vending;
    if (v?.mode === "create" && !v.byCi) {
      groups.push(createdProjectChecks(api, t, p, v));
      known += 2;
      later.push(p.project);
      continue;
    }
    const checks = projectChecks(api, t, p);
    known += checks.length;
    groups.push(Promise.all(checks));
  }
  if (t.oauth !== undefined) {
    groups.push(oauth().then((state) => [oauthCheck(t, state)]));
    known++;
  }
  return { groups, known, later };
}

export async function runPreflight(
  options: PreflightOptions,
  deps: PreflightDeps,
): Promise<PreflightResult> {
  const stack = options.stack!;
  deps.progress(`Planning stack ${stack} offline, for what up would create...`);
  const target = preflightTarget(await planFor(stack, deps));
  const file = await outputsFile(options, deps);
  const http = commandHttp(options, deps);
  const api = await openSession(
    { ...options, stackProject: target.project, grantedBy: GRANTED_BY },
    http,
    deps,
  );
  const { groups, known, later } = checksFor(api, target, () => oauthState(file, target, deps));
  const more =
    later.length === 0
      ? ""
      : ` (and those of ${later.join(", ")}, which up creates, once it is known whether ${later.length === 1 ? "it exists" : "they exist"})`;
  deps.progress(`Running ${known} checks as ${api.principal}, in parallel${more}...`);
  const results = (await Promise.all(groups)).flat();
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0 };
  for (const r of results) counts[r.status]++;
  const ok = counts.fail === 0;
  return {
    ok,
    command: "preflight",
    stack,
    project: target.project,
    caller: api.principal,
    counts,
    checks: results,
    exitCode: ok ? 0 : 1,
  };
}
