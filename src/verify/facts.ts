/**
 * What the verify command knows about a stack: its outputs, read with `pulumi stack output --json`
 * (`--stack`) or from a saved copy of that JSON (`--outputs`, for CI jobs without the Pulumi CLI).
 */

import { badInput } from "../cli/failure.ts";
import { jsonInput } from "../cli/input-file.ts";
import { stackOutputJson, type Runner } from "../cli/stack-outputs.ts";
import { chooseAccount, type AccountSummary } from "../default-account.ts";
import { record } from "../json.ts";

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
  apiKey?: { secret: string; keyName?: string; boundTo?: string };
}

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
        "Save the outputs of a gemini-access-kit stack with `pulumi stack output --json > FILE`.",
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
  const apiKey = record(outputs.apiKey);
  const apiKeySecret = text(apiKey?.secret);
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
    apiKey:
      apiKeySecret === undefined
        ? undefined
        : { secret: apiKeySecret, keyName: text(apiKey?.keyName), boundTo: text(apiKey?.boundTo) },
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
