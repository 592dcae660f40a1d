/**
 * The stack's outputs: names, e-mails, resource names and instructions, never a secret value.
 * `npm run verify -- --stack NAME` reads exactly these.
 */

import type * as pulumi from "@pulumi/pulumi";
import type { KitConfig } from "./config/index.ts";
import type { GeminiAccessKit } from "./components/kit.ts";
import type { ManualStep } from "./oauth/consent.ts";

export interface StackOutputs {
  project: string;
  environment: string;
  enabledApis: pulumi.Output<string[]>;
  serviceAccounts: Record<string, { email: pulumi.Output<string>; keySecret?: pulumi.Output<string> }>;
  keyRotation?: { periodDays: number; period: number; nextRotation: string };
  oauthClient: { status: "stored" | "pending" | "not-configured"; clientId?: string; secret?: pulumi.Output<string> };
  apiKey?: { keyName: pulumi.Output<string>; secret: pulumi.Output<string>; boundTo: string };
  manualSteps: ManualStep[];
  /** What the CI workflow's variables hold: see the README's CI set-up. */
  ciIdentity?: { workloadIdentityProvider: pulumi.Output<string>; deployer: pulumi.Output<string>; previewer: pulumi.Output<string>; repository: string };
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
    manualSteps: kit.manualSteps,
    ciIdentity: kit.ciIdentity && config.ciIdentity && { ...kit.ciIdentity, repository: config.ciIdentity.repository },
    verifyCommand: `npm run verify -- --stack ${config.stack}`,
  };
}
