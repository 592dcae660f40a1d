/**
 * The preflight command as its entry runs it (scripts/preflight.ts): arguments, the checks and the
 * report, with every collaborator passed in, so tests run the whole command in their own process.
 */

import type { MainContext } from "../cli/main.ts";
import { parsePreflightArgs, PREFLIGHT_HELP } from "./args.ts";
import { formatPreflightJson, formatPreflightText } from "./report.ts";
import { runPreflight, type PreflightDeps } from "./run.ts";

export interface PreflightCommandDeps extends Omit<PreflightDeps, "progress" | "redactor"> {
  /** A notice to print first on stderr (google-auth-library's debug log was switched off). */
  notice?: string;
}

export async function preflightMain(ctx: MainContext, deps: PreflightCommandDeps): Promise<number> {
  const options = parsePreflightArgs(ctx.argv);
  if (options.help) {
    ctx.out(PREFLIGHT_HELP);
    return 0;
  }
  const { notice, ...core } = deps;
  if (notice) ctx.err(notice);
  const result = await runPreflight(options, {
    ...core,
    progress: (line) => ctx.err(`${line}\n`),
    redactor: ctx.redactor,
  });
  ctx.out(options.json ? formatPreflightJson(result) : formatPreflightText(result));
  return result.exitCode;
}
