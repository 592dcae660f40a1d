/**
 * `npm run pulumi-tools -- <check|pin|install> [options]`: the exact Pulumi CLI and plugins CI runs,
 * pinned by SHA-256 in .github/pulumi-tools.json. Thin: the core is src/tools/. It runs where only
 * the production dependencies are installed (npm ci --omit=dev), so it loads node's modules, execa
 * and yaml, nothing else. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { dirname, resolve } from "node:path";
import { runMain } from "../src/cli/main.ts";
import { toolsMain } from "../src/tools/cli.ts";
import { localFiles } from "./local-files.ts";
import { runProcess } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");

runMain(
  "pulumi-tools",
  (ctx) =>
    toolsMain(ctx, {
      root,
      env: process.env,
      platform: `${process.platform}-${process.arch}`,
      run: runProcess,
      files: localFiles,
    }),
  undefined,
  {
    leaves:
      "A partial download may be left in --dir or the system's temporary folder; nothing unchecked was unpacked or run. Run the command again.",
  },
);
