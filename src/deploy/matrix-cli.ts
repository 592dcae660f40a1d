/**
 * `npm run ci-matrix -- [--event EVENT]`: the matrices a workflow runs, as one line of JSON its
 * `fromJSON` reads. It reads only committed files and holds no credential, so the workflows compute
 * it in a job of its own before any job authenticates (scripts/ci-matrix.ts is its entry).
 */

import { join } from "node:path";
import { badInput, exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine, type MainContext } from "../cli/main.ts";
import { stackFileName, stackNames } from "../cli/stacks.ts";
import { COORDINATES_FILE, parseCoordinates } from "../ci-coordinates.ts";
import { parseCiConfig } from "../config/ci.ts";
import { isCiStack } from "../config/decode.ts";
import { ConfigError } from "../config/problems.ts";
import { parseStackFile, type StackFile } from "../config/stack-file.ts";
import {
  ciMatrix,
  EVENTS,
  jobOutput,
  MATRIX_LIMIT,
  WAVE_JOBS,
  type MatrixEvent,
} from "./matrix.ts";
import type { CiStackConfig } from "./matrix-check.ts";
import { parseWaves, WAVES_FILE } from "./waves.ts";

export const CI_MATRIX_HELP = `Usage: npm run ci-matrix -- [--event push|schedule|workflow_dispatch|pull_request|rotate]

Prints, as one line of JSON, the matrices the workflows run, from the committed files only:
${WAVES_FILE}, the stack files, the CI stacks' config and ${COORDINATES_FILE}.

  push, schedule, workflow_dispatch (the default is push)
      {"event","waves":[{"wave":N,"stacks":[...],"chunks":[{"up":{"include":[...]},
      "rotate":{"include":[...]}}]}]}: each wave of ${WAVES_FILE} in order, its stacks in chunks
      of at most ${MATRIX_LIMIT} (GitHub's limit per matrix); "up" has one entry per stack, "rotate"
      one per stack whose config declares keys (createKey accounts, an apiKey or a
      vertex.apiKey). At most ${WAVE_JOBS} waves: .github/workflows/pulumi.yml has that many wave jobs.
  pull_request
      {"event","previews":{"include":[...]}}: the environments in ci.previews.
  rotate
      {"event","chunks":[{"include":[...]}]}: every stack whose config declares keys.

Each entry holds stack, environment (the GitHub environment of its job), workload_identity_provider,
service_account (the deployer, previewer or rotator) and, for up and preview, backend.

It fails, naming each problem, when a stack of a wave has no entry in ${COORDINATES_FILE} (an
administrator has not applied its CI stack and run npm run bootstrap -- --stack CI since it was
added), when an entry differs from what its CI stack's config makes, or names a stack that does
not exist or that no CI stack governs, and when the JSON would pass the 1 MB a job's outputs may
hold (GitHub counts them as UTF-16: about 1,300 stacks).

Options:
  --event EVENT    which matrices (default push)
${commonHelp(19)}
${exitCodesHelp({ ok: "the matrices are printed" })}`;

export interface CiMatrixDeps {
  /** The project's root, where stacks/ and .github/ are. */
  root: string;
  /** The file names in stacks/. */
  listStacks: () => string[];
  /** A file's text, or undefined when there is none. */
  readText: (path: string) => string | undefined;
}

function parseEvent(argv: string[]): { help: boolean; event: MatrixEvent } {
  const { values } = parseCommandLine("ci-matrix", argv, { event: { type: "string" } });
  const event = values.event ?? "push";
  if (!(EVENTS as readonly string[]).includes(event))
    throw usage(
      `--event ${event} is not one of ${EVENTS.join(", ")}.`,
      "Pass github.event_name, or rotate.",
    );
  return { help: values.help, event: event as MatrixEvent };
}

/** Each committed stack file, read once. */
function stackFiles(deps: CiMatrixDeps): Map<string, StackFile> {
  const files = new Map<string, StackFile>();
  for (const stack of stackNames(deps.listStacks())) {
    const text = deps.readText(join(deps.root, stackFileName(stack)));
    if (text !== undefined) files.set(stack, parseStackFile(text, stackFileName(stack)));
  }
  return files;
}

/** Each CI stack's config, checked as its own up checks it. */
function ciStacks(files: Map<string, StackFile>): CiStackConfig[] {
  return [...files]
    .filter(([, file]) => isCiStack(file.raw))
    .map(([stack, file]) => {
      const { config, problems } = parseCiConfig(file.raw, {
        stack,
        secretKeys: new Set(file.encrypted),
        secretsProvider: file.secretsProvider,
        readStack: (s) => files.get(s),
      });
      if (config === undefined) throw new ConfigError(stackFileName(stack), problems);
      return { stack, config };
    });
}

function required(deps: CiMatrixDeps, file: string, fix: string): string {
  const text = deps.readText(join(deps.root, file));
  if (text === undefined) throw badInput(`There is no ${file}.`, fix);
  return text;
}

export function ciMatrixMain(ctx: MainContext, deps: CiMatrixDeps): Promise<number> {
  const { help, event } = parseEvent(ctx.argv);
  if (help) {
    ctx.out(CI_MATRIX_HELP);
    return Promise.resolve(0);
  }
  const files = stackFiles(deps);
  const ci = ciStacks(files);
  const committed = [...files.keys()];
  const order = parseWaves(
    required(
      deps,
      WAVES_FILE,
      "Restore it from the repository, or write one: waves: [[dev], [staging], [prod]].",
    ),
    committed,
    ci.map((c) => c.stack),
  );
  const coordinates = parseCoordinates(
    required(
      deps,
      COORDINATES_FILE,
      "An administrator writes it from the CI stack's outputs (npm run bootstrap -- --stack ci, after npm run deploy -- --stack ci) and commits it.",
    ),
  );
  ctx.out(`${jobOutput(ciMatrix({ order, ci, coordinates, committed }, event))}\n`);
  return Promise.resolve(0);
}
