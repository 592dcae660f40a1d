/**
 * What preflight checks for a stack, read from its plan (the resources a fresh `up` registers, run
 * offline under Pulumi's mocks) and its checked config: per project it acts in, the APIs it needs,
 * the permissions `up` needs there, the members it grants, what there needs billing; and for an
 * environment stack, the keys it issues, its API key and its OAuth step.
 */

import { apiKeys } from "../config/api-key.ts";
import type { KitConfig } from "../config/types.ts";
import { expectedModels } from "../config/vertex.ts";
import type { ManualStep } from "../oauth/consent.ts";
import { neededPermissions, plannedProjects, projectOf, type ProjectNeeds } from "./needs.ts";
import type { Plan } from "../offline-plan/plan.ts";
import { UNKNOWN } from "../offline-plan/monitor-messages.ts";

export interface ProjectTarget {
  project: string;
  /** Why the stack acts here, for messages. */
  role: string;
  /** The APIs the stack needs enabled here, sorted. */
  apis: string[];
  /** Whether this stack's up enables them (else another stack must have: the CI stack, for foundation: ci). */
  enablesApis: boolean;
  needs: ProjectNeeds;
  /** The IAM members the stack grants roles to here, sorted. */
  members: string[];
  /** What the stack creates here that needs billing, in words; empty: nothing. */
  billable: string[];
  /** When the environment's stack file vends this project: how, and which stack does it. */
  vending?: ProjectVendingTarget;
}

/**
 * A vended project as preflight checks it: created (under `parent`, linked to `billingAccount`,
 * carrying `labels`, which tell a project this stack created from one that merely has its id) or
 * adopted; by this stack, or by the CI stack (`byCi`: this stack only uses it).
 */
type ProjectVendingTarget = { byCi: boolean } & (
  | { mode: "create"; parent: string; billingAccount: string; labels: Record<string, string> }
  | { mode: "adopt" }
);

export interface PreflightTarget {
  stack: string;
  kind: "environment" | "ci";
  /** The stack's own project (gcp:project). */
  project: string;
  stackFile: string;
  /** foundation: ci — the CI stack applies the APIs and accounts. */
  foundationByCi: boolean;
  projects: ProjectTarget[];
  /** Service-account keys the rotator makes for this stack. */
  keys?: { project: string; accounts: string[]; periodDays: number };
  /** The Gemini API key the rotator makes, bound to an account. */
  /** The stack's API keys: the project, the account the first is bound to, and the APIs they are restricted to. */
  apiKey?: { project: string; account: string; services: string[] };
  oauth?: { required: boolean; clientSet: boolean; steps: ManualStep[] };
  /** For a Vertex target: the models its consumers are expected to call; `named` when vertex.models lists them. */
  vertex?: { project: string; models: string[]; named: boolean };
}

const BILLABLE: Record<string, string> = {
  "gcp:secretmanager/secret:Secret": "Secret Manager secrets",
  "gcp:kms/cryptoKey:CryptoKey": "Cloud KMS keys",
  "gcp:storage/bucket:Bucket": "Cloud Storage buckets",
};

function known(v: unknown): v is string {
  return typeof v === "string" && v !== "" && !v.includes(UNKNOWN);
}

function vendingTarget(c: KitConfig, byCi: boolean): ProjectVendingTarget | undefined {
  const v = c.vending;
  if (v === undefined) return undefined;
  return v.mode === "adopt"
    ? { byCi, mode: "adopt" }
    : {
        byCi,
        mode: "create",
        parent: v.parent,
        billingAccount: v.billingAccount,
        labels: c.labels,
      };
}

export function preflightTarget(plan: Plan): PreflightTarget {
  const needs = neededPermissions(plan.resources, plan.project);
  const planned = plannedProjects(plan.resources);
  const byProject = new Map<
    string,
    { apis: Set<string>; members: Set<string>; billable: Set<string> }
  >();
  const entry = (project: string) => {
    const e = byProject.get(project) ?? {
      apis: new Set<string>(),
      members: new Set<string>(),
      billable: new Set<string>(),
    };
    byProject.set(project, e);
    return e;
  };
  for (const n of needs) entry(n.project);
  for (const r of plan.resources.filter((x) => x.custom)) {
    const project = projectOf(r, plan.project, planned);
    const e = entry(project);
    if (r.type === "gcp:projects/service:Service" && known(r.inputs.service))
      e.apis.add(r.inputs.service);
    if (r.type.endsWith("IAMMember") && known(r.inputs.member)) e.members.add(r.inputs.member);
    const billable = BILLABLE[r.type];
    if (billable !== undefined) e.billable.add(billable);
  }
  const target: PreflightTarget = {
    stack: plan.stack,
    kind: plan.config.kind,
    project: plan.project,
    stackFile: plan.stackFile,
    foundationByCi: false,
    projects: [],
  };
  const roles = new Map<string, string>();
  const vending = new Map<string, ProjectVendingTarget>();
  const vends = (c: KitConfig, byCi: boolean) => {
    const v = vendingTarget(c, byCi);
    if (v !== undefined) vending.set(c.project, v);
  };
  if (plan.config.kind === "ci") {
    roles.set(plan.config.config.project, "the CI project");
    for (const env of plan.config.config.environments) {
      roles.set(env.config.project, `${env.name}'s project (its foundation)`);
      vends(env.config, false);
    }
  } else {
    const c = plan.config.config;
    target.foundationByCi = c.foundation === "ci";
    vends(c, target.foundationByCi);
    const own = entry(c.project);
    // foundation: ci — the APIs are the CI stack's to enable, but this stack's workload needs them all the same.
    for (const api of c.apis) own.apis.add(api);
    for (const a of c.accounts)
      for (const m of [...a.impersonators, ...a.keyReaders]) own.members.add(m);
    const keys = apiKeys(c);
    for (const m of [...(c.oauth?.clientReaders ?? []), ...keys.flatMap((k) => k.readers)])
      own.members.add(m);
    const keyed = c.accounts.filter((a) => a.createKey).map((a) => a.email);
    // foundation: ci — the CI stack makes the secrets, but they live, and bill, in this project.
    if (target.foundationByCi && (keyed.length > 0 || keys.length > 0 || c.oauth !== undefined))
      own.billable.add(BILLABLE["gcp:secretmanager/secret:Secret"]!);
    if (keyed.length > 0)
      target.keys = { project: c.project, accounts: keyed, periodDays: c.rotationDays };
    // The policies that refuse binding a key to an account are the project's: one check covers both keys.
    const bound = keys[0];
    if (bound !== undefined)
      target.apiKey = {
        project: c.project,
        account: bound.accountEmail,
        services: keys.map((k) => k.service),
      };
    if (c.vertex !== undefined)
      target.vertex = {
        project: c.project,
        models: expectedModels(c.vertex),
        named: c.vertex.models.length > 0,
      };
    if (c.oauth !== undefined) {
      // The plan stands in a client for a required one that is missing; its step says what is really there.
      const step = plan.manualSteps.find((s) => s.id === "oauth-desktop-client");
      target.oauth = {
        required: c.oauth.clientRequired,
        clientSet: step === undefined ? c.oauth.client !== undefined : step.status === "done",
        steps: plan.manualSteps,
      };
    }
  }
  target.projects = [...byProject]
    .sort(([a], [b]) => (a === plan.project ? -1 : b === plan.project ? 1 : a.localeCompare(b)))
    .map(([project, e]) => ({
      project,
      role: roles.get(project) ?? "the stack's project",
      apis: [...e.apis].sort(),
      enablesApis: !target.foundationByCi,
      needs: needs.find((n) => n.project === project) ?? {
        project,
        permissions: [],
        secrets: new Map(),
        creates: [],
        elsewhere: new Map(),
      },
      members: [...e.members].sort(),
      billable: [...e.billable].sort(),
      ...(vending.has(project) ? { vending: vending.get(project)! } : {}),
    }));
  return target;
}
