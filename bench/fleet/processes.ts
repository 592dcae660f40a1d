/**
 * Runs the offline plan as its own Node process, as `npm run plan` does, and measures it: wall
 * time, and peak resident memory from GNU time's %M where /usr/bin/time exists, else from the
 * process's own resourceUsage() at exit (a hook loaded with --import).
 */

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const GNU_TIME = "/usr/bin/time";

/** Writes the process's peak RSS (kB) to $GAK_BENCH_RSS at exit. */
const RSS_HOOK =
  "data:text/javascript,import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(process.env.GAK_BENCH_RSS,String(process.resourceUsage().maxRSS)))";

export interface Measured {
  ms: number;
  /** Peak resident set size, kB; undefined if it could not be read. */
  rssKb: number | undefined;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How peak memory is measured on this machine, for the report. */
export const rssMethod = existsSync(GNU_TIME)
  ? "/usr/bin/time -f %M"
  : "process.resourceUsage().maxRSS at exit";

let runs = 0;

/** Runs `node --import ./scripts/ts-cache.mjs SCRIPT ...args` in `root` (the plan by default); `scratch` holds the memory figure. */
export function runPlan(
  root: string,
  scratch: string,
  args: string[],
  script = "scripts/plan.ts",
): Promise<Measured> {
  const rssFile = join(scratch, `rss-${++runs}`);
  const node = [
    process.execPath,
    "--import",
    "./scripts/ts-cache.mjs",
    ...(existsSync(GNU_TIME) ? [] : ["--import", RSS_HOOK]),
    script,
    ...args,
  ];
  const [command, ...rest] = existsSync(GNU_TIME)
    ? [GNU_TIME, "-f", "%M", "-o", rssFile, ...node]
    : node;
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command!, rest, {
      cwd: root,
      env: { ...process.env, GAK_BENCH_RSS: rssFile },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({
        ms,
        rssKb: readRss(rssFile),
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/** GNU time writes "Command exited with non-zero status N" before the figure when the command fails. */
function readRss(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const last = readFileSync(file, "utf8").trim().split("\n").pop() ?? "";
  const kb = Number(last);
  return Number.isFinite(kb) && last !== "" ? kb : undefined;
}

/** `fn` over `items`, at most `width` at a time; results in the items' order. */
export async function inParallel<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

export function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
