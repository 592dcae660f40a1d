import * as pulumi from "@pulumi/pulumi";
import type { AccountConfig, KitConfig } from "../config/index.ts";
import { oauthSteps, type ManualStep } from "../oauth/consent.ts";
import { deployerGrants, previewerGrants } from "../ci/grants.ts";
import { impersonatedByVerify } from "../default-account.ts";
import { GeminiApiKey } from "./api-key.ts";
import { CiIdentity } from "./ci-identity.ts";
import { ProjectApis } from "./apis.ts";
import { RotatingKey } from "./rotating-key.ts";
import { ServiceAccount } from "./service-account.ts";
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
type SecretBase = (purpose: string, extra?: Record<string, string>) => Omit<SecretSettings, "secretId" | "readers">;

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
  /** What the CI workflow needs: the provider's resource name and the two accounts' e-mails. */
  readonly ciIdentity?: { workloadIdentityProvider: pulumi.Output<string>; deployer: pulumi.Output<string>; previewer: pulumi.Output<string> };
  /** `projects/<project>/serviceAccounts/<email>` by account key. */
  private readonly accountNames = new Map<string, pulumi.Output<string>>();

  constructor(name: string, args: GeminiAccessKitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:GeminiAccessKit", name, {}, opts);
    const c = args.config;
    const apis = new ProjectApis(`${name}-apis`, { project: c.project, services: c.apis }, { parent: this });
    const secretBase: SecretBase = (purpose, extra = {}) => ({
      project: c.project,
      labels: { ...c.labels, purpose, ...extra },
      locations: c.secretLocations,
      secretManagerApi: apis.api("secretmanager.googleapis.com"),
    });
    for (const account of c.accounts) {
      this.accounts[account.key] = this.addAccount(name, c, account, apis, secretBase);
    }
    if (c.oauth?.client !== undefined) {
      this.oauthClientSecret = new StoredSecret(
        `${name}-oauth-client`,
        { ...secretBase("oauth-client"), secretId: c.oauth.secretId, readers: c.oauth.clientReaders, versions: { current: c.oauth.client.json } },
        { parent: this },
      ).secretName;
    }
    if (c.apiKey !== undefined) {
      const key = new GeminiApiKey(
        `${name}-api-key`,
        {
          project: c.project,
          keyId: c.apiKey.keyId,
          displayName: c.apiKey.displayName,
          accountEmail: this.accounts[c.apiKey.accountKey]!.email,
          apiKeysApi: apis.api("apikeys.googleapis.com"),
          secret: { ...secretBase("api-key", { account: c.apiKey.accountKey }), secretId: c.apiKey.secretId, readers: c.apiKey.readers },
        },
        { parent: this },
      );
      this.apiKey = { keyName: key.keyName, secret: key.secretName };
    }
    if (c.ciIdentity !== undefined) {
      // The verify gate after each up acts as the stack's default consumer; keyless, that means
      // impersonating it, so the deployer may mint that one account's tokens.
      const verified = impersonatedByVerify(c.accounts.map((a) => ({ key: a.key, keyed: a.createKey })), c.apiKey !== undefined);
      const ci = new CiIdentity(
        `${name}-ci`,
        {
          project: c.project,
          config: c.ciIdentity,
          deployerGrants: deployerGrants(c),
          previewerGrants: previewerGrants(c),
          verifyAccountName: verified === undefined ? undefined : this.accountNames.get(verified),
          apiKeyAccountName: c.apiKey && this.accountNames.get(c.apiKey.accountKey),
          iamApi: apis.api("iam.googleapis.com"),
          resourceManagerApi: apis.api("cloudresourcemanager.googleapis.com"),
        },
        { parent: this },
      );
      this.ciIdentity = { workloadIdentityProvider: ci.workloadIdentityProvider, deployer: ci.deployer, previewer: ci.previewer };
    }
    this.enabledApis = apis.enabled;
    this.manualSteps = c.oauth === undefined ? [] : oauthSteps({ project: c.project, stack: c.stack, consent: c.oauth.consent, clientId: c.oauth.client?.clientId });
    this.registerOutputs({ enabledApis: this.enabledApis });
  }

  private addAccount(name: string, c: KitConfig, a: AccountConfig, apis: ProjectApis, secretBase: SecretBase): AccountOutputs {
    const account = new ServiceAccount(
      `${name}-${a.key}`,
      {
        project: c.project,
        accountId: a.accountId,
        displayName: a.displayName,
        description: a.description,
        roles: a.roles,
        impersonators: a.impersonators,
        iamApi: apis.api("iam.googleapis.com"),
        resourceManagerApi: a.roles.length > 0 ? apis.api("cloudresourcemanager.googleapis.com") : undefined,
      },
      { parent: this },
    );
    this.accountNames.set(a.key, account.accountName);
    if (!a.createKey || c.keyRotation === undefined) return { email: account.email };
    const key = new RotatingKey(
      `${name}-${a.key}-key`,
      {
        accountName: account.accountName,
        slots: c.keyRotation.slots,
        secret: { ...secretBase("service-account-key", { account: a.key }), secretId: a.keySecretId, readers: a.keyReaders },
      },
      { parent: this },
    );
    return { email: account.email, keySecret: key.secretName };
  }
}
