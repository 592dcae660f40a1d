/**
 * `npm run rotate -- (--stack NAME | --outputs FILE) [options]`: parses arguments, builds the real
 * collaborators, runs the core and prints its report. Like verify, it runs on Node's own TypeScript
 * support and loads no Pulumi SDK. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { runMain } from "../src/cli/main.ts";
import { jsonText } from "../src/cli/output.ts";
import { parseRotateArgs, ROTATE_HELP } from "../src/rotate/args.ts";
import { formatRotateJson, formatRotateText } from "../src/rotate/report.ts";
import { runRotate } from "../src/rotate/run.ts";
import { readInputFile } from "../src/verify/files.ts";
import { nodeFetch } from "../src/verify/transport.ts";
import { runForOutput, silenceLibraryLog } from "./runner.ts";

const libraryLog = silenceLibraryLog();

runMain("rotate", async (ctx) => {
  const options = parseRotateArgs(ctx.argv);
  if (options.help) {
    ctx.out(ROTATE_HELP);
    return 0;
  }
  if (libraryLog) ctx.err(libraryLog);
  const deps = {
    fetch: nodeFetch,
    clock: {
      now: Date.now,
      sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
    },
    env: process.env,
    readFile: readInputFile,
    run: runForOutput,
    progress: (line: string) => ctx.err(`${line}\n`),
    redactor: ctx.redactor,
  };
  if (options.command === "migrate") {
    const { formatMigrate, runMigrate } = await import("../src/rotate/migrate.ts");
    const migrated = await runMigrate(options, deps);
    ctx.out(
      options.json ? jsonText({ ...migrated, exitCode: undefined }) : formatMigrate(migrated),
    );
    return migrated.exitCode;
  }
  const result = await runRotate(options, deps);
  ctx.out(options.json ? formatRotateJson(result) : formatRotateText(result));
  return result.exitCode;
});
