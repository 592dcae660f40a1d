/**
 * `npm run inventory [-- --check]`: each committed stack's resources and what decides their identity,
 * written to inventory/<stack>.json. Thin: the core is src/plan/inventory-cli.ts. Exit codes: see --help.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { readTextFile } from "../src/cli/input-file.ts";
import { dirname, resolve } from "node:path";
import { runMain } from "../src/cli/main.ts";
import { inventoryMain } from "../src/plan/inventory-cli.ts";

const root = resolve(dirname(process.argv[1]!), "..");

runMain("inventory", (ctx) =>
  inventoryMain(ctx, {
    root,
    readFile: readTextFile,
    writeFile: (path, text) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
  }),
);
