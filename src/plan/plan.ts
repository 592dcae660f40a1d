/**
 * The offline plan: a stack's committed config, checked, then run under Pulumi's mocks the way a
 * fresh `pulumi preview` would run it. Values Google computes stay unknown, as in a real preview,
 * except the ones Google derives from inputs by fixed rules (a service account's e-mail).
 */

import { NAMESPACE } from "../config/keys.ts";
import { parseConfig, type RawConfig } from "../config/parse.ts";
import { ConfigError } from "../config/problems.ts";
import type { StackFile } from "../config/stack-file.ts";
import { setClientCommand, type ManualStep } from "../oauth/consent.ts";
import { buildStack } from "../program.ts";
import { criticalPath, recordProgram, type RecordedResource } from "./record.ts";

export interface PlanRequest {
  stack: string;
  /** Where the stack file was read from, for messages. */
  stackFile: string;
  file: StackFile;
  /** Decides which key slots exist, as `pulumi up` on that day would. */
  now: Date;
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
}

const OAUTH_CLIENT_KEY = `${NAMESPACE}:oauthClientJson`;

/** Why the plan stood in a client: the stack's is encrypted, or still missing though required. */
type ClientStandIn = "encrypted" | "missing";

/**
 * An encrypted value cannot be read without the stack's secrets provider. The OAuth client file is
 * the only secret key; a stand-in with the right shape lets the plan show the secret it would fill.
 */
function standIns(file: StackFile, project: string, stack: string): { raw: RawConfig; notes: string[]; client?: ClientStandIn } {
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
      notes.push(`${key} is encrypted in the stack file; the plan stands in a Desktop client of the right shape, so its secret shows but the file itself is not checked.`);
    } else {
      notes.push(`${key} is encrypted in the stack file and was left out; the plan shows the stack as if it were unset.`);
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
    ? { ...step, status: "pending", title: "Create the Desktop OAuth client and hand its file to the stack (pulumi up refuses the stack until then)" }
    : { ...step, title: "Desktop OAuth client is set (encrypted in the stack file, not checked offline)" };
}

/** Google derives these from inputs by fixed rules, so a plan may show them; the rest stay unknown. */
function predictedState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type === "gcp:serviceaccount/account:Account" && typeof inputs.accountId === "string" && typeof inputs.project === "string") {
    const email = `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`;
    return { ...inputs, email, name: `projects/${inputs.project}/serviceAccounts/${email}`, member: `serviceAccount:${email}` };
  }
  return inputs;
}

/** Checks the stack's config and runs the program under mocks; throws ConfigError on bad config. */
export async function planStack(req: PlanRequest): Promise<Plan> {
  const { raw, notes, client } = standIns(req.file, req.file.raw["gcp:project"] ?? "", req.stack);
  // Encrypted values, and the stand-in for a missing client, are what Pulumi would hold as secrets.
  const secretKeys = new Set([...req.file.encrypted, ...(client === undefined ? [] : [OAUTH_CLIENT_KEY])]);
  const { config, problems } = parseConfig(raw, { stack: req.stack, now: req.now, secretKeys, stackFile: req.stackFile });
  if (config === undefined) throw new ConfigError(req.stackFile, problems);
  const recording = await recordProgram(() => buildStack(config), {
    project: "gemini-access-kit",
    stack: req.stack,
    preview: true,
    newResource: (type, _name, inputs) => ({ state: predictedState(type, inputs) }),
  });
  return {
    stack: req.stack,
    project: config.project,
    environment: config.environment,
    stackFile: req.stackFile,
    resources: recording.resources,
    manualSteps: recording.outputs.manualSteps.map((step) => clientStep(step, client)),
    criticalPath: criticalPath(recording.resources),
    notes,
  };
}
