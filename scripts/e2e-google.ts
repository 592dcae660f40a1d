/**
 * What a live run (src/e2e/) takes from this machine besides its processes: the calls it makes to
 * Google itself, built from src/google/ as the caller's Application Default Credentials, the file
 * those credentials are read from, the folder of the Pulumi CLI the npm launcher runs, and the
 * plugins already installed.
 */

import { existsSync, readFileSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import type { Redactor } from "../src/cli/redact.ts";
import type { E2eGoogle } from "../src/e2e/google.ts";
import type { MachineFacts } from "../src/e2e/workspace.ts";
import { deleteApiKey, listApiKeys } from "../src/google/apis/api-keys.ts";
import type { Api } from "../src/google/apis/call.ts";
import { deleteProject, searchProjects } from "../src/google/apis/resource-manager.ts";
import { commandHttp } from "../src/google/http.ts";
import { openSession } from "../src/google/session.ts";
import { machine } from "./machine.ts";

const GRANTED_BY =
  "Grant it to the identity that runs npm run e2e (docs/e2e.md lists what each mode needs).";

/** The run's own calls, made as `api`. */
export function e2eGoogle(api: Api): E2eGoogle {
  return {
    deleteProject: (projectId) => deleteProject(api, projectId),
    deleteApiKeys: async (project, prefix) => {
      const keys = await listApiKeys(api, project, { showDeleted: false });
      const made = keys.filter((k) => k.id === prefix || k.id.startsWith(`${prefix}-`));
      for (const k of made) await deleteApiKey(api, project, k.id);
      return made.map((k) => k.id);
    },
    labelledProjects: (key) => searchProjects(api, `labels.${key}:*`),
  };
}

/** ADC, tried once (src/google/session.ts): a Failure when there are none that work. */
export async function connectE2e(request: {
  project?: string;
  redactor: Redactor;
  progress: (line: string) => void;
}): Promise<{ google: E2eGoogle; principal: string }> {
  const m = machine();
  const http = commandHttp(
    { retries: 4, timeoutSeconds: 30 },
    { fetch: m.fetch, clock: m.clock, progress: request.progress },
  );
  const api = await openSession(
    { auth: "adc", stackProject: request.project, grantedBy: GRANTED_BY },
    http,
    { env: m.env, readFile: m.readFile, redactor: request.redactor, progress: request.progress },
  );
  return { google: e2eGoogle(api), principal: api.principal };
}

/** The file ADC reads, found as google-auth-library finds it (src/google/identities/adc.ts); none for the metadata server. */
function adcFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GOOGLE_APPLICATION_CREDENTIALS) return env.GOOGLE_APPLICATION_CREDENTIALS;
  const config = env.CLOUDSDK_CONFIG || join(env.HOME || homedir(), ".config", "gcloud");
  const file = join(config, "application_default_credentials.json");
  return existsSync(file) ? file : undefined;
}

const pulumiHome = (env: NodeJS.ProcessEnv) =>
  env.PULUMI_HOME || join(env.HOME || homedir(), ".pulumi");

/**
 * The folder of the Pulumi CLI that `pulumi` on PATH runs. The `pulumi` npm package's launcher
 * (node_modules/pulumi/run.js) runs the binary it keeps in $PULUMI_HOME/versions/VERSION/bin; with
 * the run's own empty Pulumi home it would download it again, so that folder goes first on the
 * run's PATH instead. Undefined when there is none yet: the launcher then downloads into the run's home.
 */
function pulumiBin(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "pulumi");
    if (dir === "" || !existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    if (!real.endsWith(join("pulumi", "run.js"))) return dirname(real);
    const version =
      env.PULUMI_VERSION ||
      (JSON.parse(readFileSync(join(dirname(real), "package.json"), "utf8")) as { version: string })
        .version;
    const bin = join(pulumiHome(env), "versions", version, "bin");
    return existsSync(join(bin, "pulumi")) ? bin : undefined;
  }
  return undefined;
}

export function machineFacts(env: NodeJS.ProcessEnv = process.env): MachineFacts {
  const adc = adcFile(env);
  const bin = pulumiBin(env);
  const plugins = join(pulumiHome(env), "plugins");
  return {
    ...(adc === undefined ? {} : { adcFile: adc }),
    ...(bin === undefined ? {} : { pulumiBin: bin }),
    ...(existsSync(plugins) ? { pulumiPlugins: plugins } : {}),
    path: env.PATH ?? "",
  };
}
