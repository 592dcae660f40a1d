/**
 * Times the whole test suite (`vitest run`, as `npm test` runs it after lint and type check) on this
 * machine, a fresh process each run. Prints the median wall time against the target, and from the
 * last run the test files that took longest, where the time goes.
 *
 *   npm run bench:tests -- [--runs N] [--top N]
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";

/** Seconds the suite may take on a 2-core machine. */
const TARGET_S = 20;
const ROOT = join(import.meta.dirname, "..");

const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, top: { type: "string", default: "10" } },
});
const runs = Number(values.runs);

/** Vitest's JSON report: one entry per test file, with when it started and ended. */
interface Report {
  success: boolean;
  numTotalTests: number;
  testResults: { name: string; startTime: number; endTime: number }[];
}

const work = mkdtempSync(join(tmpdir(), "gak-bench-tests-"));
try {
  const walls: number[] = [];
  let report: Report | undefined;
  for (let i = 0; i < runs; i++) {
    const out = join(work, `report-${i}.json`);
    const start = process.hrtime.bigint();
    const run = spawnSync(
      join(ROOT, "node_modules", ".bin", "vitest"),
      ["run", "--reporter=json", `--outputFile=${out}`],
      { cwd: ROOT, encoding: "utf8" },
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    report = JSON.parse(readFileSync(out, "utf8")) as Report;
    if (!report.success)
      throw new Error(`the suite failed on run ${i + 1}:\n${run.stderr.slice(-2000)}`);
    walls.push(seconds);
    process.stderr.write(`run ${i + 1}/${runs}: ${seconds.toFixed(1)} s\n`);
  }
  const median = [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)]!;
  const files = report!.testResults
    .map((f) => ({ file: relative(ROOT, f.name), s: (f.endTime - f.startTime) / 1000 }))
    .sort((a, b) => b.s - a.s);
  console.log(
    `vitest run: median ${median.toFixed(1)} s over ${runs} runs, ${report!.numTotalTests} tests, ${files.length} files, ${availableParallelism()} cores`,
  );
  console.log(`target <= ${TARGET_S} s: ${median <= TARGET_S ? "met" : "NOT met"}`);
  console.log(`slowest files (last run, seconds each file ran):`);
  for (const f of files.slice(0, Number(values.top)))
    console.log(`  ${f.s.toFixed(1).padStart(5)}  ${f.file}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
