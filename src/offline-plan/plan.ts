/**
 * The offline plan: a stack's committed config, checked, then run under Pulumi's mocks the way a
 * fresh `pulumi preview` would run it. Values Google computes stay unknown, as in a real preview,
 * except the ones Google derives from inputs by fixed rules (a service account's e-mail).
 */

import { NAMESPACE } from "../config/keys.ts";
import { checkAnyStack, type StackConfig } from "../config/any-stack.ts";
import type { RawConfig } from "../config/decode.ts";
import type { StackFile } from "../config/stack-file.ts";
import { setClientCommand, type ManualStep } from "../oauth/consent.ts";
import { buildCiStack, buildStack } from "../program.ts";
import { criticalPath } from "./critical-path.ts";
import { UNKNOWN } from "./monitor-messages.ts";
import { recordProgram, type RecordedResource } from "./record.ts";

export interface PlanRequest {
  stack: string;
  /** Where the stack file was read from, for messages. */
  stackFile: string;
  file: StackFile;
  /** The committed stack files the CI stack governs, by stack name (see config/ci.ts). */
  readStack: (stack: string) => StackFile | undefined;
}

export interface Plan {
  stack: string;
  project: string;
  environment: string;
  stackFile: string;
  /** Every resource a fresh `up` registers, components included, in registration order. */
  resources: RecordedResource[];
  manualSteps: ManualStep[];
  /** The longest chain of cloud resources that must be created one after another. */
  criticalPath: RecordedResource[];
  /** What the plan could not know offline, and what it assumed instead. */
  notes: string[];
  /** The stack outputs a fresh `up` would export, those Google assigns (resource names with project numbers) left out. */
  outputs: Record<string, unknown>;
  /** The checked config the program ran with. */
  config: StackConfig;
}

/** The value without the parts only an `up` can know, as `pulumi stack output --json` would never show a placeholder. */
function knownOnly(value: unknown): unknown {
  if (value === UNKNOWN) return undefined;
  if (Array.isArray(value)) return value.map(knownOnly).filter((v) => v !== undefined);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value)
    .map(([k, v]) => [k, knownOnly(v)] as const)
    .filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries);
}

const OAUTH_CLIENT_KEY = `${NAMESPACE}:oauthClientJson`;

/** Why the plan stood in a client: the stack's is encrypted, or still missing though required. */
type ClientStandIn = "encrypted" | "missing";

/**
 * An encrypted value cannot be read without the stack's secrets provider. The OAuth client file is
 * the only secret key; a stand-in with the right shape lets the plan show the secret it would fill.
 */
function standIns(
  file: StackFile,
  project: string,
  stack: string,
): { raw: RawConfig; notes: string[]; client?: ClientStandIn } {
  const raw: Record<string, string> = { ...file.raw };
  const notes: string[] = [];
  let client: ClientStandIn | undefined;
  const standInClient = () =>
    JSON.stringify({
      installed: {
        client_id: "000000000000-planned.apps.googleusercontent.com",
        project_id: project,
        client_secret: "not-a-secret-plan-stand-in",
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: "https://oauth2.googleapis.com/token",
        redirect_uris: ["http://localhost"],
      },
    });
  for (const key of file.encrypted) {
    if (key === OAUTH_CLIENT_KEY) {
      raw[key] = standInClient();
      client = "encrypted";
      notes.push(
        `${key} is encrypted in the stack file; the plan stands in a Desktop client of the right shape, so its secret shows but the file itself is not checked.`,
      );
    } else {
      notes.push(
        `${key} is encrypted in the stack file and was left out; the plan shows the stack as if it were unset.`,
      );
    }
  }
  if (raw[`${NAMESPACE}:oauthClientRequired`] === "true" && raw[OAUTH_CLIENT_KEY] === undefined) {
    raw[OAUTH_CLIENT_KEY] = standInClient();
    client = "missing";
    notes.push(
      `pulumi up refuses this stack until its Desktop OAuth client is set (oauthClientRequired: true); the plan shows the resources as if it were set. ` +
        `See the manual steps, then: ${setClientCommand(stack)}`,
    );
  }
  return { raw, notes, client };
}

/** The client step as it really stands, where the plan stood in a client for the program. */
function clientStep(step: ManualStep, standIn: ClientStandIn | undefined): ManualStep {
  if (step.id !== "oauth-desktop-client" || standIn === undefined) return step;
  return standIn === "missing"
    ? {
        ...step,
        status: "pending",
        title:
          "Create the Desktop OAuth client and hand its file to the stack (pulumi up refuses the stack until then)",
      }
    : {
        ...step,
        title: "Desktop OAuth client is set (encrypted in the stack file, not checked offline)",
      };
}

/** Google derives these from inputs by fixed rules, so a plan may show them; the rest stay unknown. */
function predictedState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  // A project's number is Google's to give; the plan writes the stand-in it writes for a number it
  // would look up (CI_INVOKES), so conditions, the lien and the budget show where it goes.
  if (type === "gcp:organizations/project:Project" && typeof inputs.projectId === "string")
    return { ...inputs, number: `NUMBER-OF-${inputs.projectId}` };
  if (
    type === "gcp:projects/iAMCustomRole:IAMCustomRole" &&
    typeof inputs.roleId === "string" &&
    typeof inputs.project === "string"
  ) {
    return { ...inputs, name: `projects/${inputs.project}/roles/${inputs.roleId}` };
  }
  if (
    type === "gcp:serviceaccount/account:Account" &&
    typeof inputs.accountId === "string" &&
    typeof inputs.project === "string"
  ) {
    const email = `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`;
    return {
      ...inputs,
      email,
      name: `projects/${inputs.project}/serviceAccounts/${email}`,
      member: `serviceAccount:${email}`,
    };
  }
  return inputs;
}

/**
 * What the CI stack looks up while it runs: a project's number, which IAM Conditions on secrets need.
 * Offline it cannot be known; the plan shows where it goes.
 */
const CI_INVOKES = {
  "gcp:organizations/getProject:getProject": (inputs: Record<string, unknown>) => ({
    projectId: inputs.projectId,
    number: `NUMBER-OF-${String(inputs.projectId)}`,
  }),
};

/** Checks the stack's config and runs the program under mocks; throws ConfigError on bad config. */
export async function planStack(req: PlanRequest): Promise<Plan> {
  const { raw, notes, client } = standIns(req.file, req.file.raw["gcp:project"] ?? "", req.stack);
  // Encrypted values, and the stand-in for a missing client, are what Pulumi would hold as secrets.
  const secretKeys = new Set([
    ...req.file.encrypted,
    ...(client === undefined ? [] : [OAUTH_CLIENT_KEY]),
  ]);
  const stack = checkAnyStack(raw, {
    stack: req.stack,
    secretKeys,
    stackFile: req.stackFile,
    secretsProvider: req.file.secretsProvider,
    encrypted: req.file.encrypted,
    readStack: req.readStack,
  });
  const record = (program: () => unknown) =>
    recordProgram(program, {
      project: "gemini-access-kit",
      stack: req.stack,
      preview: true,
      invokes: CI_INVOKES,
      newResource: (type, _name, inputs) => ({ state: predictedState(type, inputs) }),
    });
  if (stack.kind === "ci") {
    const recording = await record(() => buildCiStack(stack.config));
    notes.push(
      "Project numbers (NUMBER-OF-<project>) in the deployers' conditions are looked up when the CI stack runs.",
    );
    const created = stack.config.environments
      .filter((e) => e.config.vending?.mode === "create")
      .map((e) => e.config.project);
    if (created.length > 0)
      notes.push(
        `The CI stack creates ${created.join(" and ")} (project.create): Google gives ${created.length === 1 ? "its number" : "their numbers"} (NUMBER-OF-<project> here) when it creates ${created.length === 1 ? "it" : "them"}.`,
      );
    return {
      stack: req.stack,
      project: stack.config.project,
      environment: "ci",
      stackFile: req.stackFile,
      resources: recording.resources,
      manualSteps: [],
      criticalPath: criticalPath(recording.resources),
      notes,
      outputs: knownOnly(recording.outputs) as Record<string, unknown>,
      config: stack,
    };
  }
  const config = stack.config;
  if (config.foundation === "ci") {
    notes.push(
      `The CI stack applies this environment's APIs, accounts, their roles and impersonators (foundation: ci): see them with npm run plan -- --stack ci.`,
    );
  }
  if (config.vending !== undefined)
    notes.push(
      config.foundation === "ci"
        ? `The CI stack ${config.vending.mode === "create" ? "creates" : "adopts"} ${config.project} (project.${config.vending.mode}), before this environment's foundation.`
        : config.vending.mode === "create"
          ? `This stack creates ${config.project} (project.create): Google gives its number (NUMBER-OF-${config.project} here) when it creates it.`
          : `This stack adopts ${config.project} (project.adopt): it imports the project as it is and never deletes it.`,
    );
  const recording = await record(() => buildStack(config));
  const outputs = recording.outputs as { manualSteps: ManualStep[] };
  return {
    stack: req.stack,
    project: config.project,
    environment: config.environment,
    stackFile: req.stackFile,
    resources: recording.resources,
    manualSteps: outputs.manualSteps.map((step) => clientStep(step, client)),
    criticalPath: criticalPath(recording.resources),
    notes,
    outputs: knownOnly({
      ...outputs,
      manualSteps: outputs.manualSteps.map((step) => clientStep(step, client)),
    }) as Record<string, unknown>,
    config: stack,
  };
}
