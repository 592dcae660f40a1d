/**
 * The order stacks are deployed in: `stacks/deploy-waves.yaml` lists waves, each a list of stacks.
 * A wave starts only when the one before it has finished, and its stacks run side by side; so prod
 * never runs alongside dev, and the order is written down, not alphabetical.
 */

import { badInput, usage } from "../cli/failure.ts";
import { parseYaml } from "../cli/yaml.ts";
import { record } from "../json.ts";

export const WAVES_FILE = "stacks/deploy-waves.yaml";

const FIX = `List every committed stack once under waves: in ${WAVES_FILE}, e.g. waves: [[dev], [staging], [prod]].`;

/** The waves, checked against the committed stacks: each is in exactly one wave. */
export function parseWaves(text: string, committed: readonly string[]): string[][] {
  const doc = record(parseYaml(text, WAVES_FILE));
  const waves = doc?.waves;
  if (!Array.isArray(waves) || !waves.every((w) => Array.isArray(w) && w.length > 0 && w.every((s) => typeof s === "string"))) {
    throw badInput(`${WAVES_FILE} has no waves: list of lists of stack names.`, FIX);
  }
  const listed = (waves as string[][]).flat();
  const twice = listed.filter((s, i) => listed.indexOf(s) !== i);
  if (twice.length > 0) throw badInput(`${WAVES_FILE} lists ${[...new Set(twice)].join(", ")} more than once.`, FIX);
  const unknown = listed.filter((s) => !committed.includes(s));
  if (unknown.length > 0) throw badInput(`${WAVES_FILE} lists ${unknown.join(", ")}, which ${unknown.length === 1 ? "has" : "have"} no stack file.`, FIX);
  const missing = committed.filter((s) => !listed.includes(s));
  if (missing.length > 0) throw badInput(`${WAVES_FILE} does not list ${missing.join(", ")}, so deploy cannot tell when ${missing.length === 1 ? "it goes" : "they go"}.`, FIX);
  return waves as string[][];
}

/** The chosen stacks, grouped by wave in the waves' order; empty waves left out. */
export function inWaves(chosen: readonly string[], waves: readonly string[][]): string[][] {
  const outside = chosen.filter((s) => !waves.some((w) => w.includes(s)));
  if (outside.length > 0) throw usage(`${outside.join(", ")} ${outside.length === 1 ? "is" : "are"} in no wave of ${WAVES_FILE}.`, FIX);
  return waves.map((w) => w.filter((s) => chosen.includes(s))).filter((w) => w.length > 0);
}
