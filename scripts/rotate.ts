/**
 * `npm run rotate -- (--stack NAME | --outputs FILE) [options]`: parses arguments, builds the real
 * collaborators, runs the core and prints its report. Like verify, it runs on Node's own TypeScript
 * support and loads no Pulumi SDK. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { runMain } from "../src/cli/main.ts";
import { rotateMain } from "../src/rotate/cli.ts";
import { readInputFile } from "../src/verify/files.ts";
import { nodeFetch } from "../src/verify/transport.ts";
import { runForOutput, silenceLibraryLog } from "./runner.ts";

const libraryLog = silenceLibraryLog();

runMain("rotate", (ctx) =>
  rotateMain(ctx, {
    fetch: nodeFetch,
    clock: {
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
    },
    env: process.env,
    readFile: readInputFile,
    run: runForOutput,
    notice: libraryLog,
  }),
);
