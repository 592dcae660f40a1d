import * as pulumi from "@pulumi/pulumi";
import type { KitConfig } from "../config/index.ts";
import { oauthSteps, type ManualStep } from "../oauth/consent.ts";
import { buildFoundation } from "./foundation.ts";
import { buildSecrets, type EnvironmentSecrets } from "./secrets.ts";
import { writeSecretVersion } from "./stored-secret.ts";
import { VendedProject } from "./vended-project.ts";

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

/**
 * A project made ready for the Gemini API. When the stack applies its own foundation it holds
 * everything: the project itself when the stack vends it, APIs, accounts, roles, the secrets that
 * hold keys and the OAuth client, and their readers. With `foundation: ci` the CI stack has applied all of that, and this stack, CI's
 * deployer's plane, writes the OAuth client's version alone; accounts and secrets are known here by
 * name. Keys themselves are the rotator's (npm run rotate), so none is in either stack's state.
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
  /** vertex.apiKey's secret's resource name (the rotator makes the key). */
  readonly vertexApiKey?: { secret: pulumi.Output<string> };
  /** Console steps still to be done by a person. */
  readonly manualSteps: ManualStep[];

  constructor(name: string, args: GeminiAccessKitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:GeminiAccessKit", name, {}, opts);
    const c = args.config;
    // The project is vended by whoever applies the foundation: this stack, or the CI stack.
    const vended =
      c.foundation === "stack" && c.vending !== undefined
        ? new VendedProject(`${name}-vending`, { config: c }, { parent: this })
        : undefined;
    const foundation =
      c.foundation === "stack" ? buildFoundation(this, name, c, vended?.ready) : undefined;
    // With `foundation: ci` the CI stack created the secrets and their readers; this stack knows
    // them by name and writes the OAuth client's version alone.
    const named = (secretId: string) => pulumi.output(`projects/${c.project}/secrets/${secretId}`);
    const secrets: EnvironmentSecrets =
      foundation !== undefined
        ? buildSecrets(this, name, c, {
            secretManagerApi: foundation.apis.api("secretmanager.googleapis.com"),
            oauthClient: "with-version",
          })
        : {
            keys: new Map(
              c.accounts.filter((a) => a.createKey).map((a) => [a.key, named(a.keySecretId)]),
            ),
            apiKey: c.apiKey && named(c.apiKey.secretId),
            vertexApiKey: c.vertex?.apiKey && named(c.vertex.apiKey.secretId),
            oauthClient: c.oauth?.client && named(c.oauth.secretId),
          };
    if (foundation === undefined && c.oauth?.client !== undefined) {
      writeSecretVersion(
        this,
        `${name}-oauth-client-version`,
        `projects/${c.project}/secrets/${c.oauth.secretId}`,
        c.oauth.client.json,
        // Where the version was while this stack also held the secret: moved, not replaced.
        [
          {
            name: `${name}-oauth-client-version-current`,
            parent: pulumi.createUrn(
              `${name}-oauth-client`,
              "gemini-access-kit:index:StoredSecret",
              this,
            ),
          },
        ],
      );
    }
    for (const a of c.accounts) {
      const email = foundation?.accounts.get(a.key)?.email ?? pulumi.output(a.email);
      const keySecret = secrets.keys.get(a.key);
      this.accounts[a.key] = keySecret === undefined ? { email } : { email, keySecret };
    }
    this.oauthClientSecret = secrets.oauthClient;
    if (secrets.apiKey !== undefined) this.apiKey = { secret: secrets.apiKey };
    if (secrets.vertexApiKey !== undefined) this.vertexApiKey = { secret: secrets.vertexApiKey };
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
}
