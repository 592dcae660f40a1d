/**
 * `npm run bootstrap -- --stack NAME [--backend URL] [--secrets-provider URL] [--client-file FILE]`:
 * the one-time human steps for a new environment, idempotent. Thin: the core is src/bootstrap/.
 * Exit codes: 0 done, 1 a step failed, 2 usage error. See --help.
 */

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BOOTSTRAP_HELP, parseBootstrapArgs } from "../src/bootstrap/args.ts";
import { runBootstrap } from "../src/bootstrap/run.ts";
import { stackFileFacts } from "../src/bootstrap/stack-facts.ts";
import { UsageError } from "../src/cli/process.ts";
import { readOrUndefined, runMain, runProcess } from "./runner.ts";

const root = resolve(dirname(process.argv[1]!), "..");

async function main(): Promise<number> {
  let options;
  try {
    options = parseBootstrapArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(BOOTSTRAP_HELP);
    return 0;
  }
  const { exitCode } = await runBootstrap(options, {
    run: runProcess,
    readFile: (path) => readFileSync(path, "utf8"),
    stackFile: stackFileFacts(readOrUndefined(join(root, "stacks", `Pulumi.${options.stack}.yaml`))),
    today: new Date().toISOString().slice(0, 10),
    say: (line) => process.stdout.write(`${line}\n`),
  });
  return exitCode;
}

runMain(main);
