import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { StoredSecret, type SecretSettings } from "./stored-secret.ts";

/** The only service the key may call. */
export const GEMINI_SERVICE = "generativelanguage.googleapis.com";

/** Arguments of GeminiApiKey. */
export interface GeminiApiKeyArgs {
  /** The project the key lives in. */
  project: string;
  /** The key's resource id. */
  keyId: string;
  /** Shown in the console. */
  displayName: string;
  /** The service account the key is bound to; the Gemini API rejects unbound keys. */
  accountEmail: pulumi.Input<string>;
  /** The resource that enables the API Keys API. */
  apiKeysApi: pulumi.Resource;
  /** The secret that receives the key string, and who may read it. */
  secret: SecretSettings;
}

/** A Gemini API key restricted to the Gemini API, bound to a service account, its string in the secret store. */
export class GeminiApiKey extends pulumi.ComponentResource {
  /** The key's resource name (`projects/<n>/locations/global/keys/<id>`); not the key string. */
  readonly keyName: pulumi.Output<string>;
  /** The secret's resource name. */
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: GeminiApiKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:GeminiApiKey", name, {}, opts);
    const key = new gcp.projects.ApiKey(
      `${name}-key`,
      {
        project: args.project,
        name: args.keyId,
        displayName: args.displayName,
        serviceAccountEmail: args.accountEmail,
        restrictions: { apiTargets: [{ service: GEMINI_SERVICE }] },
      },
      { parent: this, dependsOn: [args.apiKeysApi] },
    );
    const store = new StoredSecret(`${name}-store`, { ...args.secret, versions: { current: key.keyString } }, { parent: this });
    this.keyName = key.id;
    this.secretName = store.secretName;
    this.registerOutputs({ keyName: this.keyName, secretName: this.secretName });
  }
}
