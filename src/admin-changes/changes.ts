/**
 * What changed between two versions of the committed stack files that an administrator must
 * review: where a stack deploys (gcp:project) and under which prefix, who applies its foundation,
 * what it targets (a Vertex target grants every account a role), which privileged roles it allows, every member list (who reads a secret, who acts as an account),
 * every account's roles, and every setting of the CI stack. Compared as written, so a version whose
 * config the check would refuse is still compared. Pure.
 */

import { record } from "../json.ts";
import { NAMESPACE } from "../config/keys.ts";
import type { StackFile } from "../config/stack-file.ts";

interface Changed {
  stack: string;
  /** The stack file, as messages name it. */
  file: string;
  /** The setting's path, e.g. `serviceAccounts.runtime.keyReaders` or `ci.previews`. */
  setting: string;
}

/** One setting of one stack that changed: a value (undefined where unset), or a list's entries. */
export type Change =
  | (Changed & { before?: unknown; after?: unknown })
  | (Changed & { added: string[]; removed: string[] });

/**
 * The kit's settings compared as one value each, in this order, before the lists. `target` grants:
 * a Vertex target gives every account of the stack roles/aiplatform.user.
 */
const VALUES = ["namePrefix", "foundation", "target"];
const ACCOUNT_LISTS = ["roles", "impersonators", "keyReaders"];

/** Pulumi hands values other than strings over as JSON text; this reads them back. */
function decoded(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

/** The changes of one stack; `before` or `after` undefined when the file is absent on that side. */
function stackChanges(
  stack: string,
  file: string,
  before: StackFile | undefined,
  after: StackFile | undefined,
): Change[] {
  const changes: Change[] = [];
  const compare = (setting: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const [la, lb] = [stringList(a ?? []), stringList(b ?? [])];
    if (la !== undefined && lb !== undefined) {
      const added = lb.filter((m) => !la.includes(m));
      const removed = la.filter((m) => !lb.includes(m));
      // A list only reordered changes no grant.
      if (added.length > 0 || removed.length > 0)
        changes.push({ stack, file, setting, added, removed });
    } else changes.push({ stack, file, setting, before: a, after: b });
  };
  const kit = (f: StackFile | undefined, key: string) => decoded(f?.raw[`${NAMESPACE}:${key}`]);
  const field = (value: unknown, name: string) => record(value)?.[name];

  compare("gcp:project", before?.raw["gcp:project"], after?.raw["gcp:project"]);
  for (const key of VALUES) compare(key, kit(before, key), kit(after, key));
  compare("privilegedRoles", kit(before, "privilegedRoles"), kit(after, "privilegedRoles"));
  const [accountsA, accountsB] = [
    record(kit(before, "serviceAccounts")) ?? {},
    record(kit(after, "serviceAccounts")) ?? {},
  ];
  for (const key of [...new Set([...Object.keys(accountsA), ...Object.keys(accountsB)])].sort())
    for (const list of ACCOUNT_LISTS)
      compare(
        `serviceAccounts.${key}.${list}`,
        field(accountsA[key], list),
        field(accountsB[key], list),
      );
  compare(
    "apiKey.readers",
    field(kit(before, "apiKey"), "readers"),
    field(kit(after, "apiKey"), "readers"),
  );
  // The account a Vertex key is bound to is granted roles/aiplatform.expressUser; its readers read it.
  const vertexKey = (f: StackFile | undefined) => field(kit(f, "vertex"), "apiKey");
  compare(
    "vertex.apiKey.serviceAccount",
    field(vertexKey(before), "serviceAccount"),
    field(vertexKey(after), "serviceAccount"),
  );
  compare(
    "vertex.apiKey.readers",
    field(vertexKey(before), "readers"),
    field(vertexKey(after), "readers"),
  );
  compare(
    "oauthClientReaders",
    kit(before, "oauthClientReaders"),
    kit(after, "oauthClientReaders"),
  );
  const [ciA, ciB] = [record(kit(before, "ci")) ?? {}, record(kit(after, "ci")) ?? {}];
  for (const name of [...new Set([...Object.keys(ciA), ...Object.keys(ciB)])].sort()) {
    if (name !== "environments") {
      compare(`ci.${name}`, ciA[name], ciB[name]);
      continue;
    }
    const [envA, envB] = [record(ciA[name]) ?? {}, record(ciB[name]) ?? {}];
    for (const env of [...new Set([...Object.keys(envA), ...Object.keys(envB)])].sort())
      compare(`ci.environments.${env}`, envA[env], envB[env]);
  }
  return changes;
}

/** Every change between the stack files at the base and now, by stack name, sorted. */
export function adminChanges(
  before: ReadonlyMap<string, StackFile>,
  after: ReadonlyMap<string, StackFile>,
  fileName: (stack: string) => string,
): Change[] {
  const stacks = [...new Set([...before.keys(), ...after.keys()])].sort();
  return stacks.flatMap((stack) =>
    stackChanges(stack, fileName(stack), before.get(stack), after.get(stack)),
  );
}
