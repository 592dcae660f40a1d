/**
 * The CI coordinates file, `.github/gak-environments.json`: per environment stack, what its jobs in
 * GitHub Actions authenticate with (the Workload Identity provider and the account of each job), the
 * GitHub environment each job runs in, and where its state is. None of it is secret; all of it comes
 * from a CI stack's outputs, written by that stack's bootstrap (npm run bootstrap -- --stack CI) and
 * committed, so adding an environment edits no workflow and sets no repository variable. The
 * workflows read it through npm run ci-matrix, which checks it against the committed stacks.
 */

import { badInput } from "./cli/failure.ts";
import { record } from "./json.ts";

export const COORDINATES_FILE = ".github/gak-environments.json";

/** One environment stack's coordinates, as its CI stack's outputs give them. */
export interface Coordinates {
  /** The CI stack whose outputs these are: its bootstrap rewrites only its own entries. */
  ciStack: string;
  /** The GitHub environment the deploy job runs in, which the deployer's trust names. */
  githubEnvironment: string;
  /** `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`. */
  workloadIdentityProvider: string;
  /** The account the deploy job acts as. */
  deployer: string;
  /** The account a pull request's preview acts as, for environments in ci.previews. */
  previewer?: string;
  /** The account the rotation job acts as, for environments whose stack declares keys. */
  rotator?: string;
  /** The GitHub environment the rotation job runs in, which the rotator's trust names. */
  rotationEnvironment?: string;
  /** The environment stack's state backend, `gs://BUCKET`. */
  backend: string;
}

/** Coordinates by environment stack name. */
export type CoordinatesByStack = Record<string, Coordinates>;

const FIELDS: (keyof Coordinates)[] = [
  "ciStack",
  "githubEnvironment",
  "workloadIdentityProvider",
  "deployer",
  "previewer",
  "rotator",
  "rotationEnvironment",
  "backend",
];
const OPTIONAL = new Set<keyof Coordinates>(["previewer", "rotator", "rotationEnvironment"]);

/** What each field must look like; a value a workflow hands to auth or to Pulumi is never free text. */
const SHAPES: Partial<Record<keyof Coordinates, [RegExp, string]>> = {
  workloadIdentityProvider: [
    /^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]+\/providers\/[a-z0-9-]+$/,
    "projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER",
  ],
  deployer: [
    /^[a-z][a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/,
    "a service account's e-mail",
  ],
  previewer: [
    /^[a-z][a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/,
    "a service account's e-mail",
  ],
  rotator: [
    /^[a-z][a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/,
    "a service account's e-mail",
  ],
  backend: [/^gs:\/\/[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, "gs://BUCKET"],
  ciStack: [/^[A-Za-z0-9_.-]{1,100}$/, "a stack name"],
  githubEnvironment: [/^[A-Za-z0-9_.-]{1,255}$/, "a GitHub environment's name"],
  rotationEnvironment: [/^[A-Za-z0-9_.-]{1,255}$/, "a GitHub environment's name"],
};

const FIX = `Run npm run bootstrap -- --stack CI (CI: the CI stack that governs the environment) to write ${COORDINATES_FILE} again from its outputs, and commit it; do not edit it by hand.`;

/** Every problem of one entry, as `stack.field: what is wrong`. */
function entryProblems(stack: string, entry: Record<string, unknown>): string[] {
  const problems = Object.keys(entry)
    .filter((k) => !(FIELDS as string[]).includes(k))
    .map((k) => `${stack}.${k} is not a field of an entry (${FIELDS.join(", ")})`);
  for (const field of FIELDS) {
    const value = entry[field];
    if (value === undefined) {
      if (!OPTIONAL.has(field)) problems.push(`${stack}.${field} is missing`);
      continue;
    }
    const [shape, what] = SHAPES[field]!;
    if (typeof value !== "string" || !shape.test(value))
      problems.push(`${stack}.${field} is ${JSON.stringify(value)}, not ${what}`);
  }
  if ((entry.rotator === undefined) !== (entry.rotationEnvironment === undefined))
    problems.push(`${stack} has one of rotator and rotationEnvironment without the other`);
  return problems;
}

/** The file's entries; a file that is not one is a Failure listing every problem. */
export function parseCoordinates(text: string): CoordinatesByStack {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw badInput(`${COORDINATES_FILE} is not JSON: ${(err as Error).message}.`, FIX);
  }
  const environments = record(record(doc)?.environments);
  if (environments === undefined)
    throw badInput(`${COORDINATES_FILE} has no "environments" map of stack names.`, FIX);
  const problems: string[] = [];
  for (const [stack, entry] of Object.entries(environments)) {
    const fields = record(entry);
    if (fields === undefined) problems.push(`${stack} is not an object`);
    else problems.push(...entryProblems(stack, fields));
  }
  if (problems.length > 0)
    throw badInput(
      `${COORDINATES_FILE} has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      FIX,
    );
  return environments as unknown as CoordinatesByStack;
}

const ABOUT = `Where each environment stack's GitHub Actions jobs authenticate and keep state: not secret. Written by npm run bootstrap -- --stack CI from that CI stack's outputs (its entries only) and committed; the workflows read it through npm run ci-matrix. Do not edit it by hand. docs/ci.md, "The coordinates file".`;

/** The file's text: stacks sorted, fields in one order, so a rewrite changes only what changed. */
export function renderCoordinates(entries: CoordinatesByStack): string {
  const environments = Object.fromEntries(
    Object.keys(entries)
      .sort()
      .map((stack) => {
        const entry = entries[stack]!;
        return [
          stack,
          Object.fromEntries(
            FIELDS.flatMap((f) => (entry[f] === undefined ? [] : [[f, entry[f]]])),
          ),
        ];
      }),
  );
  return `${JSON.stringify({ $comment: ABOUT, environments }, null, 2)}\n`;
}
