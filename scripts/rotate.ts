/**
 * `npm run rotate -- (--stack NAME | --outputs FILE) [options]`: parses arguments, builds the real
 * collaborators, runs the core and prints its report. Like verify, it runs on Node's own TypeScript
 * support and loads no Pulumi SDK. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { runMain } from "../src/cli/main.ts";
import { machine } from "./machine.ts";
import { rotateMain } from "../src/rotate/cli.ts";
import { silenceLibraryLog } from "./runner.ts";

const libraryLog = silenceLibraryLog();

runMain(
  "rotate",
  (ctx) =>
    rotateMain(ctx, {
      ...machine(),
      notice: libraryLog,
    }),
  undefined,
  {
    leaves:
      "A rotation under way leaves its note in the secret: the first run after its lease (the proof timeout and 15 minutes) finishes or undoes what it began, and a run before then stops with ROTATION_UNSAFE, changing nothing.",
  },
);
