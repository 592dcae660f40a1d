/**
 * The one-time steps for a new environment, in order, each first checking whether it is already
 * done. Nothing secret reaches a command line or the output: the client file goes to `pulumi config
 * set --secret` on standard input.
 */

import { badInput } from "../cli/failure.ts";
import { pulumiMissing, type Run } from "../cli/process.ts";
import { stackFileName } from "../cli/stacks.ts";
import { NAMESPACE as NS } from "../config/keys.ts";
import type { StackFile } from "../config/stack-file.ts";
import { parseInstalledClient, type InstalledClient } from "../oauth/client.ts";
import type { BootstrapOptions } from "./args.ts";
import { COORDINATES_FILE } from "../ci-coordinates.ts";
import { record } from "../json.ts";
import { writeCoordinates, type CoordinatesFile } from "./coordinates.ts";
import { githubSettings } from "./github-check.ts";
import { isPreviewed } from "../config/committed-ci.ts";
import { StepFailed, type StepResult } from "./step.ts";

const CLIENT_KEY = `${NS}:oauthClientJson`;

export interface StackFileFacts {
  /** Whether stacks/Pulumi.<stack>.yaml exists. */
  exists: boolean;
  /** The CI stack (it has a gemini-access-kit:ci setting), not an environment's. */
  ci: boolean;
  /** production: true, for which a passphrase secrets provider is refused. */
  production: boolean;
  project?: string;
  /** The file's `secretsprovider:` (absent for passphrase stacks). */
  secretsProvider?: string;
}

export interface BootstrapDeps {
  run: Run;
  readFile: (path: string) => string;
  stackFile: StackFileFacts;
  /** A committed stack file by stack name (stacks/Pulumi.<stack>.yaml); undefined when there is none. */
  readStack: (stack: string) => StackFile | undefined;
  /** The coordinates file (.github/gak-environments.json), which the CI stack's bootstrap writes. */
  coordinates: CoordinatesFile;
  say: (line: string) => void;
}

async function pulumi(deps: BootstrapDeps, args: string[], input?: string) {
  const r = await deps.run("pulumi", args, { input });
  if (r.missing) throw pulumiMissing(r, "run bootstrap again");
  return r;
}

/** The JSON a `pulumi ... --json` command printed; anything else fails the step, never the command. */
function printed<T>(r: { stdout: string }, command: string): T {
  try {
    return JSON.parse(r.stdout || "null") as T;
  } catch {
    throw new StepFailed(
      `pulumi ${command} printed something other than JSON: ${r.stdout.trim().split("\n")[0]!.slice(0, 120)}`,
    );
  }
}

/** Runs a changing command, or says it would in a dry run. */
async function change(
  deps: BootstrapDeps,
  o: BootstrapOptions,
  step: string,
  args: string[],
  input?: string,
): Promise<StepResult> {
  const shown = `pulumi ${args.join(" ")}${input !== undefined ? " < (file)" : ""}`;
  if (o.dryRun) return { step, status: "would run", detail: shown };
  const r = await pulumi(deps, args, input);
  if (r.exitCode !== 0)
    throw new StepFailed(
      `${shown} failed: ${r.stderr.trim().split("\n").pop() ?? `exit ${r.exitCode}`}`,
    );
  return { step, status: "done", detail: shown };
}

async function login(deps: BootstrapDeps, o: BootstrapOptions): Promise<StepResult> {
  const who = await pulumi(deps, ["whoami", "--json"]);
  const url = who.exitCode === 0 ? printed<{ url?: string } | null>(who, "whoami")?.url : undefined;
  if (o.backend === undefined) {
    if (url === undefined)
      throw new StepFailed(
        "The Pulumi CLI is not logged in to any backend. Pass --backend gs://BUCKET (or file://DIR, https://api.pulumi.com).",
      );
    return { step: "backend", status: "already", detail: `logged in to ${url}` };
  }
  if (url === o.backend)
    return { step: "backend", status: "already", detail: `logged in to ${url}` };
  return change(deps, o, "backend", ["login", o.backend]);
}

async function createStack(deps: BootstrapDeps, o: BootstrapOptions): Promise<StepResult> {
  const ls = await pulumi(deps, ["stack", "ls", "--json"]);
  if (ls.exitCode !== 0) throw new StepFailed(`pulumi stack ls failed: ${ls.stderr.trim()}`);
  const list = printed<{ name?: unknown }[] | null>(ls, "stack ls") ?? [];
  const exists =
    Array.isArray(list) &&
    list.some(
      (s) => typeof s.name === "string" && (s.name === o.stack || s.name.endsWith(`/${o.stack}`)),
    );
  if (exists) {
    const current = deps.stackFile.secretsProvider;
    if (
      o.secretsProvider?.startsWith("gcpkms://") &&
      current !== undefined &&
      current !== o.secretsProvider
    ) {
      throw new StepFailed(
        `Stack ${o.stack} uses the secrets provider ${current}, not ${o.secretsProvider}. To move it: pulumi stack change-secrets-provider --stack ${o.stack} ${o.secretsProvider}`,
      );
    }
    return { step: "stack", status: "already", detail: `stack ${o.stack} exists` };
  }
  if (o.secretsProvider === undefined)
    throw new StepFailed(
      `Stack ${o.stack} does not exist yet. Pass --secrets-provider gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K (or passphrase) to create it.`,
    );
  return change(deps, o, "stack", [
    "stack",
    "init",
    o.stack,
    "--secrets-provider",
    o.secretsProvider,
  ]);
}

/** The client file, read and checked before any step changes anything: a bad file is exit 2. */
function checkedClient(
  deps: BootstrapDeps,
  o: BootstrapOptions,
): { text: string; client: InstalledClient } | undefined {
  if (o.clientFile === undefined) return undefined;
  let text: string;
  try {
    text = deps.readFile(o.clientFile);
  } catch (err) {
    throw badInput(
      `Cannot read ${o.clientFile} (${(err as NodeJS.ErrnoException).code ?? "error"}).`,
      "Check the path of the downloaded client_secret.json.",
    );
  }
  const { client, problems } = parseInstalledClient(text, deps.stackFile.project);
  if (client === undefined) {
    throw badInput(
      `${o.clientFile} is not a usable Desktop client file; nothing was changed:\n${problems.map((p) => `  - ${p.field} ${p.message}. ${p.fix}`).join("\n")}`,
      "Download the right client's JSON and run bootstrap again.",
    );
  }
  return { text, client };
}

async function clientFile(
  deps: BootstrapDeps,
  o: BootstrapOptions,
  checked: ReturnType<typeof checkedClient>,
): Promise<StepResult> {
  if (checked === undefined)
    return { step: "oauthClientJson", status: "skipped", detail: "no --client-file" };
  const { text, client } = checked;
  const current = await pulumi(deps, ["config", "get", CLIENT_KEY, "--stack", o.stack, "--json"]);
  if (
    current.exitCode === 0 &&
    printed<{ value?: string } | null>(current, "config get")?.value === text
  ) {
    return {
      step: "oauthClientJson",
      status: "already",
      detail: `client ${client.clientId} is set`,
    };
  }
  const result = await change(
    deps,
    o,
    "oauthClientJson",
    ["config", "set", "--secret", CLIENT_KEY, "--stack", o.stack],
    text,
  );
  return { ...result, detail: `${result.detail} (client ${client.clientId})` };
}

/**
 * The CI stack's outputs into the coordinates file the workflows read, and each environment's
 * bootstrap as the next step. An environment stack has no CI output of its own.
 */
async function coordinates(deps: BootstrapDeps, o: BootstrapOptions): Promise<StepResult> {
  if (!deps.stackFile.ci) {
    return {
      step: "coordinates",
      status: "skipped",
      detail: `the CI stack's bootstrap writes ${COORDINATES_FILE}, once an administrator has deployed it: npm run bootstrap -- --stack ci`,
    };
  }
  const r = await pulumi(deps, ["stack", "output", "ci", "--json", "--stack", o.stack]);
  const ci =
    r.exitCode === 0
      ? printed<{ workloadIdentityProvider?: unknown; environments?: unknown } | null>(
          r,
          "stack output",
        )
      : null;
  const environments = record(ci?.environments);
  if (typeof ci?.workloadIdentityProvider !== "string" || environments === undefined) {
    return {
      step: "coordinates",
      status: "skipped",
      detail: `no ci output yet: an administrator deploys the CI stack first (npm run deploy -- --stack ${o.stack}), then runs bootstrap again`,
    };
  }
  return writeCoordinates(
    o.stack,
    { workloadIdentityProvider: ci.workloadIdentityProvider, environments },
    deps.coordinates,
    o.dryRun,
  );
}

/**
 * Runs every step in order; stops at the first that fails (exit 1). A bad client file, or one
 * meant for a stack pull requests preview, is refused before the first step (a Failure, exit 2).
 */
export async function runBootstrap(
  o: BootstrapOptions,
  deps: BootstrapDeps,
): Promise<{ steps: StepResult[]; exitCode: 0 | 1 }> {
  if (o.clientFile !== undefined && isPreviewed(o.stack, deps.readStack)) {
    throw badInput(
      `Stack ${o.stack} is in ci.previews of ${stackFileName("ci")}: every pull request previews it, and a preview decrypts its config, so the OAuth client's secret would reach the code of any pull request. Nothing was changed.`,
      `Keep the client in a stack that is not previewed; or remove ${o.stack} from ci.previews and have an administrator apply the CI stack (npm run deploy -- --stack ci) before running this again.`,
    );
  }
  const client = checkedClient(deps, o);
  if (deps.stackFile.production && o.secretsProvider === "passphrase") {
    throw badInput(
      `Stack ${o.stack} is a production stack (production: true); a passphrase would let whoever learns it decrypt every secret in its state, offline. Nothing was changed.`,
      "Pass its KMS key: --secrets-provider gcpkms://... (the CI stack's ci.environments.<stack>.secretsProvider output).",
    );
  }
  const steps: StepResult[] = [];
  const all: [string, () => Promise<StepResult>][] = [
    ["backend", () => login(deps, o)],
    ["stack", () => createStack(deps, o)],
    ["oauthClientJson", () => clientFile(deps, o, client)],
    ["coordinates", () => coordinates(deps, o)],
  ];
  if (deps.stackFile.ci)
    all.push(["github settings", () => githubSettings(deps.run, deps.readStack, o)]);
  for (const [name, step] of all) {
    try {
      const result = await step();
      steps.push(result);
      deps.say(`${result.status.padEnd(9)} ${result.step}: ${result.detail}`);
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err;
      steps.push({
        step: name,
        status: "failed",
        detail: err.message,
        ...(err.findings === undefined ? {} : { findings: err.findings }),
      });
      deps.say(`failed    ${name}: ${err.message}`);
      return { steps, exitCode: 1 };
    }
  }
  return { steps, exitCode: 0 };
}
