/**
 * The bootstrap command as its entry runs it (scripts/bootstrap.ts): arguments, the steps and the
 * report, with every collaborator passed in, so tests run the whole command in their own process.
 */

import { join } from "node:path";
import { COORDINATES_FILE } from "../ci-coordinates.ts";
import type { MainContext } from "../cli/main.ts";
import { jsonText } from "../cli/output.ts";
import type { Run } from "../cli/process.ts";
import { stackFileName } from "../cli/stacks.ts";
import { parseStackFile } from "../config/stack-file.ts";
import { BOOTSTRAP_HELP, parseBootstrapArgs } from "./args.ts";
import { runBootstrap } from "./run.ts";
import { stackFileFacts } from "./stack-facts.ts";

export interface BootstrapCommandDeps {
  /** The project's root, where stacks/ is. */
  root: string;
  /** Runs pulumi and gh. */
  run: Run;
  /** Reads a file the user named (the client file); throws when it cannot. */
  readFile: (path: string) => string;
  /** A file's text, or undefined when there is none. */
  readText: (path: string) => string | undefined;
  /** Writes a file of the project (the coordinates file), replacing it whole. */
  writeText: (path: string, text: string) => void;
}

export async function bootstrapMain(ctx: MainContext, deps: BootstrapCommandDeps): Promise<number> {
  const options = parseBootstrapArgs(ctx.argv);
  if (options.help) {
    ctx.out(BOOTSTRAP_HELP);
    return 0;
  }
  const { steps, exitCode } = await runBootstrap(options, {
    run: deps.run,
    readFile: deps.readFile,
    stackFile: stackFileFacts(
      options.stack,
      deps.readText(join(deps.root, stackFileName(options.stack))),
    ),
    readStack: (stack) => {
      const text = deps.readText(join(deps.root, stackFileName(stack)));
      return text === undefined ? undefined : parseStackFile(text, stackFileName(stack));
    },
    coordinates: {
      read: () => deps.readText(join(deps.root, COORDINATES_FILE)),
      write: (text) => deps.writeText(join(deps.root, COORDINATES_FILE), text),
    },
    say: (line) => {
      if (!options.json) ctx.out(`${line}\n`);
    },
  });
  if (options.json)
    ctx.out(jsonText({ ok: exitCode === 0, command: "bootstrap", stack: options.stack, steps }));
  return exitCode;
}
