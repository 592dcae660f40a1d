/**
 * `npm run plan -- --stack NAME`: what a fresh `pulumi up` would create, offline. Thin: the core is
 * src/plan/. Exit codes: 0 planned, 2 usage or config error. See --help.
 */

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { runPlanCli } from "../src/plan/cli.ts";
import { runMain } from "./runner.ts";

/** The project's root: stacks/ is read from there wherever the command is run from. */
const root = resolve(dirname(process.argv[1]!), "..");

runMain(() =>
  runPlanCli(process.argv.slice(2), {
    root,
    now: new Date(),
    readFile: (path) => readFileSync(path, "utf8"),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }),
);
