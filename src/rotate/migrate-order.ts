/**
 * `rotate migrate` runs in the stack's old backend, before the stack moves to the state CI governs.
 * Pulumi's DIY backend keeps `.pulumi/backups` and `.pulumi/history` beside each checkpoint, and the
 * CI stack's state buckets are versioned (src/components/governed-environment.ts), so a key removed
 * from the checkpoint after the move stays readable there by everyone who reads the bucket, CI's
 * accounts and pull-request previews among them, and decryptable by whoever may use the
 * environment's KMS key. Adopting such a key would keep it valid up to two more periods. So when the
 * stack's backend is one of the CI stack's state buckets (`<stateBucketPrefix>-<environment>`), or
 * its secrets provider one of the CI stack's keys, migrate refuses, and says how to retire the keys
 * instead. The CI stack is read from its committed file with the config check CI itself runs.
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Failure } from "../cli/failure.ts";
import { stackFileName, stackNames } from "../cli/stacks.ts";
import { parseCiConfig } from "../config/ci.ts";
import { isCiStack } from "../config/decode.ts";
import { stackReader, type StackFile } from "../config/stack-file.ts";
import { record } from "../json.ts";

/** The stack files committed under stacks/. */
export interface CommittedStacks {
  names(): string[];
  /** A stack's file; undefined when there is none. */
  read(stack: string): StackFile | undefined;
}

/** The committed stacks under `root`, read from disk. */
export function committedStacks(root: string): CommittedStacks {
  const dir = join(root, "stacks");
  return {
    names: () => (existsSync(dir) ? stackNames(readdirSync(dir)) : []),
    read: stackReader(root, (path) => readFileSync(path, "utf8")),
  };
}

/** What the CI stacks govern: each environment's state bucket and KMS key, to its name. */
interface Governed {
  ciStackFile: string;
  buckets: Map<string, string>;
  keys: Map<string, string>;
}

function governed(stacks: CommittedStacks, progress: (line: string) => void): Governed[] {
  const found: Governed[] = [];
  for (const stack of stacks.names()) {
    const file = stackFileName(stack);
    let config;
    try {
      const read = stacks.read(stack);
      if (read === undefined || !isCiStack(read.raw)) continue;
      config = parseCiConfig(read.raw, {
        stack,
        secretKeys: new Set(read.encrypted),
        secretsProvider: read.secretsProvider,
        readStack: (s) => stacks.read(s),
      }).config;
    } catch {
      config = undefined;
    }
    if (config === undefined) {
      progress(
        `  ${file} is the CI stack's, but its config does not pass its check: the stack's backend is not compared with its state buckets.`,
      );
      continue;
    }
    const ring = `projects/${config.project}/locations/${config.location}/keyRings/${config.keyRingId}`;
    found.push({
      ciStackFile: file,
      buckets: new Map(config.environments.map((e) => [e.stateBucket, e.name])),
      keys: new Map(
        config.environments.map((e) => [`gcpkms://${ring}/cryptoKeys/${e.kmsKeyId}`, e.name]),
      ),
    });
  }
  return found;
}

/** The secrets provider a state export records (`deployment.secrets_providers.state.url`). */
function exportedProvider(exportJson: string): string | undefined {
  try {
    const top = record(JSON.parse(exportJson));
    const providers = record(record(top?.deployment)?.secrets_providers);
    const url = record(providers?.state)?.url;
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

function retire(stack: string, bucket: string): string {
  return [
    `If the stack has not moved yet (this backend or key is a copy), run migrate while logged in to its old backend, with its old secrets provider, then move it.`,
    `If it has moved, do not migrate: the keys in its state have been readable in ${bucket} since the move. Retire them instead:`,
    `npm run -s plan -- --stack ${stack} --outputs > outputs.json, then npm run rotate -- --outputs outputs.json (a key of the rotator's becomes each secret's newest version; the run's alarms name the keys and versions in the state, as expected here);`,
    `then pulumi up --stack ${stack}, which deletes those keys and their versions (consumers that cached one must read the secret again);`,
    `then delete the stack's objects under .pulumi/backups/ and .pulumi/history/ in ${bucket} and the noncurrent generations of its checkpoint (gcloud storage ls --all-versions ${bucket}/.pulumi/stacks/; gcloud storage rm each listed generation but the live one).`,
  ].join(" ");
}

/**
 * Whether migrating `stack` now comes after its move to the state CI governs: a Failure saying so,
 * or undefined. `backend` is the URL the CLI acts on (PULUMI_BACKEND_URL, or `pulumi whoami`'s),
 * undefined when not known.
 */
export function migratedTooLate(input: {
  stack: string;
  backend: string | undefined;
  exportJson: string;
  stacks: CommittedStacks;
  progress: (line: string) => void;
}): Failure | undefined {
  const { stack, backend } = input;
  const bucket = backend === undefined ? undefined : /^gs:\/\/([^/?#]+)/.exec(backend)?.[1];
  const providers = [
    input.stacks.read(stack)?.secretsProvider,
    exportedProvider(input.exportJson),
  ].flatMap((p) => (p === undefined ? [] : [p.split("?")[0]!]));
  for (const ci of governed(input.stacks, input.progress)) {
    const inBucket = bucket === undefined ? undefined : ci.buckets.get(bucket);
    if (inBucket !== undefined)
      return new Failure(
        "STACK_ALREADY_MOVED",
        `Stack ${stack}'s backend is gs://${bucket}, the state bucket ${ci.ciStackFile} keeps for ${inBucket}: the stack has moved to the state CI governs, which CI's accounts (pull-request previews among them) read and which keeps every earlier checkpoint (.pulumi/backups, .pulumi/history, the bucket's older generations). Keys migrated out of the state now would stay readable there, and adopting them would keep them valid up to two more periods; nothing was recorded or removed.`,
        retire(stack, `gs://${bucket}`),
      );
    const keyed = providers.find((p) => ci.keys.has(p));
    const environment = keyed === undefined ? undefined : ci.keys.get(keyed)!;
    const itsBucket = [...ci.buckets].find(([, e]) => e === environment)?.[0];
    if (keyed !== undefined)
      return new Failure(
        "STACK_ALREADY_MOVED",
        `Stack ${stack}'s secrets provider is ${keyed}, the key ${ci.ciStackFile} keeps for ${environment!}: the stack has moved, or is moving, to the state CI governs, where CI's accounts (pull-request previews among them) may decrypt it and every earlier checkpoint is kept. Keys migrated out of the state now would stay readable there, and adopting them would keep them valid up to two more periods; nothing was recorded or removed.`,
        retire(stack, `gs://${itsBucket!}`),
      );
  }
  return undefined;
}
