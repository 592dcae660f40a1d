/**
 * The deploy command as its entry runs it (scripts/deploy.ts): arguments, the waves, Ctrl-C, the
 * display and the summary, with every collaborator passed in, so tests run the whole command in
 * their own process.
 */

import { join } from "node:path";
import { badInput } from "../cli/failure.ts";
import type { MainContext } from "../cli/main.ts";
import { jsonText } from "../cli/output.ts";
import { Interruption, type Run } from "../cli/process.ts";
import { stackFileName, stackNames } from "../cli/stacks.ts";
import { isCiStack } from "../config/decode.ts";
import { parseStackFile } from "../config/stack-file.ts";
import { DEPLOY_HELP, parseDeployArgs } from "./args.ts";
import { LineDisplay, TtyDisplay } from "./display.ts";
import { preflightOutcome } from "./preflight-outcome.ts";
import { runDeploy } from "./run.ts";
import { formatSummary } from "./summary.ts";
import { verifyOutcome } from "./verify-outcome.ts";
import { parseWaves, WAVES_FILE, type DeployOrder } from "./waves.ts";

/** What another command of the kit printed and how it ended. */
interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface DeployCommandDeps {
  /** The project's root: stacks/ and the waves file are read from there. */
  root: string;
  /** Runs pulumi. */
  run: Run;
  /** Another command of the kit for one stack: `--stack STACK ...flags --json`. */
  command: (
    name: "preflight" | "verify",
    stack: string,
    flags: string[],
    interruption: Interruption,
  ) => Promise<CommandResult>;
  /** A file's text, or undefined when there is none. */
  readText: (path: string) => string | undefined;
  /** The file names in stacks/. */
  listStacks: () => string[];
  /** A private folder for the event logs, and its removal once the command ends. */
  tempDir: () => { path: string; remove: () => void };
  now: () => number;
  /** The terminal's width when stderr is one (live progress lines), undefined otherwise. */
  terminalColumns?: () => number;
  /** Calls `handler` on each Ctrl-C. */
  onInterrupt: (handler: () => void) => void;
}

function waves(deps: DeployCommandDeps, committed: string[]): DeployOrder {
  const text = deps.readText(join(deps.root, WAVES_FILE));
  if (text === undefined)
    throw badInput(
      `There is no ${WAVES_FILE}, so deploy cannot tell which stacks go first.`,
      "Restore it from the repository, or write one: waves: [[dev], [staging], [prod]].",
    );
  return parseWaves(text, committed, ciStacks(deps, committed));
}

/** The committed stacks whose file holds gemini-access-kit:ci; a file that cannot be read is judged when it is deployed. */
function ciStacks(deps: DeployCommandDeps, committed: string[]): string[] {
  return committed.filter((stack) => {
    const text = deps.readText(join(deps.root, stackFileName(stack)));
    if (text === undefined) return false;
    try {
      return isCiStack(parseStackFile(text, stackFileName(stack)).raw);
    } catch {
      return false;
    }
  });
}

export async function deployMain(ctx: MainContext, deps: DeployCommandDeps): Promise<number> {
  const committed = stackNames(deps.listStacks());
  const options = parseDeployArgs(ctx.argv, committed, () => waves(deps, committed));
  if (options.help) {
    ctx.out(DEPLOY_HELP);
    return 0;
  }
  const interruption = new Interruption();
  deps.onInterrupt(() => {
    ctx.err(
      "\nInterrupted: passing it to the running pulumi commands; no more stacks start. Ctrl-C again forces them to stop.\n",
    );
    interruption.interrupt();
  });
  const columns = options.json ? undefined : deps.terminalColumns;
  const display = columns
    ? new TtyDisplay(ctx.styled.err, deps.now, columns)
    : new LineDisplay(ctx.err);
  const command =
    <T>(
      name: "preflight" | "verify",
      read: (exitCode: number, stdout: string, stderr: string) => T,
      flags: string[] = [],
    ) =>
    async (stack: string): Promise<T> => {
      const r = await deps.command(name, stack, flags, interruption);
      return read(r.exitCode, r.stdout, r.stderr);
    };
  if (options.command === "up" && !options.preflight)
    ctx.err("Preflight skipped (--skip-preflight): no checks before up.\n");
  const temp = deps.tempDir();
  try {
    const summary = await runDeploy(options, {
      run: deps.run,
      preflight: command("preflight", preflightOutcome),
      // --probe: the gate calls a model (countTokens, free), not only lists them.
      verify: command("verify", verifyOutcome, ["--probe"]),
      readText: deps.readText,
      tempDir: temp.path,
      now: deps.now,
      display,
      interruption,
    });
    ctx.out(
      options.json
        ? jsonText({ ok: summary.ok, interrupted: summary.interrupted, stacks: summary.stacks })
        : formatSummary(summary),
    );
    return summary.exitCode;
  } finally {
    temp.remove();
  }
}
