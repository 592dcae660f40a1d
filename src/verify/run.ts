/**
 * The verify command's core: gather the stack's facts, authenticate, run the checks and return a
 * result the report prints. Collaborators (fetch, clock, files, the process runner, the browser)
 * come in as parameters.
 */

import type { VerifyOptions } from "./options.ts";
import { endpointsFromEnv, overrideNotices } from "../google/transport/endpoints.ts";
import { checkProxyVariables } from "../google/transport/proxy.ts";
import { badInput, Failure } from "../cli/failure.ts";
import type { Runner } from "../cli/stack-outputs.ts";
import { parseOutputs, readStackOutputs, type StackFacts } from "./facts.ts";
import { shareTunedModel, type GeminiTarget } from "../google/apis/gemini.ts";
import { commandHttp, type Clock } from "../google/http.ts";
import { scopesFor, type IdentityDeps } from "../google/identities/caller.ts";
import { buildCaller, chooseAuth, tokenCache } from "./identity.ts";
import type { Redactor } from "../cli/redact.ts";
import { checkTargetFlags, chooseTarget, includes, vertexChecks } from "./vertex.ts";
import { geminiChecks } from "./gemini.ts";
import type { ErrorDocument, VerifyResult } from "./result.ts";

export interface VerifyDeps {
  fetch: typeof fetch;
  clock: Clock;
  env: Record<string, string | undefined>;
  /** Reads a file the user named; a missing or unreadable file is a Failure with exit code 2. */
  readFile: (path: string) => Promise<string>;
  /** Runs the Pulumi CLI for `--stack`. */
  run: Runner;
  openBrowser?: (url: string) => Promise<boolean>;
  /** Progress for long operations, on stderr. */
  progress: (line: string) => void;
  redactor: Redactor;
}

export type { VerifyResult } from "./result.ts";

async function facts(options: VerifyOptions, deps: VerifyDeps): Promise<StackFacts | undefined> {
  if (options.stack !== undefined) {
    deps.progress(`Reading the outputs of stack ${options.stack}...`);
    return readStackOutputs(options.stack, deps.run);
  }
  if (options.outputs !== undefined)
    return parseOutputs(await deps.readFile(options.outputs), options.outputs);
  return undefined;
}

/**
 * Runs the checks. A check that fails is part of the result (exit 1, with what was learnt before it);
 * a usage or input error (exit 2) is thrown, for the command to print as one line.
 */
export async function runVerify(options: VerifyOptions, deps: VerifyDeps): Promise<VerifyResult> {
  const result: VerifyResult = { ok: false, command: options.command, exitCode: 1 };
  try {
    await run(options, deps, result);
    result.ok = result.error === undefined;
    result.exitCode = result.ok ? 0 : 1;
  } catch (err) {
    result.ok = false;
    result.error = checkFailure(err);
    result.exitCode = 1;
  }
  return result;
}

/** A check's failure as the report gives it; a usage or input error (exit 2), or a bug, is thrown on. */
function checkFailure(err: unknown): ErrorDocument {
  if (!(err instanceof Failure) || err.exitCode === 2) throw err;
  return { reason: err.reason, message: err.message, fix: err.fix };
}

async function run(options: VerifyOptions, deps: VerifyDeps, result: VerifyResult): Promise<void> {
  const endpoints = endpointsFromEnv(deps.env);
  checkProxyVariables(deps.env);
  for (const notice of overrideNotices(endpoints)) deps.progress(notice);
  const stackFacts = await facts(options, deps);
  const http = commandHttp(options, deps);
  const identityDeps: IdentityDeps = {
    http,
    endpoints,
    redactor: deps.redactor,
    env: deps.env,
    readFile: deps.readFile,
    project: stackFacts?.project,
    stack: stackFacts?.stack,
    scopes: scopesFor({
      tuned: options.tuned,
      share: options.command === "share-tuned-model",
      extra: options.scopes,
    }),
  };
  result.project = stackFacts?.project;
  if (options.command === "logout") return logout(options, identityDeps, stackFacts, result);

  const apiTarget = chooseTarget(options, stackFacts);
  checkTargetFlags(options, apiTarget);
  const kind = chooseAuth(options, stackFacts, apiTarget);
  const interactive = { openBrowser: deps.openBrowser, progress: deps.progress };
  const first = includes(apiTarget, "gemini-api") ? "gemini-api" : "vertex";
  const caller = await buildCaller(kind, options, stackFacts, identityDeps, interactive, first);
  result.identity = caller.identity;
  result.project = caller.identity.project ?? result.project;
  const target: GeminiTarget = {
    baseUrl: endpoints.gemini,
    headers: () => caller.headers(),
    context: { identity: kind, principal: caller.identity.principal, stack: stackFacts?.stack },
  };
  if (options.share !== undefined) {
    const { model, ...grant } = options.share;
    result.permission = await shareTunedModel(http, target, model, grant);
    return;
  }
  result.target = apiTarget;
  result.targets = {};
  if (includes(apiTarget, "gemini-api"))
    await outcome(result, "gemini-api", () =>
      geminiChecks(options, http, target, caller.identity.principal, result),
    );
  if (includes(apiTarget, "vertex")) {
    // The stack keeps one API key per API; every other identity serves both.
    const vertexCaller =
      kind === "api-key" && first === "gemini-api"
        ? await buildCaller(kind, options, stackFacts, identityDeps, interactive, "vertex")
        : caller;
    await outcome(result, "vertex", async () => {
      await vertexChecks(
        http,
        endpoints,
        vertexCaller,
        { options, facts: stackFacts, probe: options.probe },
        (vertex) => {
          result.vertex = vertex;
          if (vertexCaller !== caller) vertex.identity = vertexCaller.identity;
        },
      );
    });
  }
  const failed = Object.values(result.targets).find((t) => !t.ok);
  if (failed !== undefined) result.error = failed.error;
}

/** Runs one target's checks and records its verdict; a failure stops that target only. */
async function outcome(
  result: VerifyResult,
  api: "gemini-api" | "vertex",
  checks: () => Promise<void>,
): Promise<void> {
  try {
    await checks();
    result.targets![api] = { ok: true };
  } catch (err) {
    result.targets![api] = { ok: false, error: checkFailure(err) };
  }
}

async function logout(
  options: VerifyOptions,
  deps: IdentityDeps,
  stackFacts: StackFacts | undefined,
  result: VerifyResult,
): Promise<void> {
  let clientId = options.clientFile === undefined ? stackFacts?.oauthClient?.clientId : undefined;
  if (clientId === undefined) {
    if (options.clientFile === undefined) {
      throw badInput(
        "--logout needs the Desktop client: --client-file FILE, or --stack / --outputs of a stack with a stored client.",
        "Pass one of them.",
      );
    }
    const { loadClient } = await import("../google/identities/oauth.ts");
    clientId = (await loadClient(deps, { clientFile: options.clientFile })).client.clientId;
  }
  const cache = tokenCache(options, deps.env);
  const removed = await cache.remove(clientId);
  result.message = removed
    ? `Signed out: removed the saved sign-in for ${clientId} from ${cache.path}.`
    : `There was no saved sign-in for ${clientId} in ${cache.path}.`;
}
