/**
 * The CI stack as its check reads it: the committed environment stack files, one of them edited as
 * a committed file would be, and the CI stack's config parsed against them.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseCiConfig } from "../../src/config/ci.ts";
import { ConfigError, type Problem } from "../../src/config/index.ts";
import { parseStackFile, readStackFile, type StackFile } from "../../src/config/stack-file.ts";
import type { CiConfig } from "../../src/config/types.ts";

const ROOT = join(import.meta.dirname, "..", "..");

/** Environment stack files by stack name, as the CI stack's check reads them. */
export type Files = Record<string, StackFile>;

export const committedFiles = (): Files =>
  Object.fromEntries(["dev", "staging", "prod"].map((s) => [s, readStackFile(ROOT, s)]));

/** The CI stack's check over `files`: its config, or every problem it found. */
export function checkCi(
  files: Files,
  raw = readStackFile(ROOT, "ci").raw,
): { config?: CiConfig; problems: Problem[] } {
  return parseCiConfig(raw, { stack: "ci", secretKeys: new Set(), readStack: (s) => files[s] });
}

/** The CI stack's config over `files`, which must be valid. */
export function ciConfig(files: Files, raw = readStackFile(ROOT, "ci").raw): CiConfig {
  const { config, problems } = checkCi(files, raw);
  if (config === undefined) throw new ConfigError("ci", problems);
  return config;
}

function tryJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** The dev stack file, changed by `edit` on its parsed config map, as a committed file would be. */
export function editedDev(edit: (config: Record<string, unknown>) => void): Files {
  const text = readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");
  const doc = parseStackFile(text, "stacks/Pulumi.dev.yaml");
  const yaml = JSON.parse(
    JSON.stringify({
      config: Object.fromEntries(Object.entries(doc.raw).map(([k, v]) => [k, tryJson(v)])),
    }),
  ) as { config: Record<string, unknown> };
  edit(yaml.config);
  return { ...committedFiles(), dev: parseStackFile(stringify(yaml), "stacks/Pulumi.dev.yaml") };
}
