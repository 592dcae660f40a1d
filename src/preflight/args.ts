/** The preflight command's arguments and help. */

import { exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine } from "../cli/main.ts";
import { checkProject, checkStackName } from "../cli/stacks.ts";

export interface PreflightOptions {
  help: boolean;
  stack?: string;
  /** The stack's outputs saved from `pulumi stack output --json`, for the OAuth step's state; else the command asks the Pulumi CLI. */
  outputs?: string;
  auth: "adc" | "impersonate";
  impersonate?: string;
  /** The quota project user credentials bill (default: their own, else the stack's project). */
  project?: string;
  timeoutSeconds: number;
  retries: number;
  json: boolean;
}

export const PREFLIGHT_HELP = `Usage: npm run preflight -- --stack NAME [options]

Reads, before pulumi up, what decides whether up of the stack can succeed, as the identity that
will run it: the project and its billing, the organization policies that govern keys, API keys,
members and services, the caller's permissions for every resource the stack creates (the list
derived from the stack's offline plan), which APIs are enabled, existing API keys the Gemini API
would expose, and the OAuth step. The checks run in parallel; each prints pass, warn or fail, what
Google answered, and the fix. Read-only: nothing is changed.

Options:
  --stack NAME             check stacks/Pulumi.NAME.yaml and the projects it acts in
  --outputs FILE           the stack's outputs (\`pulumi stack output --json\`), for the OAuth step's
                           state; without it the Pulumi CLI is asked, and the committed config is used
                           when it cannot answer (a stack not deployed yet)
  --auth adc|impersonate   who checks: your Application Default Credentials (default; in CI, the
                           deployer), or an account they impersonate (--impersonate EMAIL)
  --impersonate EMAIL      the account to check as, with --auth impersonate (e.g. the deployer)
  --project PROJECT        the project user credentials bill these calls to (default: the one
                           your ADC names, else the stack's project)
  --timeout SECONDS        per request (default 30)
  --retries N              retries on 429, 5xx and network errors (default 4)
${commonHelp(27)}
Endpoints (for Private Service Connect, proxies, tests): GEMINI_KIT_CLOUDRESOURCEMANAGER_ENDPOINT,
GEMINI_KIT_CLOUDBILLING_ENDPOINT, GEMINI_KIT_ORGPOLICY_ENDPOINT, GEMINI_KIT_SERVICEUSAGE_ENDPOINT,
GEMINI_KIT_APIKEYS_ENDPOINT, GEMINI_KIT_SECRETMANAGER_ENDPOINT, GEMINI_KIT_OAUTH2_TOKEN_URL,
GEMINI_KIT_IAMCREDENTIALS_ENDPOINT. Each must be https://, or http:// to a loopback address.

${exitCodesHelp({ ok: "every check passed (warnings allowed)", failed: "a check failed: up would fail (each failure's fix is printed)" })}`;

const USAGE_FIX = "Run with --help for the options.";

export function parsePreflightArgs(argv: string[]): PreflightOptions {
  const { values: v } = parseCommandLine("preflight", argv, {
    stack: { type: "string" },
    outputs: { type: "string" },
    auth: { type: "string" },
    impersonate: { type: "string" },
    project: { type: "string" },
    timeout: { type: "string" },
    retries: { type: "string" },
  });
  const auth = v.auth ?? (v.impersonate !== undefined ? "impersonate" : "adc");
  const options: PreflightOptions = {
    help: v.help,
    stack: v.stack === undefined ? undefined : checkStackName(v.stack),
    outputs: v.outputs,
    auth: auth as PreflightOptions["auth"],
    impersonate: v.impersonate,
    project: v.project === undefined ? undefined : checkProject(v.project),
    timeoutSeconds: 30,
    retries: 4,
    json: v.json,
  };
  if (options.help) return options;
  if (options.stack === undefined) throw usage("Which stack?", "Pass --stack NAME.");
  if (auth !== "adc" && auth !== "impersonate")
    throw usage(`--auth ${JSON.stringify(auth)} is not one of adc, impersonate.`, USAGE_FIX);
  if (auth === "impersonate" && v.impersonate === undefined)
    throw usage(
      "--auth impersonate needs the account: --impersonate EMAIL.",
      "Pass --impersonate EMAIL (the deployer, for example).",
    );
  if (auth === "adc" && v.impersonate !== undefined)
    throw usage(
      "--auth adc and --impersonate name two identities; a run checks as one.",
      "Drop --impersonate, or use --auth impersonate.",
    );
  if (v.timeout !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(v.timeout) || Number(v.timeout) <= 0)
      throw usage(
        `--timeout ${JSON.stringify(v.timeout)} is not a number of seconds above 0.`,
        USAGE_FIX,
      );
    options.timeoutSeconds = Number(v.timeout);
  }
  if (v.retries !== undefined) {
    if (!/^\d+$/.test(v.retries) || Number(v.retries) > 10)
      throw usage(
        `--retries ${JSON.stringify(v.retries)} is not a whole number from 0 to 10.`,
        USAGE_FIX,
      );
    options.retries = Number(v.retries);
  }
  return options;
}
