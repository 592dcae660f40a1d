/**
 * Times `npm run ci-matrix` as the workflows run it (a new process each run: node, the
 * stripped-TypeScript cache, scripts/ci-matrix.ts) over a generated fleet of 200 environment stacks
 * in 4 waves, every third with a key, every fifth previewed, for each event. Target: under 1 s per
 * run on a 2-core machine. Prints the median and the slowest run of each.
 *
 *   npm run bench:matrix -- [--runs N] [--stacks N]
 */

import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fleetFiles } from "../test/helpers/fleet.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "7" }, stacks: { type: "string", default: "200" } },
});
const runs = Number(values.runs);
const ROOT = join(import.meta.dirname, "..");

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A copy of the kit's code (node_modules linked) with the fleet's files as its committed ones. */
function fleetProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "gak-matrix-bench-"));
  for (const entry of ["scripts", "src"])
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  const files = fleetFiles({
    stacks: Number(values.stacks),
    waves: 4,
    previewed: (i) => i % 5 === 0,
  });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function time(dir: string, event: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    ["--import", "./scripts/ts-cache.mjs", "scripts/ci-matrix.ts", "--event", event],
    { cwd: dir, encoding: "utf8" },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0)
    throw new Error(`ci-matrix --event ${event} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return ms;
}

const dir = fleetProject();
try {
  const events = ["push", "pull_request", "rotate"];
  time(dir, "push"); // warms the stripped-TypeScript cache, as any second run finds it
  const times = new Map<string, number[]>(events.map((e) => [e, []]));
  for (let i = 0; i < runs; i++) for (const e of events) times.get(e)!.push(time(dir, e));
  console.log(
    `ci-matrix over ${values.stacks} stacks, ${runs} runs each, interleaved (target: under 1000 ms):`,
  );
  for (const [event, list] of times)
    console.log(
      `  --event ${event.padEnd(14)} median ${median(list).toFixed(0)} ms, slowest ${Math.max(...list).toFixed(0)} ms`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
