/**
 * `npm run admin-changes -- --base REV`: the changes to the stack files since REV that an
 * administrator must review. Thin: the core is src/admin-changes/. Exit codes: see --help.
 */

import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { runMain } from "../src/cli/main.ts";
import { adminChangesMain } from "../src/admin-changes/cli.ts";
import { readOrUndefined, runProcess } from "./runner.ts";

/** The project's root: stacks/ is read from there wherever the command is run from. */
const root = resolve(dirname(process.argv[1]!), "..");

runMain("admin-changes", (ctx) =>
  adminChangesMain(ctx, {
    root,
    run: runProcess,
    readText: readOrUndefined,
    listStacks: () => readdirSync(join(root, "stacks")),
  }),
);
