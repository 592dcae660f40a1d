/**
 * `npm run deploy -- (--stack NAME ... | --all) [--preview]`: pulumi up or preview for many stacks,
 * wave by wave, with progress, a summary table and a verify gate per stack. Thin: the core is
 * src/deploy/. Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { runMain } from "../src/cli/main.ts";
import { deployMain } from "../src/deploy/cli.ts";
import { readOrUndefined, runProcess } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");

runMain(
  "deploy",
  (ctx) =>
    deployMain(ctx, {
      root,
      run: runProcess,
      // Another command of the kit, with this process's Node and its flags (the stripped-TypeScript
      // cache), read from its --json.
      command: async (name, stack, flags, interruption) =>
        runProcess(
          process.execPath,
          [
            ...process.execArgv,
            join(root, "scripts", `${name}.ts`),
            "--stack",
            stack,
            ...flags,
            "--json",
          ],
          { interruption },
        ),
      readText: readOrUndefined,
      listStacks: () => readdirSync(join(root, "stacks")),
      tempDir: () => {
        const path = mkdtempSync(join(tmpdir(), "gak-deploy-"));
        return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
      },
      now: Date.now,
      terminalColumns:
        process.stderr.isTTY === true ? () => process.stderr.columns || 80 : undefined,
      onInterrupt: (handler) => process.on("SIGINT", handler),
    }),
  undefined,
  // Deploy passes Ctrl-C on to the stack's pulumi and reports what finished.
  { own: true },
);
