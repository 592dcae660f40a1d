/** The pulumi-tools command's arguments and help, one page for the command and one per subcommand. */

import { exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine } from "../cli/main.ts";
import { quoted } from "../cli/output.ts";
import { PIN_FILE } from "./pins.ts";

const SUBCOMMANDS = ["check"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const PINS = `  --pins FILE         the pin file (default ${PIN_FILE})\n`;

const TOOLS_HELP = `Usage: npm run pulumi-tools -- check [options]

The exact Pulumi CLI and resource plugins CI runs, each tarball pinned by its SHA-256 in
${PIN_FILE}, so a job that holds a Google credential runs only files checked against
the repository. The versions are package.json's pulumi devDependency (the CLI) and
package-lock.json's version of each provider SDK among the dependencies (@pulumi/gcp: the gcp
plugin of the same version).

Subcommands:
  check      the pin file's versions are the project's and every sha256 is a SHA-256 or null;
             prints what is pinned and what is not

npm run pulumi-tools -- SUBCOMMAND --help says more about each.

Options:
${PINS}${commonHelp(22)}
${exitCodesHelp({ ok: "done", failed: "a check failed (the message says which and what to do)" })}`;

const HELP: Record<Subcommand, string> = {
  check: `Usage: npm run pulumi-tools -- check [--pins FILE] [--json]

Checks that ${PIN_FILE} pins the project's versions (the CLI: package.json's
devDependencies.pulumi; each plugin: package-lock.json's @pulumi/NAME) and that every sha256 is 64
lowercase hex digits or null, then prints each tool with its digest per platform, or "not pinned".
Reads no network.

Options:
${PINS}${commonHelp(22)}
${exitCodesHelp({ ok: "the pin file agrees with the project (digests may still be null)", failed: "a version differs or a field is malformed" })}`,
};

export type ToolsOptions = { json: boolean; pins?: string } & (
  { subcommand: "help"; help: string } | { subcommand: "check" }
);

export function parseToolsArgs(argv: string[]): ToolsOptions {
  const { values, positionals } = parseCommandLine(
    "pulumi-tools",
    argv,
    { pins: { type: "string" } },
    true,
  );
  const fix = "Run npm run pulumi-tools -- --help for the subcommands.";
  const [name, ...extra] = positionals;
  const known = SUBCOMMANDS.find((s) => s === name);
  if (name !== undefined && known === undefined)
    throw usage(`${quoted(name)} is not a subcommand (check).`, fix);
  if (values.pins === "")
    throw usage(
      "--pins is empty.",
      `Pass the pin file's path, or leave --pins out for ${PIN_FILE}.`,
    );
  const base = { json: values.json, pins: values.pins };
  if (values.help)
    return { ...base, subcommand: "help", help: known === undefined ? TOOLS_HELP : HELP[known] };
  if (known === undefined) throw usage("Which subcommand: check?", fix);
  if (extra.length > 0)
    throw usage(
      `${known} takes no ${quoted(extra[0])}.`,
      `Run npm run pulumi-tools -- ${known} --help.`,
    );
  return { ...base, subcommand: "check" };
}
