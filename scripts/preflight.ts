/**
 * `npm run preflight -- --stack NAME [options]`: parses arguments, builds the real collaborators,
 * runs the core and prints its report. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { dirname, resolve } from "node:path";
import { readTextFile } from "../src/cli/input-file.ts";
import { runMain } from "../src/cli/main.ts";
import { machine } from "./machine.ts";
import { preflightMain } from "../src/preflight/cli.ts";
import { silenceLibraryLog } from "./runner.ts";

/** The project's root: stacks/ is read from there wherever the command is run from. */
const root = resolve(dirname(process.argv[1]!), "..");
const libraryLog = silenceLibraryLog();

runMain("preflight", (ctx) =>
  preflightMain(ctx, {
    ...machine(),
    root,
    readText: readTextFile,
    notice: libraryLog,
  }),
);
