import { createHash } from "node:crypto";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { memberSlug } from "../naming.ts";

/** Arguments of StoredSecret. */
export interface StoredSecretArgs {
  /** The project the secret lives in. */
  project: string;
  /** The Secret Manager secret id. */
  secretId: string;
  /** Labels on the secret (environment, owner, purpose). */
  labels: Record<string, string>;
  /** Replica regions; empty for automatic replication. */
  locations: string[];
  /** IAM members granted secretAccessor on this secret, and on nothing else. */
  readers: string[];
  /**
   * The secret's versions by stable name. Each is one SecretVersion resource; a change of its data
   * replaces it, so the new version becomes `latest` and the old one is destroyed.
   */
  versions: Record<string, pulumi.Input<string>>;
  /** The resource that enables Secret Manager, when this stack enables it (not when the CI stack does). */
  secretManagerApi?: pulumi.Resource;
  /** The secret exists already, made by another stack: import it rather than create it. */
  adopt?: boolean;
}

/** A number that changes when the data does (a digest's first 28 bits): what tells the provider a write-only value changed. */
export function contentVersion(data: string): number {
  return Number.parseInt(createHash("sha256").update(data).digest("hex").slice(0, 7), 16);
}

/** Everything about a secret but its data: what a component that produces secret data passes on. */
export type SecretSettings = Omit<StoredSecretArgs, "versions">;

/**
 * One secret in Secret Manager with its versions and its readers. Access is granted on the secret
 * itself, never on the project, so each reader can read exactly the secrets listed for it.
 */
export class StoredSecret extends pulumi.ComponentResource {
  /** The secret's resource name, `projects/<number>/secrets/<id>`: safe to export, holds no value. */
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: StoredSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gemini-access-kit:index:StoredSecret", name, {}, opts);
    const replication =
      args.locations.length === 0
        ? { auto: {} }
        : { userManaged: { replicas: args.locations.map((location) => ({ location })) } };
    const secret = new gcp.secretmanager.Secret(
      `${name}-secret`,
      { project: args.project, secretId: args.secretId, labels: args.labels, replication },
      {
        parent: this,
        dependsOn: args.secretManagerApi ? [args.secretManagerApi] : [],
        // Once imported, the same id is a resource like any other: the option may stay.
        ...(args.adopt === true
          ? { import: `projects/${args.project}/secrets/${args.secretId}` }
          : {}),
      },
    );
    for (const [version, data] of Object.entries(args.versions)) {
      writeSecretVersion(this, `${name}-version-${version}`, secret.id, data);
    }
    for (const member of args.readers) {
      new gcp.secretmanager.SecretIamMember(
        `${name}-reader-${memberSlug(member)}`,
        {
          project: args.project,
          secretId: secret.secretId,
          role: "roles/secretmanager.secretAccessor",
          member,
        },
        { parent: this },
      );
    }
    this.secretName = secret.name;
    this.registerOutputs({ secretName: this.secretName });
  }
}

/**
 * One version of a secret, written write-only (secretDataWo): reading the version back then never
 * calls :access (magic-modules custom_flatten/secret_version_access), so whoever applies the stack
 * needs no right to read the secret. Pulumi still writes the value into the state's inputs,
 * encrypted as a secret (its write-only fields documentation; pulumi-terraform-bridge#3201), never
 * into its outputs. A new value is a new write-only version number, which replaces the version.
 * @pulumi/gcp 9 types that number as a number; the provider of @pulumi/gcp 10
 * (terraform-provider-google 8) makes it a string, required with the data. Also what CI's deployer
 * does with the OAuth client file in a secret the CI stack created, holding no right on the secret
 * beyond its versions.
 */
export function writeSecretVersion(
  parent: pulumi.Resource,
  name: string,
  secret: pulumi.Input<string>,
  data: pulumi.Input<string>,
  aliases?: pulumi.Input<pulumi.Alias>[],
): void {
  new gcp.secretmanager.SecretVersion(
    name,
    {
      secret,
      secretDataWo: pulumi.secret(data),
      secretDataWoVersion: pulumi.output(data).apply(contentVersion),
    },
    { parent, aliases },
  );
}
