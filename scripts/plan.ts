/**
 * `npm run plan -- --stack NAME`: what a fresh `pulumi up` would create, offline. Thin: the core is
 * src/plan/. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { dirname, resolve } from "node:path";
import { readTextFile } from "../src/cli/input-file.ts";
import { runMain } from "../src/cli/main.ts";
import { planMain } from "../src/plan/cli.ts";

/** The project's root: stacks/ is read from there wherever the command is run from. */
const root = resolve(dirname(process.argv[1]!), "..");

runMain("plan", (ctx) => planMain(ctx, { root, readFile: readTextFile }));
