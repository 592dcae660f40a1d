import * as pulumi from "@pulumi/pulumi";
import type { AccountConfig, KitConfig } from "../config/index.ts";
import type { ServiceAccount } from "./service-account.ts";
import { oauthSteps, type ManualStep } from "../oauth/consent.ts";
import { buildFoundation } from "./foundation.ts";
import { KeySecret } from "./key-secret.ts";
import { StoredSecret, type SecretSettings } from "./stored-secret.ts";

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

/** The settings every secret of one stack shares, given what it holds; each secret adds its id and readers. */
type SecretBase = (
  purpose: string,
  extra?: Record<string, string>,
) => Omit<SecretSettings, "secretId" | "readers">;

/**
 * A project made ready for the Gemini API: its foundation (APIs, accounts, roles) when the stack
 * applies its own, and its workload plane: the secrets that hold keys and the OAuth client, and their
 * readers. Keys themselves are the rotator's (npm run rotate), so none is in this stack's state.
 * With `foundation: ci` the CI stack has applied the foundation, and the accounts are known here by
 * their e-mails alone.
 */
export class GeminiAccessKit extends pulumi.ComponentResource {
  /** Every API the environment needs; resolves once all are enabled when this stack enables them. */
  readonly enabledApis: pulumi.Output<string[]>;
  /** Accounts by their stable key. */
  readonly accounts: Record<string, AccountOutputs> = {};
  /** The OAuth client's secret resource name, once the client file has been handed over. */
  readonly oauthClientSecret?: pulumi.Output<string>;
  /** The API key's secret's resource name (the rotator makes the key). */
  readonly apiKey?: { secret: pulumi.Output<string> };
  /** Console steps still to be done by a person. */
  readonly manualSteps: ManualStep[];

  constructor(name: string, args: GeminiAccessKitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:GeminiAccessKit", name, {}, opts);
    const c = args.config;
    const foundation = c.foundation === "stack" ? buildFoundation(this, name, c) : undefined;
    const api = (service: string) => foundation?.apis.api(service);
    const secretBase: SecretBase = (purpose, extra = {}) => ({
      project: c.project,
      labels: { ...c.labels, purpose, ...extra },
      locations: c.secretLocations,
      secretManagerApi: api("secretmanager.googleapis.com"),
    });
    for (const account of c.accounts) {
      this.accounts[account.key] = this.addAccount(
        name,
        c,
        account,
        foundation?.accounts.get(account.key),
        secretBase,
      );
    }
    if (c.oauth?.client !== undefined) {
      this.oauthClientSecret = new StoredSecret(
        `${name}-oauth-client`,
        {
          ...secretBase("oauth-client"),
          secretId: c.oauth.secretId,
          readers: c.oauth.clientReaders,
          versions: { current: c.oauth.client.json },
        },
        { parent: this },
      ).secretName;
    }
    if (c.apiKey !== undefined) {
      const secret = new KeySecret(
        `${name}-api-key`,
        {
          secret: {
            ...secretBase("api-key", { account: c.apiKey.accountKey }),
            secretId: c.apiKey.secretId,
            readers: c.apiKey.readers,
          },
        },
        { parent: this },
      );
      this.apiKey = { secret: secret.secretName };
    }
    this.enabledApis = foundation?.apis.enabled ?? pulumi.output(c.apis);
    this.manualSteps =
      c.oauth === undefined
        ? []
        : oauthSteps({
            project: c.project,
            stack: c.stack,
            consent: c.oauth.consent,
            clientId: c.oauth.client?.clientId,
          });
    this.registerOutputs({ enabledApis: this.enabledApis });
  }

  private addAccount(
    name: string,
    c: KitConfig,
    a: AccountConfig,
    account: ServiceAccount | undefined,
    secretBase: SecretBase,
  ): AccountOutputs {
    const email = account?.email ?? pulumi.output(a.email);
    if (!a.createKey) return { email };
    const secret = new KeySecret(
      `${name}-${a.key}-key`,
      {
        secret: {
          ...secretBase("service-account-key", { account: a.key }),
          secretId: a.keySecretId,
          readers: a.keyReaders,
        },
      },
      { parent: this },
    );
    return { email, keySecret: secret.secretName };
  }
}
