/**
 * Reads a committed stack file (`stacks/Pulumi.<stack>.yaml`) into the raw form Pulumi hands a
 * program, so the same check and program run offline (tests, `plan`) as under `pulumi up`.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { RawConfig } from "./parse.ts";

export interface StackFile {
  raw: RawConfig;
  /** Keys whose committed value is encrypted (`secure:`); they cannot be read without the stack's secrets provider. */
  encrypted: string[];
  /** The file's `secretsprovider:`, which `pulumi stack init --secrets-provider` records (absent for passphrase stacks). */
  secretsProvider?: string;
}

/** Pulumi passes strings through and every other value as JSON text; this does the same. */
function toRaw(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function stackFilePath(root: string, stack: string): string {
  return join(root, "stacks", `Pulumi.${stack}.yaml`);
}

/** Parses a stack file's text. */
export function parseStackFile(text: string): StackFile {
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown>; secretsprovider?: string };
  const raw: Record<string, string> = {};
  const encrypted: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (typeof value === "object" && value !== null && "secure" in value) encrypted.push(key);
    else raw[key] = toRaw(value);
  }
  return { raw, encrypted, secretsProvider: doc.secretsprovider };
}

/** Reads `stacks/Pulumi.<stack>.yaml` under `root`. */
export function readStackFile(root: string, stack: string): StackFile {
  return parseStackFile(readFileSync(stackFilePath(root, stack), "utf8"));
}
