/**
 * `npm run ci-matrix -- [--event EVENT]`: the workflows' matrices, as one line of JSON, from the
 * committed files only. Thin: the core is src/deploy/matrix.ts. Exit codes: see --help.
 */

import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { runMain } from "../src/cli/main.ts";
import { ciMatrixMain } from "../src/deploy/matrix-cli.ts";
import { readOrUndefined } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");

runMain("ci-matrix", (ctx) =>
  ciMatrixMain(ctx, {
    root,
    listStacks: () => readdirSync(join(root, "stacks")),
    readText: readOrUndefined,
  }),
);
