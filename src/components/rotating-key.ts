import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { KeySlot } from "../rotation.ts";
import { StoredSecret, type SecretSettings } from "./stored-secret.ts";

/** Arguments of RotatingKey. */
export interface RotatingKeyArgs {
  /** `projects/<project>/serviceAccounts/<email>` of the account the keys belong to. */
  accountName: pulumi.Input<string>;
  /** The key slots that exist now (see rotation.ts); the current one last. */
  slots: KeySlot[];
  /** The secret that receives every key, and who may read it. */
  secret: SecretSettings;
}

/** The provider returns key files base64-encoded; consumers need the JSON itself. */
export function decodeKeyFile(privateKey: string): string {
  return Buffer.from(privateKey, "base64").toString("utf8");
}

/**
 * A service account's keys, one per slot, each written to its own version of one secret. A slot's
 * key is replaced when its period changes (keepers), so each `up` in a new period issues one key and
 * revokes the key two periods old. Key material only ever flows, as a secret, into a version.
 */
export class RotatingKey extends pulumi.ComponentResource {
  /** The secret's resource name; never its value. */
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: RotatingKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:RotatingKey", name, {}, opts);
    const versions: Record<string, pulumi.Output<string>> = {};
    for (const slot of args.slots) {
      const key = new gcp.serviceaccount.Key(
        `${name}-${slot.slot}`,
        { serviceAccountId: args.accountName, keepers: { period: String(slot.period) } },
        { parent: this },
      );
      versions[slot.slot] = key.privateKey.apply(decodeKeyFile);
    }
    const store = new StoredSecret(`${name}-store`, { ...args.secret, versions }, { parent: this });
    this.secretName = store.secretName;
    this.registerOutputs({ secretName: this.secretName });
  }
}
