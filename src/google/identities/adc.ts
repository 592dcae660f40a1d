/**
 * Application Default Credentials, found the way google-auth-library finds them:
 * GOOGLE_APPLICATION_CREDENTIALS (a key, an authorized_user file, a Workload Identity Federation
 * file), then gcloud's application_default_credentials.json, then the metadata server.
 * Also the caller's own identity for reading secrets and for impersonation.
 */

import {
  BaseExternalAccountClient,
  Compute,
  ExternalAccountAuthorizedUserClient,
  GoogleAuth,
  JWT,
  UserRefreshClient,
  type AuthClient,
} from "google-auth-library";
import { homedir } from "node:os";
import { join } from "node:path";
import { badInput, Failure } from "../../cli/failure.ts";
import { record } from "../../json.ts";
import { accessSecret, type SecretSource } from "../apis/secret-manager.ts";
import type { AuthKind } from "../errors/context.ts";
import { tokenCaller, transport, type Caller, type Identity, type IdentityDeps } from "./caller.ts";

export interface AdcOptions {
  /** `--project`: the quota project for user credentials, ahead of the file's own. */
  project?: string;
}

/**
 * How to get ADC: a Gemini call with the user's own token needs the Gemini scope, which gcloud's
 * own client cannot ask for (the stack's Desktop client can); management calls (preflight, rotate,
 * impersonation) need only cloud-platform, which a plain login gives.
 */
function noAdcFix(scopes: readonly string[] | undefined): string {
  return (scopes ?? []).some((s) => s.includes("generative-language"))
    ? "Log in with `gcloud auth application-default login --client-id-file=client_secret.json --scopes=https://www.googleapis.com/auth/cloud-platform,https://www.googleapis.com/auth/generative-language.retriever` (the stack's Desktop client file), or set GOOGLE_APPLICATION_CREDENTIALS to a credential file."
    : "Log in with `gcloud auth application-default login` (no client file needed for these calls), or set GOOGLE_APPLICATION_CREDENTIALS to a credential file.";
}

/** Fields of credential files whose values are secret (keys, client secrets, refresh tokens). */
const SECRET_FIELDS = new Set([
  "private_key",
  "private_key_id",
  "client_secret",
  "refresh_token",
  "access_token",
  "token",
]);

function rememberSecrets(value: unknown, deps: IdentityDeps): void {
  const fields = record(value);
  if (fields === undefined) return;
  for (const [name, v] of Object.entries(fields)) {
    if (typeof v === "string" && SECRET_FIELDS.has(name)) deps.redactor.add(v);
    else rememberSecrets(v, deps);
  }
}

/** The file ADC will read, if any: GOOGLE_APPLICATION_CREDENTIALS, else gcloud's, when it exists. */
async function adcFile(deps: IdentityDeps): Promise<{ path: string; text: string } | undefined> {
  const named = deps.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (named) {
    try {
      return { path: named, text: await deps.readFile(named) };
    } catch (err) {
      if (err instanceof Failure)
        throw badInput(
          `GOOGLE_APPLICATION_CREDENTIALS: ${err.message}`,
          "Point it at a credential file, or unset it.",
        );
      throw err;
    }
  }
  const config = deps.env.CLOUDSDK_CONFIG || join(deps.env.HOME || homedir(), ".config", "gcloud");
  const path = join(config, "application_default_credentials.json");
  try {
    return { path, text: await deps.readFile(path) };
  } catch {
    return undefined;
  }
}

/**
 * Reads the credential file before google-auth-library does, so that a malformed one is reported
 * without quoting it (a JSON parser's message quotes the text around the fault, which may be a
 * secret), and so that the redactor knows every secret value in it.
 */
async function checkAdcFile(deps: IdentityDeps): Promise<void> {
  const file = await adcFile(deps);
  if (file === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.text);
  } catch {
    throw badInput(
      `The Application Default Credentials file ${file.path} is not valid JSON.`,
      ADC_FILE_FIX,
    );
  }
  if (record(parsed) === undefined)
    throw badInput(
      `The Application Default Credentials file ${file.path} is not a JSON object.`,
      ADC_FILE_FIX,
    );
  rememberSecrets(parsed, deps);
}

const ADC_FILE_FIX =
  "Point GOOGLE_APPLICATION_CREDENTIALS at a credential file Google issued (service account key, authorized_user or external_account), or log in again.";

async function findClient(deps: IdentityDeps, project: string | undefined): Promise<AuthClient> {
  await checkAdcFile(deps);
  const auth = new GoogleAuth({
    scopes: deps.scopes,
    // A known project spares the library a lookup (a Workload Identity Federation client asks
    // Cloud Resource Manager for it, an endpoint this command otherwise never calls).
    projectId: project,
    clientOptions: {
      transporterOptions: transport(deps),
      endpoints: { oauth2TokenUrl: deps.endpoints.oauth2Token },
    },
  });
  try {
    return await auth.getClient();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith("Could not load the default credentials")) {
      throw new Failure(
        "NO_CREDENTIALS",
        "No Application Default Credentials were found (no GOOGLE_APPLICATION_CREDENTIALS, no gcloud login, no metadata server).",
        noAdcFix(deps.scopes),
      );
    }
    const file = deps.env.GOOGLE_APPLICATION_CREDENTIALS;
    // The message is printed through the run's redactor, which now knows the file's secret values.
    const said =
      err instanceof SyntaxError ? "it is not valid JSON" : message.split("\n")[0]!.slice(0, 200);
    throw badInput(
      `The Application Default Credentials${file ? ` file ${file}` : ""} cannot be used: ${said}`,
      ADC_FILE_FIX,
    );
  }
}

function describe(
  client: AuthClient,
  deps: IdentityDeps,
): { principal: string; user: boolean; source: string } {
  const file = deps.env.GOOGLE_APPLICATION_CREDENTIALS;
  const from = file
    ? `GOOGLE_APPLICATION_CREDENTIALS (${file})`
    : client instanceof Compute
      ? "the metadata server"
      : "gcloud's application default credentials";
  if (client instanceof JWT)
    return {
      principal: client.email ?? "service account",
      user: false,
      source: `${from}, a service-account key`,
    };
  if (client instanceof UserRefreshClient)
    return { principal: "user", user: true, source: `${from}, a user login` };
  if (client instanceof ExternalAccountAuthorizedUserClient)
    return { principal: "federated user", user: true, source: `${from}, a workforce login` };
  if (client instanceof BaseExternalAccountClient) {
    return {
      principal: client.getServiceAccountEmail() ?? "federated workload",
      user: false,
      source: `${from}, Workload Identity Federation`,
    };
  }
  if (client instanceof Compute)
    return { principal: "the attached service account", user: false, source: from };
  return { principal: "service account", user: false, source: from };
}

/** The caller's ADC, as a Caller; `kind` names it in reports ("adc", or the identity it serves). */
export async function adcCaller(deps: IdentityDeps, options: AdcOptions = {}): Promise<Caller> {
  const client = await findClient(deps, options.project ?? deps.project);
  const { principal, user, source } = describe(client, deps);
  const quotaProject = user
    ? (options.project ?? client.quotaProjectId ?? deps.project)
    : undefined;
  const identity: Identity = {
    kind: "adc",
    principal,
    source,
    project: options.project ?? quotaProject ?? deps.project,
  };
  return tokenCaller(
    client,
    identity,
    deps,
    { identity: "adc", what: "Get a token from Application Default Credentials", user },
    quotaProject,
  );
}

/**
 * The latest value of a secret a stack keeps for its consumers (a key, the OAuth client, an API
 * key), read with the caller's ADC; `identity` is the one the value is for, named in a refusal.
 */
export async function readWithAdc(
  deps: IdentityDeps,
  secret: SecretSource,
  identity: AuthKind,
): Promise<string> {
  const reader = await adcCaller(deps);
  return accessSecret(deps.http, deps.endpoints.secretManager, () => reader.headers(), secret, {
    identity,
    principal: reader.identity.principal,
    stack: deps.stack,
  });
}
