/**
 * `npm run deploy -- (--stack NAME ... | --all) [--preview]`: pulumi up or preview for many stacks,
 * wave by wave, with progress, a summary table and a verify gate per stack. Thin: the core is
 * src/deploy/. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { badInput } from "../src/cli/failure.ts";
import { runMain } from "../src/cli/main.ts";
import { jsonText } from "../src/cli/output.ts";
import { Interruption } from "../src/cli/process.ts";
import { stackNames } from "../src/cli/stacks.ts";
import { DEPLOY_HELP, parseDeployArgs } from "../src/deploy/args.ts";
import { LineDisplay, TtyDisplay } from "../src/deploy/display.ts";
import { preflightOutcome } from "../src/deploy/preflight-outcome.ts";
import { formatSummary, runDeploy } from "../src/deploy/run.ts";
import { verifyOutcome } from "../src/deploy/verify-outcome.ts";
import { parseWaves, WAVES_FILE, type DeployOrder } from "../src/deploy/waves.ts";
import { readOrUndefined, runProcess } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");

function waves(committed: string[]): DeployOrder {
  const text = readOrUndefined(join(root, WAVES_FILE));
  if (text === undefined)
    throw badInput(
      `There is no ${WAVES_FILE}, so deploy cannot tell which stacks go first.`,
      "Restore it from the repository, or write one: waves: [[dev], [staging], [prod]].",
    );
  return parseWaves(text, committed);
}

runMain("deploy", async (ctx) => {
  const committed = stackNames(readdirSync(join(root, "stacks")));
  const options = parseDeployArgs(ctx.argv, committed, () => waves(committed));
  if (options.help) {
    ctx.out(DEPLOY_HELP);
    return 0;
  }
  const interruption = new Interruption();
  process.on("SIGINT", () => {
    ctx.err(
      "\nInterrupted: passing it to the running pulumi commands; no more stacks start. Ctrl-C again forces them to stop.\n",
    );
    interruption.interrupt();
  });
  const tempDir = mkdtempSync(join(tmpdir(), "gak-deploy-"));
  const tty = process.stderr.isTTY === true && !options.json;
  const display = tty
    ? new TtyDisplay(ctx.styled.err, Date.now, () => process.stderr.columns || 80)
    : new LineDisplay(ctx.err);
  // Another command of the kit, with this process's Node and its flags (the stripped-TypeScript cache), read from its --json.
  const command =
    <T>(
      name: string,
      read: (exitCode: number, stdout: string, stderr: string) => T,
      flags: string[] = [],
    ) =>
    async (stack: string): Promise<T> => {
      const r = await runProcess(
        process.execPath,
        [
          ...process.execArgv,
          join(root, "scripts", `${name}.ts`),
          "--stack",
          stack,
          ...flags,
          "--json",
        ],
        { interruption },
      );
      return read(r.exitCode, r.stdout, r.stderr);
    };
  if (options.command === "up" && !options.preflight)
    ctx.err("Preflight skipped (--skip-preflight): no checks before up.\n");
  try {
    const summary = await runDeploy(options, {
      run: runProcess,
      preflight: command("preflight", preflightOutcome),
      // --probe: the gate calls a model (countTokens, free), not only lists them.
      verify: command("verify", verifyOutcome, ["--probe"]),
      readText: readOrUndefined,
      tempDir,
      now: Date.now,
      display,
      interruption,
    });
    ctx.out(
      options.json
        ? jsonText({ ok: summary.ok, interrupted: summary.interrupted, stacks: summary.stacks })
        : formatSummary(summary),
    );
    return summary.exitCode;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
});
