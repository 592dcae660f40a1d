/**
 * `npm run deploy -- (--stack NAME ... | --all) [--preview]`: pulumi up or preview for many stacks,
 * a few at a time, with progress, a summary table and a verify gate per stack. Thin: the core is
 * src/deploy/. Exit codes: 0 all ok, 1 a stack failed, 2 usage error. See --help.
 */

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { stackNames, UsageError } from "../src/cli/process.ts";
import { DEPLOY_HELP, parseDeployArgs } from "../src/deploy/args.ts";
import { LineDisplay, TtyDisplay } from "../src/deploy/display.ts";
import { formatSummary, runDeploy } from "../src/deploy/run.ts";
import { verifyOutcome } from "../src/deploy/verify-outcome.ts";
import { readOrUndefined, runMain, runProcess } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");

async function main(): Promise<number> {
  let options;
  try {
    options = parseDeployArgs(process.argv.slice(2), stackNames(readdirSync(join(root, "stacks"))));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(DEPLOY_HELP);
    return 0;
  }
  const tempDir = mkdtempSync(join(tmpdir(), "gak-deploy-"));
  const write = (text: string) => process.stderr.write(text);
  const display = process.stderr.isTTY && !options.json ? new TtyDisplay(write, Date.now) : new LineDisplay(write);
  // The verify command with this process's Node and its flags (the stripped-TypeScript cache).
  const verifyScript = join(root, "scripts", "verify.ts");
  try {
    const summary = await runDeploy(options, {
      run: runProcess,
      verify: async (stack) => {
        const r = await runProcess(process.execPath, [...process.execArgv, verifyScript, "--stack", stack, "--json"]);
        return verifyOutcome(r.exitCode, r.stdout, r.stderr);
      },
      readText: readOrUndefined,
      tempDir,
      now: Date.now,
      display,
    });
    process.stdout.write(options.json ? `${JSON.stringify({ ok: summary.ok, stacks: summary.stacks }, null, 2)}\n` : formatSummary(summary));
    return summary.exitCode;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

runMain(main);
