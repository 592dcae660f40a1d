/**
 * `npm run bootstrap -- --stack NAME [--backend URL] [--secrets-provider URL] [--client-file FILE]`:
 * the one-time human steps for a new environment, idempotent. Thin: the core is src/bootstrap/.
 * Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BOOTSTRAP_HELP, parseBootstrapArgs } from "../src/bootstrap/args.ts";
import { runBootstrap } from "../src/bootstrap/run.ts";
import { stackFileFacts } from "../src/bootstrap/stack-facts.ts";
import { runMain } from "../src/cli/main.ts";
import { jsonText } from "../src/cli/output.ts";
import { stackFileName } from "../src/cli/stacks.ts";
import { readOrUndefined, runProcess } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");

runMain("bootstrap", async (ctx) => {
  const options = parseBootstrapArgs(ctx.argv);
  if (options.help) {
    ctx.out(BOOTSTRAP_HELP);
    return 0;
  }
  const { steps, exitCode } = await runBootstrap(options, {
    run: runProcess,
    readFile: (path) => readFileSync(path, "utf8"),
    stackFile: stackFileFacts(
      options.stack,
      readOrUndefined(join(root, stackFileName(options.stack))),
    ),
    say: (line) => {
      if (!options.json) ctx.out(`${line}\n`);
    },
  });
  if (options.json)
    ctx.out(jsonText({ ok: exitCode === 0, command: "bootstrap", stack: options.stack, steps }));
  return exitCode;
});
