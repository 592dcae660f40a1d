/**
 * Reads a committed stack file (`stacks/Pulumi.<stack>.yaml`) into the raw form Pulumi hands a
 * program, so the same check and program run offline (tests, `plan`, `bootstrap`) as under `pulumi
 * up`. A file that is not YAML, or not a stack file, is one clear Failure naming the file, the line
 * and the column, never a parser's stack trace.
 */

import { readTextFile } from "../cli/input-file.ts";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Failure } from "../cli/failure.ts";
import { stackFileName, stackNames } from "../cli/stacks.ts";
import { parseYaml } from "../cli/yaml.ts";
import { record } from "../json.ts";
import { NAMESPACE } from "./keys.ts";
import type { RawConfig } from "./decode.ts";

export interface StackFile {
  raw: RawConfig;
  /** Keys whose committed value is encrypted (`secure:`); they cannot be read without the stack's secrets provider. */
  encrypted: string[];
  /**
   * The stack's secrets provider as its file records it: the `secretsprovider:` URL that `pulumi
   * stack init --secrets-provider` writes, `passphrase` for a file with an `encryptionsalt:` (a
   * passphrase stack records no provider, only its salt), else undefined (not yet initialised, or
   * Pulumi Cloud's default).
   */
  secretsProvider?: string;
}

/** Keys only a stack file has at its top level. */
const STACK_FILE_KEYS = [
  "config",
  "secretsprovider",
  "encryptionsalt",
  "encryptedkey",
  "environment",
];

function invalid(file: string, message: string, fix: string): Failure {
  return new Failure("STACK_FILE_INVALID", `${file}: ${message}`, fix, 2);
}

/** Pulumi passes strings through and every other value as JSON text; this does the same. */
function toRaw(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parses a stack file's text; `file` names it in messages. */
export function parseStackFile(text: string, file: string): StackFile {
  const top = parseYaml(text, file, "STACK_FILE_INVALID");
  const fields = record(top);
  if (fields === undefined) {
    const what =
      top === null || top === undefined
        ? "is empty"
        : Array.isArray(top)
          ? "holds a list"
          : `holds a single ${typeof top}`;
    throw invalid(
      file,
      `${what}, so it is not a Pulumi stack file (one starts with a config: map)`,
      "Pass a stack file such as stacks/Pulumi.dev.yaml.",
    );
  }
  if ("runtime" in fields && "name" in fields) {
    throw invalid(
      file,
      "is a Pulumi project file (it has name: and runtime:), not a stack file",
      "Pass a stack file such as stacks/Pulumi.dev.yaml.",
    );
  }
  if (!STACK_FILE_KEYS.some((k) => k in fields)) {
    throw invalid(
      file,
      `has none of ${STACK_FILE_KEYS.join(", ")}, so it is not a Pulumi stack file`,
      "Pass a stack file such as stacks/Pulumi.dev.yaml; its settings go under config:.",
    );
  }
  const config = fields.config ?? {};
  const entries = record(config);
  if (entries === undefined)
    throw invalid(
      file,
      "has a config: that is not a map of keys to values",
      "Write each setting under config: as KEY: VALUE.",
    );
  const raw: Record<string, string> = {};
  const encrypted: string[] = [];
  for (const [written, value] of Object.entries(entries)) {
    // Pulumi's stack loader gives a key without a namespace the project's, which is the kit's
    // (pulumi/pulumi sdk/go/common/workspace/loaders.go, stackConfigNamespacedWithProject).
    const key = written.includes(":") ? written : `${NAMESPACE}:${written}`;
    const object = record(value);
    if (object !== undefined && "secure" in object) encrypted.push(key);
    else raw[key] = toRaw(value);
  }
  const provider = fields.secretsprovider;
  const secretsProvider =
    typeof provider === "string"
      ? provider
      : fields.encryptionsalt !== undefined
        ? "passphrase"
        : undefined;
  return { raw, encrypted, secretsProvider };
}

export function stackFilePath(root: string, stack: string): string {
  return join(root, stackFileName(stack));
}

/** Reads `stacks/Pulumi.<stack>.yaml` under `root`. */
export function readStackFile(root: string, stack: string): StackFile {
  return parseStackFile(readTextFile(stackFilePath(root, stack)), stackFileName(stack));
}

/**
 * Committed stack files by name; undefined for one that does not exist. A reader that can list the
 * folder also says which stacks are committed (`names`): the checks then find every CI stack among
 * them, not only stacks/Pulumi.ci.yaml.
 */
export type StackReader = ((stack: string) => StackFile | undefined) & {
  names?: () => string[];
};

/** The stacks committed under `root` (stacks/Pulumi.<name>.yaml); none when there is no stacks/. */
export function committedStackNames(root: string): string[] {
  try {
    return stackNames(readdirSync(join(root, "stacks")));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** Reads committed stack files by name from `root`, through `readFile`, and lists them from the folder. */
export function stackReader(root: string, readFile: (path: string) => string): StackReader {
  // One reader serves one command: each file is read and parsed once, however many stacks' checks
  // ask for it (every environment's check reads every CI stack file).
  const parsed = new Map<string, StackFile | undefined>();
  let listed: string[] | undefined;
  const read = (stack: string) => {
    if (parsed.has(stack)) return parsed.get(stack);
    let text: string;
    try {
      text = readFile(stackFilePath(root, stack));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      parsed.set(stack, undefined);
      return undefined;
    }
    const file = parseStackFile(text, stackFileName(stack));
    parsed.set(stack, file);
    return file;
  };
  return Object.assign(read, { names: () => (listed ??= committedStackNames(root)) });
}
