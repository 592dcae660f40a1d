/**
 * The one-time steps for a new environment, in order, each first checking whether it is already
 * done. Nothing secret reaches a command line or the output: the client file goes to `pulumi config
 * set --secret` on standard input.
 */

import type { Run } from "../cli/process.ts";
import { NAMESPACE as NS } from "../config/keys.ts";
import { parseInstalledClient } from "../oauth/client.ts";
import type { BootstrapOptions } from "./args.ts";

const CLIENT_KEY = `${NS}:oauthClientJson`;

export interface StackFileFacts {
  /** Whether stacks/Pulumi.<stack>.yaml exists. */
  exists: boolean;
  project?: string;
  /** The file's `secretsprovider:` (absent for passphrase stacks). */
  secretsProvider?: string;
  issuesKeys: boolean;
  hasRotationStart: boolean;
}

export interface BootstrapDeps {
  run: Run;
  readFile: (path: string) => string;
  stackFile: StackFileFacts;
  /** YYYY-MM-DD. */
  today: string;
  say: (line: string) => void;
}

export type StepStatus = "done" | "already" | "skipped" | "would run" | "failed";

export interface StepResult {
  step: string;
  status: StepStatus;
  detail: string;
}

class StepFailed extends Error {}

async function pulumi(deps: BootstrapDeps, args: string[], input?: string) {
  const r = await deps.run("pulumi", args, { input });
  if (r.missing) throw new StepFailed("The Pulumi CLI is not on PATH. Install it: https://www.pulumi.com/docs/install/");
  return r;
}

/** Runs a changing command, or says it would in a dry run. */
async function change(deps: BootstrapDeps, o: BootstrapOptions, step: string, args: string[], input?: string): Promise<StepResult> {
  const shown = `pulumi ${args.join(" ")}${input !== undefined ? " < (file)" : ""}`;
  if (o.dryRun) return { step, status: "would run", detail: shown };
  const r = await pulumi(deps, args, input);
  if (r.exitCode !== 0) throw new StepFailed(`${shown} failed: ${r.stderr.trim().split("\n").pop() ?? `exit ${r.exitCode}`}`);
  return { step, status: "done", detail: shown };
}

async function login(deps: BootstrapDeps, o: BootstrapOptions): Promise<StepResult> {
  const who = await pulumi(deps, ["whoami", "--json"]);
  const url = who.exitCode === 0 ? (JSON.parse(who.stdout) as { url?: string }).url : undefined;
  if (o.backend === undefined) {
    if (url === undefined) throw new StepFailed("The Pulumi CLI is not logged in to any backend. Pass --backend gs://BUCKET (or file://DIR, https://api.pulumi.com).");
    return { step: "backend", status: "already", detail: `logged in to ${url}` };
  }
  if (url === o.backend) return { step: "backend", status: "already", detail: `logged in to ${url}` };
  return change(deps, o, "backend", ["login", o.backend]);
}

async function createStack(deps: BootstrapDeps, o: BootstrapOptions): Promise<StepResult> {
  const ls = await pulumi(deps, ["stack", "ls", "--json"]);
  if (ls.exitCode !== 0) throw new StepFailed(`pulumi stack ls failed: ${ls.stderr.trim()}`);
  const exists = (JSON.parse(ls.stdout) as { name: string }[]).some((s) => s.name === o.stack || s.name.endsWith(`/${o.stack}`));
  if (exists) {
    const current = deps.stackFile.secretsProvider;
    if (o.secretsProvider?.startsWith("gcpkms://") && current !== undefined && current !== o.secretsProvider) {
      throw new StepFailed(`Stack ${o.stack} uses the secrets provider ${current}, not ${o.secretsProvider}. To move it: pulumi stack change-secrets-provider --stack ${o.stack} ${o.secretsProvider}`);
    }
    return { step: "stack", status: "already", detail: `stack ${o.stack} exists` };
  }
  if (o.secretsProvider === undefined) throw new StepFailed(`Stack ${o.stack} does not exist yet. Pass --secrets-provider gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K (or passphrase) to create it.`);
  return change(deps, o, "stack", ["stack", "init", o.stack, "--secrets-provider", o.secretsProvider]);
}

async function rotationStart(deps: BootstrapDeps, o: BootstrapOptions): Promise<StepResult> {
  if (!deps.stackFile.issuesKeys) return { step: "keyRotationStart", status: "skipped", detail: "the stack issues no keys" };
  if (deps.stackFile.hasRotationStart) return { step: "keyRotationStart", status: "already", detail: "set in the stack file" };
  return change(deps, o, "keyRotationStart", ["config", "set", `${NS}:keyRotationStart`, deps.today, "--stack", o.stack]);
}

async function clientFile(deps: BootstrapDeps, o: BootstrapOptions): Promise<StepResult> {
  if (o.clientFile === undefined) return { step: "oauthClientJson", status: "skipped", detail: "no --client-file" };
  let text: string;
  try {
    text = deps.readFile(o.clientFile);
  } catch {
    throw new StepFailed(`Cannot read ${o.clientFile}.`);
  }
  const { client, problems } = parseInstalledClient(text, deps.stackFile.project);
  if (client === undefined) throw new StepFailed(`${o.clientFile} is not a usable Desktop client file:\n${problems.map((p) => `  - ${p.field} ${p.message}. ${p.fix}`).join("\n")}`);
  const current = await pulumi(deps, ["config", "get", CLIENT_KEY, "--stack", o.stack, "--json"]);
  if (current.exitCode === 0 && (JSON.parse(current.stdout) as { value?: string }).value === text) {
    return { step: "oauthClientJson", status: "already", detail: `client ${client.clientId} is set` };
  }
  const result = await change(deps, o, "oauthClientJson", ["config", "set", "--secret", CLIENT_KEY, "--stack", o.stack], text);
  return { ...result, detail: `${result.detail} (client ${client.clientId})` };
}

async function githubVariables(deps: BootstrapDeps, o: BootstrapOptions): Promise<StepResult> {
  const r = await pulumi(deps, ["stack", "output", "ciIdentity", "--json", "--stack", o.stack]);
  const ci = r.exitCode === 0 ? (JSON.parse(r.stdout || "null") as { workloadIdentityProvider?: string; deployer?: string; previewer?: string } | null) : null;
  if (ci?.workloadIdentityProvider === undefined) {
    return { step: "github variables", status: "skipped", detail: `no ciIdentity output yet: deploy once as an administrator (npm run deploy -- --stack ${o.stack}), then run bootstrap again` };
  }
  const name = o.stack.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  const lines = [
    `gh variable set GAK_${name}_WIF_PROVIDER --body ${ci.workloadIdentityProvider}`,
    `gh variable set GAK_${name}_DEPLOYER --body ${ci.deployer}`,
    `gh variable set GAK_${name}_PREVIEWER --body ${ci.previewer}`,
  ];
  return { step: "github variables", status: "done", detail: `set these in the repository (they are not secret):\n${lines.map((l) => `    ${l}`).join("\n")}` };
}

/** Runs every step in order; stops at the first that fails. */
export async function runBootstrap(o: BootstrapOptions, deps: BootstrapDeps): Promise<{ steps: StepResult[]; exitCode: 0 | 1 }> {
  const steps: StepResult[] = [];
  for (const step of [login, createStack, rotationStart, clientFile, githubVariables]) {
    try {
      const result = await step(deps, o);
      steps.push(result);
      deps.say(`${result.status.padEnd(9)} ${result.step}: ${result.detail}`);
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err;
      steps.push({ step: step.name, status: "failed", detail: err.message });
      deps.say(`failed    ${err.message}`);
      return { steps, exitCode: 1 };
    }
  }
  return { steps, exitCode: 0 };
}
