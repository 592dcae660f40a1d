/**
 * The verify command as its entry runs it (scripts/verify.ts): arguments, the run, and the report on
 * stdout, with every collaborator passed in, so tests run the whole command in their own process.
 */

import type { MainContext } from "../cli/main.ts";
import { parseVerifyArgs } from "./args.ts";
import { HELP } from "./help.ts";
import { formatJson, formatText } from "./report.ts";
import { runVerify, type VerifyDeps } from "./run.ts";

export interface VerifyCommandDeps extends Omit<VerifyDeps, "progress" | "redactor"> {
  /** Whether the text report may use colour (stdout is a terminal and NO_COLOR is unset). */
  colour: boolean;
  /** A notice to print first on stderr (google-auth-library's debug log was switched off). */
  notice?: string;
}

export async function verifyMain(ctx: MainContext, deps: VerifyCommandDeps): Promise<number> {
  const options = parseVerifyArgs(ctx.argv);
  if (options.help) {
    ctx.out(HELP);
    return 0;
  }
  const { colour, notice, ...core } = deps;
  if (notice) ctx.err(notice);
  const result = await runVerify(options, {
    ...core,
    progress: (line) => ctx.err(`${line}\n`),
    redactor: ctx.redactor,
  });
  if (options.json) ctx.out(formatJson(result));
  else ctx.styled.out(formatText(result, { colour }));
  return result.exitCode;
}
