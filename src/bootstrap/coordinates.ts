/**
 * The CI stack's bootstrap step that writes its outputs into the coordinates file
 * (.github/gak-environments.json): one entry per environment the CI stack governs. Only its own
 * entries change, so CI stacks that govern different environments each write theirs; what changed
 * is printed, and the administrator commits the file. Each environment's bootstrap command (its
 * backend and KMS key) is printed too, as the next step.
 */

import {
  COORDINATES_FILE,
  parseCoordinates,
  renderCoordinates,
  type Coordinates,
  type CoordinatesByStack,
} from "../ci-coordinates.ts";
import { record } from "../json.ts";
import { StepFailed, type StepResult } from "./step.ts";

/** One governed environment in the CI stack's `ci` output (src/outputs.ts, CiStackOutputs). */
interface EnvironmentOutput {
  githubEnvironment?: unknown;
  deployer?: unknown;
  previewer?: unknown;
  rotator?: unknown;
  rotationEnvironment?: unknown;
  backendUrl?: unknown;
  secretsProvider?: unknown;
}

/** The entries `ciStack`'s output gives, or what the output lacks for them. */
function coordinatesFromOutput(
  ciStack: string,
  provider: string,
  environments: Record<string, EnvironmentOutput>,
): { entries: CoordinatesByStack; lacking: string[] } {
  const lacking: string[] = [];
  const entries: CoordinatesByStack = {};
  for (const [stack, out] of Object.entries(environments)) {
    const text = (field: keyof EnvironmentOutput, required: boolean) => {
      const value = out[field];
      if (typeof value === "string") return value;
      if (required || (field === "rotationEnvironment" && out.rotator !== undefined))
        lacking.push(`ci.environments.${stack}.${field}`);
      return undefined;
    };
    const entry: Coordinates = {
      ciStack,
      githubEnvironment: text("githubEnvironment", true) ?? "",
      workloadIdentityProvider: provider,
      deployer: text("deployer", true) ?? "",
      previewer: text("previewer", false),
      rotator: text("rotator", false),
      rotationEnvironment: text("rotationEnvironment", false),
      backend: text("backendUrl", true) ?? "",
    };
    entries[stack] = entry;
  }
  return { entries, lacking };
}

const FIELDS: (keyof Coordinates)[] = [
  "githubEnvironment",
  "workloadIdentityProvider",
  "deployer",
  "previewer",
  "rotator",
  "rotationEnvironment",
  "backend",
];

/** `current` with `ciStack`'s entries replaced by `fresh`, and a line per change, by stack. */
function mergeCoordinates(
  current: CoordinatesByStack,
  ciStack: string,
  fresh: CoordinatesByStack,
): { next: CoordinatesByStack; changes: string[] } {
  const changes: [string, string][] = [];
  const next: CoordinatesByStack = {};
  for (const [stack, entry] of Object.entries(current))
    if (entry.ciStack !== ciStack || stack in fresh) next[stack] = entry;
    else changes.push([stack, `- ${stack}: ${ciStack} no longer governs it`]);
  for (const [stack, entry] of Object.entries(fresh)) {
    const before = next[stack];
    next[stack] = entry;
    if (before === undefined) {
      changes.push([stack, `+ ${stack}`]);
      continue;
    }
    const fields = FIELDS.filter((f) => before[f] !== entry[f]).map(
      (f) => `${f} ${before[f] ?? "(none)"} -> ${entry[f] ?? "(none)"}`,
    );
    if (before.ciStack !== ciStack) fields.unshift(`ciStack ${before.ciStack} -> ${ciStack}`);
    if (fields.length > 0) changes.push([stack, `~ ${stack}: ${fields.join(", ")}`]);
  }
  changes.sort(([a], [b]) => a.localeCompare(b));
  return { next, changes: changes.map(([, line]) => line) };
}

/** Where the step reads and writes the file. */
export interface CoordinatesFile {
  read: () => string | undefined;
  write: (text: string) => void;
}

function currentEntries(file: CoordinatesFile): CoordinatesByStack {
  const text = file.read();
  if (text === undefined) return {};
  try {
    return parseCoordinates(text);
  } catch (err) {
    throw new StepFailed(
      `${(err as Error).message} Restore it (git checkout -- ${COORDINATES_FILE}) and run bootstrap again: it rewrites only this CI stack's entries.`,
    );
  }
}

const indent = (lines: string[]) => lines.map((l) => `    ${l}`).join("\n");

/**
 * The step: the `ci` output (already read) into the file. `dryRun` says what would change and
 * writes nothing.
 */
export function writeCoordinates(
  ciStack: string,
  ci: { workloadIdentityProvider: string; environments: Record<string, unknown> },
  file: CoordinatesFile,
  dryRun: boolean,
): StepResult {
  const environments = Object.fromEntries(
    Object.entries(ci.environments).map(([k, v]) => [k, (record(v) ?? {}) as EnvironmentOutput]),
  );
  const { entries, lacking } = coordinatesFromOutput(
    ciStack,
    ci.workloadIdentityProvider,
    environments,
  );
  if (lacking.length > 0)
    throw new StepFailed(
      `the ci output of ${ciStack} lacks ${lacking.join(", ")}: it was deployed by an earlier version of the kit. Deploy it again (npm run deploy -- --stack ${ciStack}; only its outputs change), then run bootstrap again.`,
    );
  const { next, changes } = mergeCoordinates(currentEntries(file), ciStack, entries);
  const text = renderCoordinates(next);
  try {
    parseCoordinates(text);
  } catch (err) {
    throw new StepFailed(
      `the ci output of ${ciStack} is not what the workflows can use, so ${COORDINATES_FILE} was not written: ${(err as Error).message.split("\n").slice(1).join(";").trim()}`,
    );
  }
  const stacks = Object.keys(environments)
    .sort()
    .map(
      (env) =>
        `npm run bootstrap -- --stack ${env} --backend ${entries[env]!.backend} --secrets-provider ${typeof environments[env]!.secretsProvider === "string" ? environments[env]!.secretsProvider : "(missing)"}`,
    );
  const nextSteps = `  set up each environment's stack in its own backend, with its own key:\n${indent(stacks)}`;
  const step = "coordinates";
  if (changes.length === 0)
    return {
      step,
      status: "already",
      detail: `${COORDINATES_FILE} holds the ${Object.keys(entries).length} environments of ${ciStack} as its outputs give them\n${nextSteps}`,
    };
  const listed = `${COORDINATES_FILE} (+ added, ~ changed, - removed):\n${indent(changes)}`;
  if (dryRun) return { step, status: "would run", detail: `would write ${listed}\n${nextSteps}` };
  file.write(text);
  return {
    step,
    status: "done",
    detail: `wrote ${listed}\n  commit it: the workflows read it to know each environment's accounts and state (git add ${COORDINATES_FILE} && git commit)\n${nextSteps}`,
  };
}
