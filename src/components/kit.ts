import * as pulumi from "@pulumi/pulumi";
import type { KitConfig } from "../config";
import { oauthSteps, type ManualStep } from "../oauth/consent";
import { GeminiApiKey } from "./api-key";
import { ProjectApis } from "./apis";
import { RotatingKey } from "./rotating-key";
import { ServiceAccount } from "./service-account";
import { StoredSecret } from "./stored-secret";

/** What the stack exports for one account. */
export interface AccountOutputs {
  email: pulumi.Output<string>;
  /** The key's secret resource name, for accounts with keys. */
  keySecret?: pulumi.Output<string>;
}

/** Arguments of GeminiAccessKit: the validated config, nothing else. */
export interface GeminiAccessKitArgs {
  /** The stack's checked config (see config/parse.ts). */
  config: KitConfig;
}

/** A project made ready for the Gemini API: APIs, accounts, keys and clients in the secret store. */
export class GeminiAccessKit extends pulumi.ComponentResource {
  /** Every enabled API; resolves once all are enabled. */
  readonly enabledApis: pulumi.Output<string[]>;
  /** Accounts by their stable key. */
  readonly accounts: Record<string, AccountOutputs> = {};
  /** The OAuth client's secret resource name, once the client file has been handed over. */
  readonly oauthClientSecret?: pulumi.Output<string>;
  /** The API key's resource name and its secret's resource name. */
  readonly apiKey?: { keyName: pulumi.Output<string>; secret: pulumi.Output<string> };
  /** Console steps still to be done by a person. */
  readonly manualSteps: ManualStep[];

  constructor(name: string, args: GeminiAccessKitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:GeminiAccessKit", name, {}, opts);
    const c = args.config;
    const apis = new ProjectApis(`${name}-apis`, { project: c.project, services: c.apis }, { parent: this });
    const secretManagerApi = apis.api("secretmanager.googleapis.com");
    const resourceManager = c.apis.includes("cloudresourcemanager.googleapis.com")
      ? apis.api("cloudresourcemanager.googleapis.com")
      : undefined;
    const secretArgs = (purpose: string, extra: Record<string, string> = {}) => ({
      project: c.project,
      labels: { ...c.labels, purpose, ...extra },
      locations: c.secretLocations,
      secretManagerApi,
    });

    for (const a of c.accounts) {
      const account = new ServiceAccount(
        `${name}-${a.key}`,
        { project: c.project, accountId: a.accountId, displayName: a.displayName, description: a.description, roles: a.roles, impersonators: a.impersonators, iamApi: apis.api("iam.googleapis.com"), resourceManagerApi: resourceManager },
        { parent: this },
      );
      this.accounts[a.key] = { email: account.email };
      if (a.createKey && c.keyRotation !== undefined) {
        const key = new RotatingKey(
          `${name}-${a.key}-key`,
          { ...secretArgs("service-account-key", { account: a.key }), accountName: account.accountName, slots: c.keyRotation.slots, secretId: a.keySecretId, readers: a.keyReaders },
          { parent: this },
        );
        this.accounts[a.key] = { email: account.email, keySecret: key.secretName };
      }
    }

    if (c.oauth?.client !== undefined) {
      const store = new StoredSecret(
        `${name}-oauth-client`,
        { ...secretArgs("oauth-client"), secretId: c.oauth.secretId, readers: c.oauth.clientReaders, versions: { current: c.oauth.client.json } },
        { parent: this },
      );
      this.oauthClientSecret = store.secretName;
    }

    if (c.apiKey !== undefined) {
      const key = new GeminiApiKey(
        `${name}-api-key`,
        {
          ...secretArgs("api-key", { account: c.apiKey.accountKey }),
          keyId: c.apiKey.keyId,
          displayName: c.apiKey.displayName,
          accountEmail: this.accounts[c.apiKey.accountKey]!.email,
          secretId: c.apiKey.secretId,
          readers: c.apiKey.readers,
          apiKeysApi: apis.api("apikeys.googleapis.com"),
        },
        { parent: this },
      );
      this.apiKey = { keyName: key.keyName, secret: key.secretName };
    }

    this.enabledApis = apis.enabled;
    this.manualSteps =
      c.oauth === undefined
        ? []
        : oauthSteps({ project: c.project, stack: c.stack, consent: c.oauth.consent, clientId: c.oauth.client?.clientId });
    this.registerOutputs({ enabledApis: this.enabledApis });
  }
}
