/**
 * `npm run bootstrap -- --stack NAME [--backend URL] [--secrets-provider URL] [--client-file FILE]`:
 * the one-time human steps for a new environment, idempotent. Thin: the core is src/bootstrap/.
 * Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { dirname, resolve } from "node:path";
import { bootstrapMain } from "../src/bootstrap/cli.ts";
import { readTextFile } from "../src/cli/input-file.ts";
import { runMain } from "../src/cli/main.ts";
import { localFiles } from "./local-files.ts";
import { readOrUndefined, runProcess } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");

runMain("bootstrap", (ctx) =>
  bootstrapMain(ctx, {
    root,
    run: runProcess,
    readFile: readTextFile,
    readText: readOrUndefined,
    writeText: localFiles.writeText,
  }),
);
