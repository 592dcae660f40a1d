/**
 * The stack's outputs: names, e-mails, resource names and instructions, never a secret value.
 * `npm run verify -- --stack NAME` reads exactly these.
 */

import type * as pulumi from "@pulumi/pulumi";
import type { CiConfig, KitConfig, Target, VertexConfig } from "./config/index.ts";
import type { CiPlatform } from "./components/ci-platform.ts";
import type { EnvironmentOutputs, GovernedEnvironment } from "./components/governed-environment.ts";
import type { GeminiAccessKit } from "./components/kit.ts";
import { apiKeys } from "./config/api-key.ts";
import { expectedModels, VERTEX_API } from "./config/vertex.ts";
import { probeAccount } from "./default-account.ts";
import type { ManualStep } from "./oauth/consent.ts";
import type { RotationKey } from "./rotation.ts";

/**
 * Each key the rotator keeps (src/rotation.ts RotationKey). Every field follows from the stack's
 * config, so the offline plan (npm run plan -- --outputs) gives the rotator the same list as the
 * stack's outputs without access to its state.
 */
/** What the rotator reads: the longest a key may live before the next is made, and every key of the stack. */
interface RotationOutput {
  periodDays: number;
  /** unmanagedKeyGraceHours: how long a key the rotator did not make may live before it deletes it. */
  unmanagedKeyGraceHours: number;
  keys: RotationKey[];
}

export interface StackOutputs {
  project: string;
  environment: string;
  /** What the stack makes ready; verify reads it to choose what to call (docs/verify.md). */
  target: Target;
  /**
   * For a Vertex target: where its consumers call Vertex and the models they expect (verify's
   * defaults), and vertex.apiKey's secret and the account its key is bound to.
   */
  vertex?: Omit<VertexConfig, "apiKey"> & {
    apiKey?: { secret: pulumi.Output<string>; boundTo: string };
  };
  enabledApis: pulumi.Output<string[]>;
  serviceAccounts: Record<
    string,
    { email: pulumi.Output<string>; keySecret?: pulumi.Output<string> }
  >;
  oauthClient: {
    status: "stored" | "pending" | "not-configured";
    clientId?: string;
    secret?: pulumi.Output<string>;
  };
  apiKey?: { secret: pulumi.Output<string>; boundTo: string };
  rotation: RotationOutput;
  manualSteps: ManualStep[];
  verifyCommand: string;
  /**
   * For an environment the CI stack governs: the account CI's verify gate acts as after each up
   * (the CI stack makes it, with the default account's roles and no consumer).
   */
  verifyGate?: { account: string };
}

export function stackOutputs(config: KitConfig, kit: GeminiAccessKit): StackOutputs {
  const client = config.oauth?.client;
  return {
    project: config.project,
    environment: config.environment,
    target: config.target,
    vertex: config.vertex && {
      location: config.vertex.location,
      models: config.vertex.models,
      ...(kit.vertexApiKey &&
        config.vertex.apiKey && {
          apiKey: { ...kit.vertexApiKey, boundTo: config.vertex.apiKey.accountEmail },
        }),
    },
    enabledApis: kit.enabledApis,
    serviceAccounts: kit.accounts,
    oauthClient:
      config.oauth === undefined
        ? { status: "not-configured" }
        : client === undefined
          ? { status: "pending" }
          : { status: "stored", clientId: client.clientId, secret: kit.oauthClientSecret },
    apiKey: kit.apiKey && config.apiKey && { ...kit.apiKey, boundTo: config.apiKey.accountEmail },
    rotation: rotationOutput(config),
    manualSteps: kit.manualSteps,
    verifyCommand: `npm run verify -- --stack ${config.stack}`,
    verifyGate: ((p) => p && { account: p.email })(probeAccount(config)),
  };
}

/** The CI stack's outputs: what the workflow's variables and each environment stack's set-up need. */
export interface CiStackOutputs {
  project: string;
  ci: {
    repository: string;
    /** What the workflow's auth step names (`workload_identity_provider`). */
    workloadIdentityProvider: pulumi.Output<string>;
    environments: Record<string, EnvironmentOutputs>;
  };
}

export function ciOutputs(
  config: CiConfig,
  platform: CiPlatform,
  environments: GovernedEnvironment[],
): CiStackOutputs {
  return {
    project: config.project,
    ci: {
      repository: config.repository,
      workloadIdentityProvider: platform.providerName,
      environments: Object.fromEntries(
        config.environments.map((e, i) => [e.name, environments[i]!.outputs]),
      ),
    },
  };
}

/** The rotator's list: each account with createKey (in the order of their keys), then the API keys. */
function rotationOutput(config: KitConfig): RotationOutput {
  const secret = (id: string) => `projects/${config.project}/secrets/${id}`;
  const keys: RotationKey[] = config.accounts
    .filter((a) => a.createKey)
    .map((a): RotationKey => ({
      kind: "service-account-key",
      account: a.email,
      secret: secret(a.keySecretId),
    }));
  for (const k of apiKeys(config)) {
    keys.push({
      kind: "api-key",
      account: k.accountEmail,
      secret: secret(k.secretId),
      project: config.project,
      keyIdPrefix: k.keyId,
      displayName: k.displayName,
      service: k.service,
      ...(k.service === VERTEX_API && config.vertex && { model: expectedModels(config.vertex)[0] }),
    });
  }
  return {
    periodDays: config.rotationDays,
    unmanagedKeyGraceHours: config.unmanagedKeyGraceHours,
    keys,
  };
}
