/**
 * The rotate command as its entry runs it (scripts/rotate.ts): arguments, a rotation or the
 * migration, and the report, with every collaborator passed in, so tests run the whole command in
 * their own process.
 */

import type { MainContext } from "../cli/main.ts";
import { jsonText } from "../cli/output.ts";
import { parseRotateArgs, ROTATE_HELP } from "./args.ts";
import { formatRotateJson, formatRotateText } from "./report.ts";
import { runRotate, type RotateDeps } from "./run.ts";
import type { CommittedStacks } from "./migrate-order.ts";

export interface RotateCommandDeps extends Omit<RotateDeps, "progress" | "redactor"> {
  /** A notice to print first on stderr (google-auth-library's debug log was switched off). */
  notice?: string;
  /** The committed stack files migrate reads the CI stack's from; stacks/ under the working directory by default. */
  stacks?: CommittedStacks;
}

export async function rotateMain(ctx: MainContext, deps: RotateCommandDeps): Promise<number> {
  const options = parseRotateArgs(ctx.argv);
  if (options.help) {
    ctx.out(ROTATE_HELP);
    return 0;
  }
  const { notice, ...core } = deps;
  if (notice) ctx.err(notice);
  const full: RotateDeps = {
    ...core,
    progress: (line) => ctx.err(`${line}\n`),
    redactor: ctx.redactor,
  };
  if (options.command === "migrate") {
    // Loaded only for the migration, which a rotation never needs.
    const { formatMigrate, runMigrate } = await import("./migrate.ts");
    const { committedStacks } = await import("./migrate-order.ts");
    const migrated = await runMigrate(options, {
      ...full,
      stacks: deps.stacks ?? committedStacks(process.cwd()),
    });
    ctx.out(
      options.json ? jsonText({ ...migrated, exitCode: undefined }) : formatMigrate(migrated),
    );
    return migrated.exitCode;
  }
  const result = await runRotate(options, full);
  ctx.out(options.json ? formatRotateJson(result) : formatRotateText(result));
  return result.exitCode;
}
