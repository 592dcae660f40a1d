/**
 * What the verify command knows about a stack: its outputs, read with `pulumi stack output --json`
 * (`--stack`) or from a saved copy of that JSON (`--outputs`, for CI jobs without the Pulumi CLI).
 */

import { badInput } from "../cli/failure.ts";
import { jsonInput } from "../cli/input-file.ts";
import { stackOutputJson, type Runner } from "../cli/stack-outputs.ts";
import { chooseAccount, type AccountSummary } from "../default-account.ts";
import { VERTEX_MODEL } from "../google/apis/aiplatform.ts";
import { VERTEX_LOCATION } from "../google/transport/endpoints.ts";
import { record } from "../json.ts";
import type { Target } from "./options.ts";

export interface AccountFacts {
  email: string;
  /** The Secret Manager secret holding the account's key, when the stack issues keys. */
  keySecret?: string;
}

export interface StackFacts {
  /** Where the facts came from, for messages: "stack dev" or "outputs.json". */
  source: string;
  stack?: string;
  project: string;
  serviceAccounts: Record<string, AccountFacts>;
  oauthClient?: { status: string; clientId?: string; secret?: string };
  apiKey?: ApiKeyFacts;
  /** What the stack makes ready: the outputs' `target`, when the stack exports one. */
  target?: Target;
  /** The outputs' `vertex`: where its consumers call Vertex, which models, and its express-mode key. */
  vertex?: { location?: string; models?: string[]; apiKey?: ApiKeyFacts };
}

/** An API key the stack keeps in a secret, with the key's resource name and the account it is bound to. */
interface ApiKeyFacts {
  secret: string;
  keyName?: string;
  boundTo?: string;
}

const WRONG_FILE =
  "Save the outputs of a gemini-access-kit stack with `pulumi stack output --json > FILE`.";

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value !== "[secret]" ? value : undefined;
}

/** Checks the outputs JSON and keeps what verify uses; a wrong file is one clear line. */
export function parseOutputs(json: string, source: string, stack?: string): StackFacts {
  const parsed = jsonInput(
    json,
    source,
    "Save the outputs with `pulumi stack output --json > FILE`.",
  );
  const outputs = record(parsed);
  const project = text(outputs?.project);
  if (outputs === undefined || project === undefined) {
    throw badInput(
      `${source} has no "project" output, so it is not this kit's stack outputs.`,
      "Save the outputs of a gemini-access-kit stack with `pulumi stack output --json > FILE`.",
    );
  }
  // Present but of the wrong shape is a wrong file, never "no accounts" (which would pick another identity).
  for (const name of ["serviceAccounts", "oauthClient", "apiKey"] as const) {
    if (
      outputs[name] !== undefined &&
      outputs[name] !== null &&
      record(outputs[name]) === undefined
    )
      throw badInput(
        `${source}: "${name}" is not an object, so it is not what the kit exports.`,
        WRONG_FILE,
      );
  }
  const serviceAccounts: Record<string, AccountFacts> = {};
  for (const [key, value] of Object.entries(record(outputs.serviceAccounts) ?? {})) {
    const email = text(record(value)?.email);
    if (email === undefined)
      throw badInput(
        `${source}: serviceAccounts.${key} has no "email".`,
        "Save the outputs again after pulumi up.",
      );
    serviceAccounts[key] = { email, keySecret: text(record(value)?.keySecret) };
  }
  const client = record(outputs.oauthClient);
  return {
    source,
    stack,
    project,
    serviceAccounts,
    oauthClient: client && {
      status: text(client.status) ?? "unknown",
      clientId: text(client.clientId),
      secret: text(client.secret),
    },
    apiKey: apiKeyFacts(outputs.apiKey),
    target: targetFact(outputs.target, source),
    vertex: vertexFacts(outputs.vertex, source),
  };
}

function apiKeyFacts(value: unknown): ApiKeyFacts | undefined {
  const key = record(value);
  const secret = text(key?.secret);
  return secret === undefined
    ? undefined
    : { secret, keyName: text(key?.keyName), boundTo: text(key?.boundTo) };
}

function targetFact(value: unknown, source: string): Target | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "gemini-api" || value === "vertex" || value === "both") return value;
  throw badInput(
    `${source}: "target" is ${JSON.stringify(value)}, not gemini-api, vertex or both.`,
    WRONG_FILE,
  );
}

/**
 * The outputs' `vertex`: `location` (default global, applied by the run), `models` (Vertex model
 * ids) and `apiKey` (shaped like the top-level apiKey). A location or model in another form is a
 * wrong file, never a host name or path built from it.
 */
function vertexFacts(value: unknown, source: string): StackFacts["vertex"] {
  if (value === undefined || value === null) return undefined;
  const vertex = record(value);
  const location: unknown = vertex?.location ?? undefined;
  const listed: unknown = vertex?.models ?? [];
  // The program may write a model as Vertex's resource name; verify calls it by its id.
  const models = Array.isArray(listed)
    ? listed.map((m: unknown) =>
        typeof m === "string" ? m.replace(/^publishers\/google\/models\//, "") : m,
      )
    : undefined;
  if (
    vertex === undefined ||
    (location !== undefined && (typeof location !== "string" || !VERTEX_LOCATION.test(location))) ||
    models === undefined ||
    !models.every((m): m is string => typeof m === "string" && VERTEX_MODEL.test(m))
  )
    throw badInput(
      `${source}: "vertex" is not { location: a Vertex location, models: [model ids] }, so it is not what the kit exports.`,
      WRONG_FILE,
    );
  return {
    location,
    models: models.length > 0 ? models : undefined,
    apiKey: apiKeyFacts(vertex.apiKey),
  };
}

/** The stack's outputs through the Pulumi CLI. */
export async function readStackOutputs(stack: string, run: Runner): Promise<StackFacts> {
  return parseOutputs(await stackOutputJson(stack, run), `stack ${stack}`, stack);
}

/** The stack's accounts as the default-account rule sees them. */
export function accountSummaries(facts: StackFacts): AccountSummary[] {
  return Object.entries(facts.serviceAccounts).map(([key, a]) => ({
    key,
    keyed: a.keySecret !== undefined,
  }));
}

/** The account an identity acts as (see default-account.ts); a choice that cannot be made is one clear line. */
export function pickAccount(
  facts: StackFacts,
  key: string | undefined,
  need?: "keySecret",
): [string, AccountFacts] {
  const choice = chooseAccount(accountSummaries(facts), key, need === "keySecret");
  if (choice.ok) return [choice.key, facts.serviceAccounts[choice.key]!];
  const names = choice.candidates.join(", ") || "none";
  const withKey = need ? " with a key" : "";
  switch (choice.problem) {
    case "unknown":
      throw badInput(
        `--account ${key}: ${facts.source} has no such account${withKey} (${need ? "accounts with keys" : "accounts"}: ${names}).`,
        "Pass one of the listed account keys.",
      );
    case "none":
      throw badInput(
        `${facts.source} has no service account${withKey}.`,
        need
          ? "Use --auth impersonate (keyless), or set createKey: true for an account and run pulumi up."
          : "Add a service account to the stack and run pulumi up.",
      );
    case "ambiguous":
      throw badInput(
        `${facts.source} has several accounts (${names}); which one?`,
        "Pass --account KEY.",
      );
  }
}
