import * as pulumi from "@pulumi/pulumi";
import { StoredSecret, type SecretSettings } from "./stored-secret.ts";

/** Arguments of KeySecret. */
export interface KeySecretArgs {
  /** The secret that holds the key, and who may read it. */
  secret: SecretSettings;
}

/**
 * The secret a key lives in (a service-account key file, or an API key string) and its readers.
 * The stack creates the container, never the key: the rotator (npm run rotate) makes each key,
 * proves it works and adds it as the secret's newest version, so no key ever passes through Pulumi's
 * state. Earlier versions of the kit made the keys in the stack under the RotatingKey and
 * GeminiApiKey components; the aliases keep the secret those created, so it is never replaced.
 */
export class KeySecret extends pulumi.ComponentResource {
  /** The secret's resource name; never its value. */
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: KeySecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "gemini-access-kit:index:KeySecret",
      name,
      {},
      {
        ...opts,
        aliases: [
          { type: "gemini-access-kit:index:RotatingKey" },
          { type: "gemini-access-kit:index:GeminiApiKey" },
          ...(opts?.aliases ?? []),
        ],
      },
    );
    const store = new StoredSecret(
      `${name}-store`,
      { ...args.secret, versions: {} },
      { parent: this },
    );
    this.secretName = store.secretName;
    this.registerOutputs({ secretName: this.secretName });
  }
}
