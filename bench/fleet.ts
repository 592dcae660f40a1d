/**
 * How the kit scales with the number of environments. Generates a fleet of environment stacks in a
 * temporary copy of the project (bench/fleet/generate.ts), then on this machine's cores: plans every
 * environment stack offline, processes side by side; plans the CI stack at several fleet sizes (time,
 * memory, resources per environment); and measures what Google limits (service accounts and custom
 * roles per project, principals per allow policy, conditional bindings, condition operators)
 * against Google's figures, saying which the design passes first and at how many environments.
 *
 *   npm run bench:fleet -- [--environments N] [--sizes 1,10,50,100,200] [--runs N] [--json]
 *
 * Sizes above N are left out, and N is always one. With --json the table goes to stderr and stdout
 * gets one JSON line with every figure. Progress goes to stderr.
 */

import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ciFigures,
  limitFigures,
  type EnvironmentShare,
  type PlanDocument,
} from "./fleet/analyse.ts";
import {
  ciStack,
  environmentName,
  environmentNames,
  fleetFiles,
  MAX_ENVIRONMENTS,
  previewed,
  templateOf,
  type FleetTemplates,
} from "./fleet/generate.ts";
import { limitRows, shareByTemplate, type FleetFigures, type SizeFigures } from "./fleet/limits.ts";
import { inParallel, median, rssMethod, runPlan, type Measured } from "./fleet/processes.ts";
import {
  renderReport,
  type EnvironmentPlans,
  type FleetReport,
  type SizeResult,
} from "./fleet/report.ts";

const ROOT = join(import.meta.dirname, "..");
/** What the offline plan reads: the program, its entry, the project and package files. */
const COPIED = ["Pulumi.yaml", "package.json", "tsconfig.json", "scripts", "src"];

const { values } = parseArgs({
  options: {
    environments: { type: "string", default: "200" },
    sizes: { type: "string", default: "1,10,50,100,200" },
    runs: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});
const count = (flag: string, text: string, most = Infinity): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > most)
    throw new Error(`--${flag} ${text}: expected a whole number from 1 to ${most}`);
  return n;
};
const n = count("environments", values.environments, MAX_ENVIRONMENTS);
const runs = count("runs", values.runs);
const sizes = [...new Set([...values.sizes.split(",").map((x) => count("sizes", x.trim())), n])]
  .filter((k) => k <= n)
  .sort((a, b) => a - b);
const cores = availableParallelism();
const progress = (text: string) => void process.stderr.write(`${text}\n`);

/** A copy of what the plan needs, stacks/ holding the fleet; the CI stack at each size under sizes/. */
function projectCopy(templates: FleetTemplates): string {
  const dir = mkdtempSync(join(tmpdir(), "gak-fleet-bench-"));
  for (const entry of COPIED) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "stacks"));
  for (const [file, text] of Object.entries(fleetFiles(templates, n)))
    writeFileSync(join(dir, "stacks", file), text);
  for (const k of sizes) {
    mkdirSync(join(dir, "sizes", String(k)), { recursive: true });
    writeFileSync(join(dir, "sizes", String(k), "Pulumi.ci.yaml"), ciStack(templates, k));
  }
  mkdirSync(join(dir, "scratch"));
  return dir;
}

/** The plan's document, or the message the command printed instead (a refused config). */
function planOf(m: Measured): { plan?: PlanDocument; refused?: string } {
  const doc = JSON.parse(m.stdout || "{}") as PlanDocument & { error?: { message?: string } };
  if (m.code === 0) return { plan: doc };
  return { refused: doc.error?.message ?? (m.stderr.trim() || `exit code ${String(m.code)}`) };
}

async function environmentPlans(dir: string) {
  const walls: number[] = [];
  let measured: Measured[] = [];
  for (let run = 1; run <= runs; run++) {
    const start = process.hrtime.bigint();
    measured = await inParallel(environmentNames(n), cores, (name) =>
      runPlan(dir, join(dir, "scratch"), ["--stack", name, "--json"]),
    );
    walls.push(Number(process.hrtime.bigint() - start) / 1e6);
    progress(`environment plans, run ${run}/${runs}: ${(walls.at(-1)! / 1000).toFixed(1)} s`);
  }
  const batches = Array.from({ length: cores }, (_, i) =>
    environmentNames(n).filter((_, j) => j % cores === i),
  ).filter((b) => b.length > 0);
  const batchWalls: number[] = [];
  let batched: Measured[] = [];
  for (let run = 1; run <= runs; run++) {
    const start = process.hrtime.bigint();
    batched = await inParallel(batches, cores, (names) =>
      runPlan(
        dir,
        join(dir, "scratch"),
        names.flatMap((name) => ["--stack", name]),
        "scripts/inventory.ts",
      ),
    );
    batchWalls.push(Number(process.hrtime.bigint() - start) / 1e6);
    progress(
      `environment plans in ${batches.length} processes, run ${run}/${runs}: ${(batchWalls.at(-1)! / 1000).toFixed(1)} s`,
    );
  }
  const batchRss = batched.flatMap((m) => m.rssKb ?? []);
  const rss = measured.flatMap((m) => m.rssKb ?? []);
  const failures = measured.filter((m) => m.code !== 0);
  const result: EnvironmentPlans = {
    runsMs: walls,
    wallMs: median(walls),
    planMs: median(measured.map((m) => m.ms)),
    rssKbMedian: rss.length ? median(rss) : undefined,
    rssKbMax: rss.length ? Math.max(...rss) : undefined,
    failed: failures.length,
    firstFailure: failures[0] && planOf(failures[0]).refused,
    batched: {
      runsMs: batchWalls,
      wallMs: median(batchWalls),
      rssKbMax: batchRss.length ? Math.max(...batchRss) : undefined,
      failed: batched.filter((m) => m.code !== 0).length,
    },
  };
  return { result, plans: measured.flatMap((m) => planOf(m).plan ?? []) };
}

interface CiRun {
  size: SizeResult;
  measured?: SizeFigures;
  /** At the full fleet only. */
  full?: { plan: PlanDocument; shares: Record<string, EnvironmentShare> };
}

/** The CI stack's plan at `k` environments; its plan document too at the full fleet. */
async function ciPlan(dir: string, k: number): Promise<CiRun> {
  const walls: number[] = [];
  let last: Measured | undefined;
  for (let run = 1; run <= runs; run++) {
    last = await runPlan(dir, join(dir, "scratch"), [
      "--file",
      `sizes/${k}/Pulumi.ci.yaml`,
      "--json",
    ]);
    walls.push(last.ms);
    progress(`CI stack, ${k} environments, run ${run}/${runs}: ${(last.ms / 1000).toFixed(1)} s`);
  }
  const { plan, refused } = planOf(last!);
  const base = { environments: k, runsMs: walls, wallMs: median(walls), rssKb: last!.rssKb };
  if (plan === undefined) return { size: { ...base, refused } };
  const f = ciFigures(plan);
  const limits = limitFigures(plan.resources);
  const size: SizeResult = {
    ...base,
    resources: f.resources,
    components: f.components,
    shared: f.shared,
    criticalPath: f.criticalPath,
    ciAccounts: limits.serviceAccountsByProject[plan.project] ?? 0,
    byTemplate: shareByTemplate(f.environments),
  };
  const measured: SizeFigures = { environments: k, figures: limits };
  return { size, measured, ...(k === n ? { full: { plan, shares: f.environments } } : {}) };
}

async function main(): Promise<void> {
  const start = loadavg();
  const read = (stack: string) =>
    readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");
  const templates: FleetTemplates = { dev: read("dev"), staging: read("staging"), ci: read("ci") };
  const dir = projectCopy(templates);
  try {
    // Strips the copy's TypeScript into the cache once, as every later run of a checkout finds it.
    const warm = await runPlan(dir, join(dir, "scratch"), ["--stack", environmentName(0)]);
    if (warm.code !== 0) throw new Error(`the first plan failed:\n${warm.stdout}${warm.stderr}`);
    const env = await environmentPlans(dir);
    const perSize: CiRun[] = [];
    for (const k of sizes) perSize.push(await ciPlan(dir, k));
    const full = perSize.at(-1)!.full;
    const fleet: FleetFigures | undefined =
      full === undefined
        ? undefined
        : {
            ciProject: full.plan.project,
            figures: limitFigures([
              ...full.plan.resources,
              ...env.plans.flatMap((p) => p.resources),
            ]),
            environments: full.shares,
          };
    const kinds: string[] = environmentNames(n).map((_, i) => templateOf(i));
    const firstOf = (t: string) => environmentName(kinds.indexOf(t));
    const report: FleetReport = {
      environments: n,
      byTemplate: Object.fromEntries(
        [...new Set(kinds)].map((t) => [t, kinds.filter((x) => x === t).length]),
      ),
      previewed: previewed(templates, n).length,
      runs,
      cores,
      node: process.version,
      load: { start, end: loadavg() },
      rssMethod,
      environmentPlans: env.result,
      stackCriticalPath: Object.fromEntries(
        [...new Set(kinds)].map((t) => [
          t,
          env.plans.find((p) => p.stack === firstOf(t))?.criticalPath.length ?? -1,
        ]),
      ),
      sizes: perSize.map((z) => z.size),
      limits:
        fleet === undefined
          ? []
          : limitRows(
              perSize.flatMap((z) => z.measured ?? []),
              fleet,
            ),
    };
    const text = renderReport(report);
    if (values.json) {
      process.stderr.write(text);
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else process.stdout.write(text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
