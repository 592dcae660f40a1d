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
import {
  countTokens,
  defaultProbeModel,
  generateOneToken,
  listModels,
  listTunedModels,
  noModels,
  shareTunedModel,
  type GeminiTarget,
  type Model,
  type Permission,
  type Probe,
  type ProbeMethod,
  type TunedModel,
} from "../google/apis/gemini.ts";
import { commandHttp, type Clock, type Http } from "../google/http.ts";
import { scopesFor, type Identity, type IdentityDeps } from "../google/identities/caller.ts";
import { buildCaller, chooseAuth, tokenCache } from "./identity.ts";
import type { Redactor } from "../cli/redact.ts";

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

export interface VerifyResult {
  ok: boolean;
  command: VerifyOptions["command"];
  identity?: Identity;
  project?: string;
  models?: Model[];
  tunedModels?: TunedModel[];
  expectedModels?: { name: string; found: boolean }[];
  /** With --probe or --probe-generate: the model called, how, and the tokens it answered with. */
  probe?: Probe;
  permission?: Permission;
  message?: string;
  error?: { reason: string; message: string; fix: string };
  exitCode: 0 | 1;
}

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
    if (!(err instanceof Failure) || err.exitCode === 2) throw err;
    result.ok = false;
    result.error = { reason: err.reason, message: err.message, fix: err.fix };
    result.exitCode = 1;
  }
  return result;
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

  const kind = chooseAuth(options, stackFacts);
  const caller = await buildCaller(kind, options, stackFacts, identityDeps, {
    openBrowser: deps.openBrowser,
    progress: deps.progress,
  });
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
  result.models = await listModels(http, target, options.pageSize);
  if (result.models.length === 0) {
    const failure = noModels(endpoints.gemini, caller.identity.principal);
    result.error = { reason: failure.reason, message: failure.message, fix: failure.fix };
    return;
  }
  if (options.tuned) result.tunedModels = await listTunedModels(http, target, options.pageSize);
  const names = new Set(result.models.map((m) => m.name));
  result.expectedModels = options.expectModels.map((name) => ({ name, found: names.has(name) }));
  const missing = result.expectedModels.filter((m) => !m.found).map((m) => m.name);
  if (missing.length > 0) {
    result.error = {
      reason: "MODEL_MISSING",
      message: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not among the ${result.models.length} models ${caller.identity.principal} can list.`,
      fix: "Check the name against the list above (names change as models are retired), and the project's region and access.",
    };
    return;
  }
  if (options.probe !== undefined)
    result.probe = await probe(
      http,
      target,
      result.models,
      options.probe,
      options.expectModels[0],
      caller.identity.principal,
    );
}

/** The probe on the model asked for, or on the default one; no model to call is a failure, never a pass. */
async function probe(
  http: Http,
  target: GeminiTarget,
  models: Model[],
  method: ProbeMethod,
  expected: string | undefined,
  principal: string,
): Promise<Probe> {
  const model = expected ?? defaultProbeModel(models, method);
  const flag = method === "countTokens" ? "--probe" : "--probe-generate";
  if (model === undefined) {
    throw new Failure(
      "NO_PROBE_MODEL",
      `None of the ${models.length} models ${principal} can list is a Gemini model that supports ${method}, so ${flag} has nothing to call.`,
      "Name the model to call with --expect-model NAME.",
    );
  }
  if (method === "countTokens") {
    http.progress(`Calling ${model} (countTokens: free, and exempt from the model's quota)...`);
    return countTokens(http, target, model);
  }
  http.progress(`Calling ${model} (generateContent of one token: billed, counts against quota)...`);
  return generateOneToken(http, target, model);
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
