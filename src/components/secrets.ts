/**
 * An environment's secrets and who may read them: a secret per keyed account, one for each API key
 * (the Gemini API's, Vertex AI's), and one for the Desktop OAuth client. Whoever applies these decides who reads every key of the
 * environment, so they are applied with the foundation: by the environment's own stack when it
 * applies its own foundation (`foundation: stack`), else by the CI stack, which an administrator
 * applies (`foundation: ci`). CI's deployer then only writes the OAuth client's version
 * (stored-secret.ts writeSecretVersion), and holds no right to change a secret's readers.
 */

import type * as pulumi from "@pulumi/pulumi";
import type { KitConfig } from "../config/index.ts";
import { KeySecret } from "./key-secret.ts";
import { StoredSecret, type SecretSettings } from "./stored-secret.ts";

/** The secrets' resource names; never a value. */
export interface EnvironmentSecrets {
  /** By the account's key in the stack's serviceAccounts map, for accounts with keys. */
  keys: ReadonlyMap<string, pulumi.Output<string>>;
  apiKey?: pulumi.Output<string>;
  /** vertex.apiKey's secret. */
  vertexApiKey?: pulumi.Output<string>;
  oauthClient?: pulumi.Output<string>;
}

/** Arguments of buildSecrets. */
export interface SecretsArgs {
  /** The resource that enables Secret Manager, when the same stack enables it. */
  secretManagerApi?: pulumi.Resource;
  /**
   * The stack that writes the OAuth client's version also creates its secret, once the client file
   * is there (`foundation: stack`). Otherwise the CI stack creates the secret as soon as the
   * environment configures a consent screen, so it exists, with its readers, before the
   * environment stack's first up writes the client into it.
   */
  oauthClient: "with-version" | "container";
  /**
   * The secrets exist already, an earlier version's environment stack made them: import them. That
   * stack made the client's secret only once the client was set (`client`).
   */
  adopt?: { client: boolean };
}

/** The settings each secret of the environment shares, given what it holds. */
function settings(
  c: KitConfig,
  args: SecretsArgs,
  purpose: string,
  secretId: string,
  readers: string[],
  extra: Record<string, string> = {},
): SecretSettings {
  return {
    project: c.project,
    secretId,
    readers,
    labels: { ...c.labels, purpose, ...extra },
    locations: c.secretLocations,
    secretManagerApi: args.secretManagerApi,
    adopt: args.adopt !== undefined,
  };
}

/** Creates the environment's secrets under `parent`; resource names start with `name`, as they always have. */
export function buildSecrets(
  parent: pulumi.Resource,
  name: string,
  c: KitConfig,
  args: SecretsArgs,
): EnvironmentSecrets {
  const keys = new Map<string, pulumi.Output<string>>();
  for (const a of c.accounts.filter((account) => account.createKey)) {
    const secret = new KeySecret(
      `${name}-${a.key}-key`,
      {
        secret: settings(c, args, "service-account-key", a.keySecretId, a.keyReaders, {
          account: a.key,
        }),
      },
      { parent },
    );
    keys.set(a.key, secret.secretName);
  }
  let oauthClient: pulumi.Output<string> | undefined;
  const client = c.oauth?.client;
  if (c.oauth !== undefined && (args.oauthClient === "container" || client !== undefined)) {
    oauthClient = new StoredSecret(
      `${name}-oauth-client`,
      {
        ...settings(c, args, "oauth-client", c.oauth.secretId, c.oauth.clientReaders),
        adopt: args.adopt?.client === true,
        versions: args.oauthClient === "with-version" && client ? { current: client.json } : {},
      },
      { parent },
    ).secretName;
  }
  let apiKey: pulumi.Output<string> | undefined;
  if (c.apiKey !== undefined) {
    apiKey = new KeySecret(
      `${name}-api-key`,
      {
        secret: settings(c, args, "api-key", c.apiKey.secretId, c.apiKey.readers, {
          account: c.apiKey.accountKey,
        }),
      },
      { parent },
    ).secretName;
  }
  const vertexKey = c.vertex?.apiKey;
  const vertexApiKey =
    vertexKey &&
    new KeySecret(
      `${name}-vertex-api-key`,
      {
        secret: {
          ...settings(c, args, "vertex-api-key", vertexKey.secretId, vertexKey.readers, {
            account: vertexKey.accountKey,
          }),
          // No earlier version of the kit made this secret, so there is none to import.
          adopt: false,
        },
      },
      { parent },
    ).secretName;
  return { keys, apiKey, ...(vertexApiKey && { vertexApiKey }), oauthClient };
}
