/**
 * `npm run e2e -- (--parent P --billing-account B | --project ID) [options]`, or `janitor`: a live
 * end-to-end run of the kit against real Google, each step a process of the kit's own commands or
 * of pulumi. Thin: the core is src/e2e/. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, resolve } from "node:path";
import { runMain } from "../src/cli/main.ts";
import { e2eMain } from "../src/e2e/cli.ts";
import { connectE2e, machineFacts } from "./e2e-google.ts";
import { runProcess, silenceLibraryLog } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");
// Switched off for this process and so for every command it starts, which inherit its environment.
const libraryLog = silenceLibraryLog();

runMain(
  "e2e",
  (ctx) => {
    if (libraryLog !== undefined) ctx.err(libraryLog);
    return e2eMain(ctx, {
      kitRoot: root,
      tempRoot: tmpdir(),
      run: runProcess,
      node: { path: process.execPath, flags: process.execArgv },
      connect: connectE2e,
      machine: () => machineFacts(),
      randomBytes: (n) => randomBytes(n),
      clock: {
        now: Date.now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      },
      // A cancelled CI job gets SIGINT, then SIGTERM: either runs the clean-up.
      onInterrupt: (handler) => {
        process.on("SIGINT", handler);
        process.on("SIGTERM", handler);
      },
    });
  },
  undefined,
  // e2e passes Ctrl-C on to the running step, then cleans up.
  { own: true },
);
