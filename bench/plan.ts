/**
 * Times `npm run plan` end to end (a new process each run, as a person or CI runs it) for the
 * committed dev stack and for a generated stack with 50 service accounts, 20 of them with a key
 * secret (the most one rotator can be granted).
 * Prints the median and the slowest run of each.
 *
 *   npm run bench:plan -- [--runs N]
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);

function fleetStack(accounts: number): string {
  const entries = Array.from({ length: accounts }, (_, i) =>
    [
      `    svc${i}:`,
      "      roles: [roles/serviceusage.serviceUsageConsumer]",
      ...(i < 20
        ? ["      createKey: true", `      keyReaders: ["account:svc${(i + 1) % accounts}"]`]
        : [`      impersonators: ["account:svc${(i + 1) % accounts}"]`]),
    ].join("\n"),
  );
  return [
    "config:",
    "  gcp:project: acme-gemini-fleet",
    "  gemini-access-kit:serviceAccounts:",
    ...entries,
    "",
  ].join("\n");
}

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function time(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync("npm", ["run", "-s", "plan", "--", ...args], { encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(
      `npm run plan -- ${args.join(" ")} exited ${result.status}: ${result.stderr.slice(0, 500)}`,
    );
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), "gak-plan-bench-"));
try {
  const fleet = join(dir, "Pulumi.fleet.yaml");
  writeFileSync(fleet, fleetStack(50));
  const cases: [string, string[]][] = [
    ["dev stack", ["--stack", "dev"]],
    ["50 service accounts, 20 with keys", ["--file", fleet]],
  ];
  time(cases[0]![1]); // warms the stripped-TypeScript cache, as any second run finds it
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++)
    for (const [name, args] of cases) times.get(name)!.push(time(args));
  console.log(`npm run plan, ${runs} runs each, interleaved:`);
  for (const [name, list] of times)
    console.log(
      `  ${name.padEnd(32)} median ${median(list).toFixed(0)} ms, slowest ${Math.max(...list).toFixed(0)} ms`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
