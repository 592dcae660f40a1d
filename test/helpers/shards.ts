/**
 * Admin planes of several CI stacks, in memory: stack files written as a committed one would be
 * (copies of the committed environments under new names and projects, CI stack files edited from
 * stacks/Pulumi.ci.yaml), read through a reader that lists them as the stacks/ folder would.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { stackNames } from "../../src/cli/stacks.ts";
import { parseStackFile, type StackReader } from "../../src/config/stack-file.ts";
import { ROOT } from "./verify-cli.ts";

/** Stack file texts by stack name, as stacks/Pulumi.<name>.yaml would hold them. */
export type StackTexts = Record<string, string>;

const committedText = (stack: string) =>
  readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");

/** The committed stack files' texts: dev, staging, prod and the CI stack. */
export const committedTexts = (): StackTexts =>
  Object.fromEntries(["ci", "dev", "staging", "prod"].map((s) => [s, committedText(s)]));

/**
 * Environment `name` in project `acme-gemini-<name>`, a copy of a committed stack: dev (an account
 * with a key and an API key, so the CI stack gives it a rotator) or staging (keyless).
 */
export function environmentText(name: string, from: "dev" | "staging" = "dev"): string {
  return committedText(from)
    .replaceAll(`acme-gemini-${from}`, `acme-gemini-${name}`)
    .replace(`gemini-access-kit:environment: ${from}`, `gemini-access-kit:environment: ${name}`);
}

/** The committed CI stack's file with its project, namePrefix or `ci` settings replaced. */
export function ciText(
  edit: { project?: string; namePrefix?: string; ci?: Record<string, unknown> } = {},
): string {
  const doc = parse(committedText("ci")) as { config: Record<string, unknown> };
  const config = doc.config;
  if (edit.project !== undefined) config["gcp:project"] = edit.project;
  if (edit.namePrefix !== undefined) config["gemini-access-kit:namePrefix"] = edit.namePrefix;
  const ci = config["gemini-access-kit:ci"] as Record<string, unknown>;
  for (const [key, value] of Object.entries(edit.ci ?? {})) {
    if (value === undefined) delete ci[key];
    else ci[key] = value;
  }
  return stringify(doc);
}

/** `ci.environments` listing each of `names` with its defaults. */
export const governing = (names: readonly string[]) =>
  Object.fromEntries(names.map((n) => [n, {}]));

/** A reader over `texts` that lists them, as stackReader lists stacks/. */
export function memoryReader(texts: StackTexts): StackReader {
  const read = (stack: string) =>
    texts[stack] === undefined
      ? undefined
      : parseStackFile(texts[stack], `stacks/Pulumi.${stack}.yaml`);
  return Object.assign(read, {
    names: () => stackNames(Object.keys(texts).map((s) => `Pulumi.${s}.yaml`)),
  });
}

/** Environment names e00, e01, ... */
export const numbered = (count: number, prefix = "e") =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
