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
import { badInput, Failure } from "../errors.ts";
import { tokenCaller, transport, type Caller, type Identity, type IdentityDeps } from "./caller.ts";

export interface AdcOptions {
  /** `--project`: the quota project for user credentials, ahead of the file's own. */
  project?: string;
}

const NO_ADC_FIX =
  "Log in with `gcloud auth application-default login --client-id-file=client_secret.json --scopes=https://www.googleapis.com/auth/cloud-platform,https://www.googleapis.com/auth/generative-language.retriever`, or set GOOGLE_APPLICATION_CREDENTIALS to a credential file.";

async function findClient(deps: IdentityDeps, project: string | undefined): Promise<AuthClient> {
  const auth = new GoogleAuth({
    scopes: deps.scopes,
    // A known project spares the library a lookup (a Workload Identity Federation client asks
    // Cloud Resource Manager for it, an endpoint this command otherwise never calls).
    projectId: project,
    clientOptions: { transporterOptions: transport(deps), endpoints: { oauth2TokenUrl: deps.endpoints.oauth2Token } },
  });
  try {
    return await auth.getClient();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith("Could not load the default credentials")) {
      throw new Failure("NO_CREDENTIALS", "No Application Default Credentials were found (no GOOGLE_APPLICATION_CREDENTIALS, no gcloud login, no metadata server).", NO_ADC_FIX);
    }
    const file = deps.env.GOOGLE_APPLICATION_CREDENTIALS;
    throw badInput(
      `The Application Default Credentials${file ? ` file ${file}` : ""} cannot be used: ${message.split("\n")[0]!.slice(0, 200)}`,
      "Point GOOGLE_APPLICATION_CREDENTIALS at a credential file Google issued (service account key, authorized_user or external_account), or log in again.",
    );
  }
}

function describe(client: AuthClient, deps: IdentityDeps): { principal: string; user: boolean; source: string } {
  const file = deps.env.GOOGLE_APPLICATION_CREDENTIALS;
  const from = file ? `GOOGLE_APPLICATION_CREDENTIALS (${file})` : client instanceof Compute ? "the metadata server" : "gcloud's application default credentials";
  if (client instanceof JWT) return { principal: client.email ?? "service account", user: false, source: `${from}, a service-account key` };
  if (client instanceof UserRefreshClient) return { principal: "user", user: true, source: `${from}, a user login` };
  if (client instanceof ExternalAccountAuthorizedUserClient) return { principal: "federated user", user: true, source: `${from}, a workforce login` };
  if (client instanceof BaseExternalAccountClient) {
    return { principal: client.getServiceAccountEmail() ?? "federated workload", user: false, source: `${from}, Workload Identity Federation` };
  }
  if (client instanceof Compute) return { principal: "the attached service account", user: false, source: from };
  return { principal: "service account", user: false, source: from };
}

/** The caller's ADC, as a Caller; `kind` names it in reports ("adc", or the identity it serves). */
export async function adcCaller(deps: IdentityDeps, options: AdcOptions = {}): Promise<Caller> {
  const client = await findClient(deps, options.project ?? deps.facts?.project);
  const { principal, user, source } = describe(client, deps);
  const quotaProject = user ? (options.project ?? client.quotaProjectId ?? deps.facts?.project) : undefined;
  const identity: Identity = { kind: "adc", principal, source, project: options.project ?? quotaProject ?? deps.facts?.project };
  return tokenCaller(client, identity, deps, { identity: "adc", what: "Get a token from Application Default Credentials", user }, quotaProject);
}
