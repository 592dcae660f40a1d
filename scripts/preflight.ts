/**
 * `npm run preflight -- --stack NAME [options]`: parses arguments, builds the real collaborators,
 * runs the core and prints its report. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { runMain } from "../src/cli/main.ts";
import { parsePreflightArgs, PREFLIGHT_HELP } from "../src/preflight/args.ts";
import { formatPreflightJson, formatPreflightText } from "../src/preflight/report.ts";
import { runPreflight } from "../src/preflight/run.ts";
import { readInputFile } from "../src/verify/files.ts";
import { nodeFetch } from "../src/verify/transport.ts";
import { runForOutput, silenceLibraryLog } from "./runner.ts";

/** The project's root: stacks/ is read from there wherever the command is run from. */
const root = resolve(dirname(process.argv[1]!), "..");
const libraryLog = silenceLibraryLog();

runMain("preflight", async (ctx) => {
  const options = parsePreflightArgs(ctx.argv);
  if (options.help) {
    ctx.out(PREFLIGHT_HELP);
    return 0;
  }
  if (libraryLog) ctx.err(libraryLog);
  const result = await runPreflight(options, {
    fetch: nodeFetch,
    clock: {
      now: Date.now,
      sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
      random: Math.random,
    },
    env: process.env,
    readFile: readInputFile,
    root,
    readText: (path) => readFileSync(path, "utf8"),
    run: runForOutput,
    progress: (line) => ctx.err(`${line}\n`),
    redactor: ctx.redactor,
  });
  ctx.out(options.json ? formatPreflightJson(result) : formatPreflightText(result));
  return result.exitCode;
});
