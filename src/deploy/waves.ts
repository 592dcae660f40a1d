/**
 * The order stacks are deployed in: `stacks/deploy-waves.yaml` lists waves, each a list of stacks.
 * A wave starts only when the one before it has finished, and its stacks run side by side; so prod
 * never runs alongside dev, and the order is written down, not alphabetical. Stacks under `admin`
 * (the CI stack) are applied only by an administrator naming them; `--all` and CI leave them out.
 */

import { badInput, usage } from "../cli/failure.ts";
import { parseYaml } from "../cli/yaml.ts";
import { record } from "../json.ts";

export const WAVES_FILE = "stacks/deploy-waves.yaml";

const FIX = `List every committed stack once in ${WAVES_FILE}: under waves: (e.g. [[dev], [staging], [prod]]), or under admin: for stacks only an administrator applies.`;

/** The deploy order: waves of stacks CI and `--all` run, and the stacks only administrators apply. */
export interface DeployOrder {
  waves: string[][];
  /** Never in `--all` or CI; run by name, by an administrator, before the waves. */
  admin: string[];
}

const isNames = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === "string");

/** The order, checked against the committed stacks: each is in exactly one wave, or administrators'. */
export function parseWaves(
  text: string,
  committed: readonly string[],
  ciStacks: readonly string[] = [],
): DeployOrder {
  const doc = record(parseYaml(text, WAVES_FILE));
  const waves = doc?.waves;
  const admin = doc?.admin ?? [];
  if (!Array.isArray(waves) || !waves.every((w) => isNames(w) && w.length > 0)) {
    throw badInput(`${WAVES_FILE} has no waves: list of lists of stack names.`, FIX);
  }
  if (!isNames(admin))
    throw badInput(`${WAVES_FILE} has an admin: that is not a list of stack names.`, FIX);
  const listed = [...(waves as string[][]).flat(), ...admin];
  const twice = listed.filter((s, i) => listed.indexOf(s) !== i);
  if (twice.length > 0)
    throw badInput(`${WAVES_FILE} lists ${[...new Set(twice)].join(", ")} more than once.`, FIX);
  const unknown = listed.filter((s) => !committed.includes(s));
  if (unknown.length > 0)
    throw badInput(
      `${WAVES_FILE} lists ${unknown.join(", ")}, which ${unknown.length === 1 ? "has" : "have"} no stack file.`,
      FIX,
    );
  const missing = committed.filter((s) => !listed.includes(s));
  if (missing.length > 0)
    throw badInput(
      `${WAVES_FILE} does not list ${missing.join(", ")}, so deploy cannot tell when ${missing.length === 1 ? "it goes" : "they go"}.`,
      FIX,
    );
  // The CI stack holds every environment's deployers: only an administrator applies it, by name.
  const ciInWaves = (waves as string[][]).flat().filter((s) => ciStacks.includes(s));
  if (ciInWaves.length > 0)
    throw badInput(
      `${WAVES_FILE} lists ${ciInWaves.join(", ")} in a wave, but ${ciInWaves.length === 1 ? "it is a CI stack" : "they are CI stacks"} (gemini-access-kit:ci): --all and CI would apply ${ciInWaves.length === 1 ? "it" : "them"} with an environment's deployer.`,
      `Move ${ciInWaves.join(", ")} under admin: in ${WAVES_FILE}; an administrator applies it by name (npm run deploy -- --stack ${ciInWaves[0]!}).`,
    );
  return { waves: waves as string[][], admin };
}

/** The stacks `--all` means: every stack of a wave, none of the administrators'. */
export function allStacks(order: DeployOrder): string[] {
  return order.waves.flat();
}

/**
 * The chosen stacks, grouped by wave in the waves' order, administrators' stacks first, each in a
 * wave of its own; empty waves left out.
 */
export function inWaves(chosen: readonly string[], order: DeployOrder): string[][] {
  const outside = chosen.filter(
    (s) => !order.admin.includes(s) && !order.waves.some((w) => w.includes(s)),
  );
  if (outside.length > 0)
    throw usage(
      `${outside.join(", ")} ${outside.length === 1 ? "is" : "are"} in no wave of ${WAVES_FILE}.`,
      FIX,
    );
  const admin = order.admin.filter((s) => chosen.includes(s)).map((s) => [s]);
  return [...admin, ...order.waves.map((w) => w.filter((s) => chosen.includes(s)))].filter(
    (w) => w.length > 0,
  );
}
