/**
 * `npm run rotate -- (--stack NAME | --outputs FILE) [options]`: parses arguments, builds the real
 * collaborators, runs the core and prints its report. Like verify, it runs on Node's own TypeScript
 * support and loads no Pulumi SDK. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { execa } from "execa";
import { runMain } from "../src/cli/main.ts";
import { jsonText } from "../src/cli/output.ts";
import { parseRotateArgs, ROTATE_HELP } from "../src/rotate/args.ts";
import { formatRotateJson, formatRotateText } from "../src/rotate/report.ts";
import { runRotate } from "../src/rotate/run.ts";
import type { Runner } from "../src/verify/facts.ts";
import { readInputFile } from "../src/verify/files.ts";
import { nodeFetch } from "../src/verify/transport.ts";

const runPulumi: Runner = async (file, args) => {
  const result = await execa(file, args, { reject: false, stdin: "ignore" });
  if (result.exitCode === undefined) throw new Error(`${file} could not be started`);
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
};

// google-auth-library's debug log prints request and response bodies, tokens among them, past every redactor.
const libraryLogging = process.env.GOOGLE_SDK_NODE_LOGGING;
delete process.env.GOOGLE_SDK_NODE_LOGGING;

runMain("rotate", async (ctx) => {
  const options = parseRotateArgs(ctx.argv);
  if (options.help) {
    ctx.out(ROTATE_HELP);
    return 0;
  }
  if (libraryLogging) ctx.err("GOOGLE_SDK_NODE_LOGGING is ignored: google-auth-library's debug log would print tokens.\n");
  const deps = {
    fetch: nodeFetch,
    clock: { now: Date.now, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), random: Math.random },
    env: process.env,
    readFile: readInputFile,
    run: runPulumi,
    progress: (line: string) => ctx.err(`${line}\n`),
    redactor: ctx.redactor,
  };
  if (options.command === "migrate") {
    const { formatMigrate, runMigrate } = await import("../src/rotate/migrate.ts");
    const migrated = await runMigrate(options, deps);
    ctx.out(options.json ? jsonText({ ...migrated, exitCode: undefined }) : formatMigrate(migrated));
    return migrated.exitCode;
  }
  const result = await runRotate(options, deps);
  ctx.out(options.json ? formatRotateJson(result) : formatRotateText(result));
  return result.exitCode;
});
