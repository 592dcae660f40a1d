/**
 * The matrices the workflows run, computed from what is committed: stacks/deploy-waves.yaml, the
 * stack files, the CI stacks' config and the coordinates file. A deploy is a list of waves, each
 * split into chunks of at most MATRIX_LIMIT stacks (GitHub's limit on the jobs one matrix makes:
 * https://docs.github.com/en/actions/reference/limits, "Job Matrix"); each chunk holds the up of
 * each of its stacks and the rotation of its keyed ones. A pull request gets the previewed
 * environments, the rotation workflow the keyed ones. Every entry carries what its job needs: the
 * stack, the GitHub environment its trust names, the provider and account to authenticate with and
 * the state backend, so adding an environment changes no workflow.
 */

import { badInput } from "../cli/failure.ts";
import type { CoordinatesByStack } from "../ci-coordinates.ts";
import { governedStacks, type CiStackConfig, type GovernedStack } from "./matrix-check.ts";
import { WAVES_FILE, type DeployOrder } from "./waves.ts";

/** GitHub's limit on the jobs one matrix makes. */
export const MATRIX_LIMIT = 256;
/** The wave jobs .github/workflows/pulumi.yml has: wave-1 to wave-8. */
export const WAVE_JOBS = 8;
const DEPLOY_WORKFLOW = ".github/workflows/pulumi.yml";

/**
 * What one job's outputs may hold: 1 MB, counted as UTF-16 (GitHub's jobs.<job_id>.outputs:
 * "Outputs can be a maximum of 1 MB per job ... Size is approximated based on UTF-16 encoding").
 * The matrix job hands the whole JSON on as one output; about 1,300 stacks fill it.
 */
const JOB_OUTPUT_BYTES = 1_000_000;

/** The matrices as the matrix job's one output, or a Failure naming the limit it would pass. */
export function jobOutput(matrices: MatrixOutput): string {
  const text = JSON.stringify(matrices);
  if (text.length * 2 > JOB_OUTPUT_BYTES)
    throw badInput(
      `The matrices are ${text.length} characters, ${((text.length * 2) / 1e6).toFixed(1)} MB as GitHub counts a job's outputs (UTF-16); a job's outputs may hold 1 MB, so the matrix job could not hand them on.`,
      "Deploy fewer stacks from this repository's workflows (about 1,300 fit), or split the fleet across repositories.",
    );
  return text;
}

/** The events the workflows ask for: a deploy (push, schedule, manual run), previews, rotation. */
export const EVENTS = ["push", "schedule", "workflow_dispatch", "pull_request", "rotate"] as const;
export type MatrixEvent = (typeof EVENTS)[number];

/** One stack's up, as pulumi-up.yml's job reads it (`matrix.<field>`). */
interface UpEntry {
  stack: string;
  environment: string;
  workload_identity_provider: string;
  service_account: string;
  backend: string;
}
/** One stack's rotation, as rotate-keys.yml's job reads it. */
type RotationEntry = Omit<UpEntry, "backend">;
/** One stack's preview, as pulumi.yml's preview job reads it; it runs in no GitHub environment. */
type PreviewEntry = Omit<UpEntry, "environment">;

/** A matrix as `strategy.matrix` takes it. */
interface Matrix<T> {
  include: T[];
}
interface Chunk {
  up: Matrix<UpEntry>;
  rotate: Matrix<RotationEntry>;
}
interface Wave {
  wave: number;
  stacks: string[];
  chunks: Chunk[];
}

export type MatrixOutput =
  | { event: "push" | "schedule" | "workflow_dispatch"; waves: Wave[] }
  | { event: "pull_request"; previews: Matrix<PreviewEntry> }
  | { event: "rotate"; chunks: Matrix<RotationEntry>[] };

/** What the command reads, each file already parsed and checked on its own. */
export interface MatrixSources {
  order: DeployOrder;
  ci: CiStackConfig[];
  coordinates: CoordinatesByStack;
  /** Every stack with a file in stacks/. */
  committed: string[];
}

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += MATRIX_LIMIT) out.push(list.slice(i, i + MATRIX_LIMIT));
  return out;
}

function upEntry(stack: string, g: GovernedStack): UpEntry {
  return {
    stack,
    environment: g.coordinates.githubEnvironment,
    workload_identity_provider: g.coordinates.workloadIdentityProvider,
    service_account: g.coordinates.deployer,
    backend: g.coordinates.backend,
  };
}

/** The stack's rotation, for a stack whose config declares keys (its CI environment has a rotator). */
function rotationEntry(stack: string, g: GovernedStack): RotationEntry[] {
  const { rotator, rotationEnvironment } = g.coordinates;
  if (g.environment.rotator === undefined || rotator === undefined || !rotationEnvironment)
    return [];
  return [
    {
      stack,
      environment: rotationEnvironment,
      workload_identity_provider: g.coordinates.workloadIdentityProvider,
      service_account: rotator,
    },
  ];
}

function previewEntry(stack: string, g: GovernedStack): PreviewEntry[] {
  if (g.environment.previewer === undefined || g.coordinates.previewer === undefined) return [];
  return [
    {
      stack,
      workload_identity_provider: g.coordinates.workloadIdentityProvider,
      service_account: g.coordinates.previewer,
      backend: g.coordinates.backend,
    },
  ];
}

function tooManyWaves(count: number) {
  return badInput(
    `${WAVES_FILE} has ${count} waves; ${DEPLOY_WORKFLOW} deploys at most ${WAVE_JOBS}, one job each (wave-1 to wave-${WAVE_JOBS}).`,
    `Put the stacks in at most ${WAVE_JOBS} waves (a wave may hold many stacks: they run side by side, ${MATRIX_LIMIT} to a matrix), or add a job wave-${WAVE_JOBS + 1} to ${DEPLOY_WORKFLOW}, written as the others are, and raise WAVE_JOBS in src/deploy/matrix.ts.`,
  );
}

/** The matrices for `event`; a Failure naming each problem when the committed files disagree. */
export function ciMatrix(sources: MatrixSources, event: MatrixEvent): MatrixOutput {
  const { order } = sources;
  if (order.waves.length > WAVE_JOBS) throw tooManyWaves(order.waves.length);
  const governed = governedStacks(order, sources.ci, sources.coordinates, sources.committed);
  const at = (stack: string) => governed.get(stack)!;
  if (event === "pull_request") {
    const include = order.waves.flat().flatMap((s) => previewEntry(s, at(s)));
    if (include.length > MATRIX_LIMIT)
      throw badInput(
        `ci.previews lists ${include.length} environments; the preview job's matrix runs at most ${MATRIX_LIMIT} (GitHub's limit per matrix).`,
        `Preview at most ${MATRIX_LIMIT} environments from pull requests; the others get the offline plan.`,
      );
    return { event, previews: { include } };
  }
  if (event === "rotate") {
    const rotations = order.waves.flat().flatMap((s) => rotationEntry(s, at(s)));
    return { event, chunks: chunks(rotations).map((include) => ({ include })) };
  }
  const waves = order.waves.map((stacks, i) => ({
    wave: i + 1,
    stacks,
    chunks: chunks(stacks).map((part) => ({
      up: { include: part.map((s) => upEntry(s, at(s))) },
      rotate: { include: part.flatMap((s) => rotationEntry(s, at(s))) },
    })),
  }));
  return { event, waves };
}
