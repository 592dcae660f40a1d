/**
 * The stack's outputs: names, e-mails, resource names and instructions, never a secret value.
 * `npm run verify -- --stack NAME` reads exactly these.
 */

import type * as pulumi from "@pulumi/pulumi";
import type { CiConfig, KitConfig } from "./config/index.ts";
import type { CiPlatform } from "./components/ci-platform.ts";
import type { EnvironmentOutputs, GovernedEnvironment } from "./components/governed-environment.ts";
import type { GeminiAccessKit } from "./components/kit.ts";
import type { ManualStep } from "./oauth/consent.ts";

/**
 * One key the rotator keeps (npm run rotate): which account it acts as and the secret it goes in,
 * by resource name (`projects/P/secrets/ID`), never its value.
 */
export type RotatedKey =
  | { kind: "service-account-key"; account: string; secret: pulumi.Output<string> }
  | { kind: "api-key"; account: string; secret: pulumi.Output<string>; project: string; keyIdPrefix: string };

/** What the rotator reads: the longest a key may live before the next is made, and every key of the stack. */
export interface RotationOutput {
  periodDays: number;
  keys: RotatedKey[];
}

export interface StackOutputs {
  project: string;
  environment: string;
  enabledApis: pulumi.Output<string[]>;
  serviceAccounts: Record<string, { email: pulumi.Output<string>; keySecret?: pulumi.Output<string> }>;
  keyRotation?: { periodDays: number; period: number; nextRotation: string };
  oauthClient: { status: "stored" | "pending" | "not-configured"; clientId?: string; secret?: pulumi.Output<string> };
  apiKey?: { secret: pulumi.Output<string>; boundTo: string };
  rotation: RotationOutput;
  manualSteps: ManualStep[];
  verifyCommand: string;
}

export function stackOutputs(config: KitConfig, kit: GeminiAccessKit): StackOutputs {
  const client = config.oauth?.client;
  return {
    project: config.project,
    environment: config.environment,
    enabledApis: kit.enabledApis,
    serviceAccounts: kit.accounts,
    keyRotation: config.keyRotation && {
      periodDays: config.keyRotation.periodDays,
      period: config.keyRotation.period,
      nextRotation: config.keyRotation.nextRotation,
    },
    oauthClient:
      config.oauth === undefined
        ? { status: "not-configured" }
        : client === undefined
          ? { status: "pending" }
          : { status: "stored", clientId: client.clientId, secret: kit.oauthClientSecret },
    apiKey: kit.apiKey && config.apiKey && { ...kit.apiKey, boundTo: config.apiKey.accountEmail },
    rotation: rotationOutput(config, kit),
    manualSteps: kit.manualSteps,
    verifyCommand: `npm run verify -- --stack ${config.stack}`,
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

export function ciOutputs(config: CiConfig, platform: CiPlatform, environments: GovernedEnvironment[]): CiStackOutputs {
  return {
    project: config.project,
    ci: {
      repository: config.repository,
      workloadIdentityProvider: platform.providerName,
      environments: Object.fromEntries(config.environments.map((e, i) => [e.name, environments[i]!.outputs])),
    },
  };
}

/** The rotator's list: each account with createKey, then the API key, in the stack file's order. */
export function rotationOutput(config: KitConfig, kit: GeminiAccessKit): RotationOutput {
  const keys: RotatedKey[] = config.accounts.flatMap((a): RotatedKey[] => {
    const secret = kit.accounts[a.key]?.keySecret;
    return a.createKey && secret !== undefined ? [{ kind: "service-account-key", account: a.email, secret }] : [];
  });
  if (config.apiKey !== undefined && kit.apiKey !== undefined) {
    keys.push({ kind: "api-key", account: config.apiKey.accountEmail, secret: kit.apiKey.secret, project: config.project, keyIdPrefix: config.apiKey.keyId });
  }
  return { periodDays: config.rotationDays, keys };
}
