/**
 * The alarms of one entry: each key or version the rotator did not make fails the run (exit 1),
 * though the run still does its own work. A key made outside the rotator is never rotated, and a
 * version added outside it hands consumers of `latest` a credential the rotator cannot vouch for:
 * a person has to find out who made it and why. Ids, names and times only, never a key.
 */

import type { Reason } from "../cli/failure.ts";
import type { RotationKey } from "../rotation.ts";
import type { KeyLine } from "./procedure.ts";

export interface Alarm {
  reason: Extract<Reason, "UNMANAGED_KEY" | "FOREIGN_VERSION">;
  /** The key's id, for UNMANAGED_KEY. */
  keyId?: string;
  /** The version's number, for FOREIGN_VERSION. */
  version?: number;
  message: string;
  fix: string;
}

/** `projects/P/secrets/ID` as its project and id. */
function secretParts(secret: string): { project: string; id: string } {
  const [, project = "", , id = ""] = secret.split("/");
  return { project, id };
}

function unmanagedKey(key: RotationKey, line: KeyLine): Alarm {
  const { project } = secretParts(key.secret);
  // The lines of src/rotate/strangers.ts say when the key was made; the others do not.
  const made =
    line.detail.includes("(made ") || line.createdAt === undefined
      ? ""
      : ` (made ${line.createdAt})`;
  const [subject, audit, remove] =
    key.kind === "api-key"
      ? [
          `The API key ${line.keyId} in ${key.project}${made}, listed as the kit's (bound to ${key.account}, or named or marked as the kit's)`,
          `google.api.apikeys.v2.ApiKeys.CreateKey in ${key.project}`,
          `gcloud services api-keys delete ${line.keyId} --project ${key.project}`,
        ]
      : [
          `The key ${line.keyId} of ${key.account}${made}`,
          `google.iam.admin.v1.CreateServiceAccountKey in ${project}`,
          `gcloud iam service-accounts keys delete ${line.keyId} --iam-account ${key.account}`,
        ];
  const then =
    line.action === "pruned"
      ? "Whatever used it no longer can: have it read the secret, or impersonate the account, instead."
      : `If no one needs it, delete it (${remove}), or let the rotation delete it once it is past the grace period (the stack's unmanagedKeyGraceHours); whoever needs a key should read ${key.secret}, or impersonate ${key.account}, instead: a key kept outside the rotator is never rotated.`;
  return {
    reason: "UNMANAGED_KEY",
    keyId: line.keyId,
    message: `${subject}: ${line.detail}.`,
    fix: `Find out who made it (Cloud Audit Logs record it: ${audit}). ${then}`,
  };
}

function foreignVersion(key: RotationKey, line: KeyLine, dueAt: string | undefined): Alarm {
  const { project, id } = secretParts(key.secret);
  const next = dueAt === undefined ? "at its next rotation" : `at its next rotation, due ${dueAt}`;
  return {
    reason: "FOREIGN_VERSION",
    version: line.version,
    message: `Version ${line.version} of ${key.secret}, added ${line.createdAt ?? "at a time Google did not say"}, is its newest and the rotator did not add it: consumers reading latest get a credential the rotator did not make and cannot vouch for.`,
    fix: `Find out who added it (Cloud Audit Logs record it: google.cloud.secretmanager.v1.SecretManagerService.AddSecretVersion on ${key.secret}). The rotator never destroys it, since it may be someone's emergency fix, and deletes no key it did not make while it is enabled, since it may hold one. If it is still needed, keep it: the rotator's own key becomes the newest again ${next}; once no one reads it, destroy it (gcloud secrets versions destroy ${line.version} --secret ${id} --project ${project}). If it should not be there, disable it (gcloud secrets versions disable ${line.version} --secret ${id} --project ${project}): the next run makes a key of its own at once, as the newest.`,
  };
}

/** One alarm a line that carries one, in the order of the lines. */
export function entryAlarms(
  key: RotationKey,
  lines: readonly KeyLine[],
  dueAt: string | undefined,
): Alarm[] {
  return lines.flatMap((l) =>
    l.alarm === "UNMANAGED_KEY"
      ? [unmanagedKey(key, l)]
      : l.alarm === "FOREIGN_VERSION"
        ? [foreignVersion(key, l, dueAt)]
        : [],
  );
}
