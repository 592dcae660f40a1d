/** The pulumi-tools command's arguments and help, one page for the command and one per subcommand. */

import { exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine } from "../cli/main.ts";
import { quoted } from "../cli/output.ts";
import { OVERRIDE } from "./downloads.ts";
import { CLI_PLATFORMS, PIN_FILE } from "./pins.ts";

const SUBCOMMANDS = ["check", "pin", "install"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const PINS = `  --pins FILE         the pin file (default ${PIN_FILE})\n`;
const ENVIRONMENT = `Environment:
  ${OVERRIDE}  an address that replaces https://get.pulumi.com/releases
      (a mirror: https, or http only to 127.0.0.1, localhost or [::1]); named on stderr when
      set. The checksums are the control either way.
`;

const TOOLS_HELP = `Usage: npm run pulumi-tools -- <check|pin|install> [options]

The exact Pulumi CLI and resource plugins CI runs, each tarball pinned by its SHA-256 in
${PIN_FILE}, so a job that holds a Google credential runs only files checked against
the repository. The versions are package.json's pulumi devDependency (the CLI) and
package-lock.json's version of each provider SDK among the dependencies (@pulumi/gcp: the gcp
plugin of the same version).

Subcommands:
  check      the pin file's versions are the project's and every sha256 is a SHA-256 or null;
             prints what is pinned and what is not
  pin        the administrator's step, with internet access: downloads each tarball, verifies it
             against Pulumi's published checksum and writes its SHA-256 into the pin file, to be
             reviewed and committed like code
  install    before CI authenticates: downloads the pinned tarballs, checks each SHA-256 before
             anything is unpacked or run, unpacks the CLI, installs the plugins from the files;
             the last line of stdout is the CLI's folder, for PATH

npm run pulumi-tools -- SUBCOMMAND --help says more about each.

Options:
${PINS}${commonHelp(22)}
${ENVIRONMENT}
${exitCodesHelp({ ok: "done", failed: "a check failed (the message says which and what to do)" })}`;

const HELP: Record<Subcommand, string> = {
  check: `Usage: npm run pulumi-tools -- check [--pins FILE] [--json]

Checks that ${PIN_FILE} pins the project's versions (the CLI: package.json's
devDependencies.pulumi; each plugin: package-lock.json's @pulumi/NAME) and that every sha256 is 64
lowercase hex digits or null, then prints each tool with its digest per platform, or "not pinned".
A null digest passes the check, but install refuses it. Reads no network.

Options:
${PINS}${commonHelp(22)}
${exitCodesHelp({ ok: "the pin file agrees with the project (digests may still be null)", failed: "a version differs or a field is malformed: run npm run pulumi-tools -- pin after changing versions" })}`,

  pin: `Usage: npm run pulumi-tools -- pin [--platform PLATFORM] [--pins FILE] [--json]

The administrator's step, on a machine with internet access; its result is reviewed and committed
like code. For the CLI and each plugin the project needs, downloads the tarball and Pulumi's
checksums file for its release from https://get.pulumi.com/releases:
  sdk/pulumi-vVERSION-PLATFORM.tar.gz, with sdk/pulumi-VERSION-checksums.txt (SHA-256)
  plugins/pulumi-resource-NAME-vVERSION-PLATFORM.tar.gz, with
  plugins/pulumi-NAME_VERSION_checksums.txt (SHA-1)
and refuses, writing nothing, when a tarball does not match the checksum Pulumi publishes. Then
writes the project's versions and each tarball's SHA-256 into the pin file (2-space JSON): only the
fields that change; another platform's digest becomes null when its version changes. Run it after
changing the pulumi devDependency or updating @pulumi/gcp, once per platform CI uses.

Options:
  --platform PLATFORM the CLI's platform (default linux-x64; also ${CLI_PLATFORMS.slice(1).join(", ")});
                      a plugin's spelling follows (linux-x64: linux-amd64)
${PINS}${commonHelp(22)}
${ENVIRONMENT}
${exitCodesHelp({ ok: "each tarball matched its published checksum and its SHA-256 is in the pin file", failed: "a download failed or did not match its published checksum; nothing was written" })}`,

  install: `Usage: npm run -s pulumi-tools -- install --dir DIR [--pins FILE] [--json]

For CI, before it authenticates to Google. Refuses, downloading nothing, when the pin file does not
agree with the project (see check) or has no SHA-256 for this machine's platform. Downloads the
pinned CLI and each plugin's tarball into DIR and compares its SHA-256 with the pin before anything
is unpacked or run: on a difference it deletes the file, prints both digests and stops. Then
unpacks the CLI into DIR/pulumi (tar -xzf) and installs each plugin from its file:
  DIR/pulumi/pulumi plugin install resource NAME VERSION --file TARBALL
with PULUMI_DISABLE_REGISTRY_RESOLVE=true (or the CLI still asks Pulumi's registry) and
PULUMI_SKIP_UPDATE_CHECK=true, into PULUMI_HOME (default ~/.pulumi). The tarballs are deleted.

Progress goes to stderr; stdout is one line, the CLI's folder (DIR/pulumi, absolute), or with
--json one document. In a GitHub workflow, with PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
set for the job so nothing is downloaded after authentication:
  npm run -s pulumi-tools -- install --dir "$RUNNER_TEMP/pulumi-tools" >> "$GITHUB_PATH"

Options:
  --dir DIR           where the tarballs go and the CLI is unpacked (made if missing)
${PINS}${commonHelp(22)}
${ENVIRONMENT}
${exitCodesHelp({ ok: "installed; stdout's last line is the CLI's folder", failed: "not pinned, a download failed, a SHA-256 differed from its pin (the file deleted, nothing unpacked or run), or unpacking or a plugin's install failed" })}`,
};

export type ToolsOptions = { json: boolean; pins?: string } & (
  | { subcommand: "help"; help: string }
  | { subcommand: "check" }
  | { subcommand: "pin"; platform: string }
  | { subcommand: "install"; dir: string }
);

/** Which option belongs to which subcommand; --pins and the common ones to all. */
const OWN: Record<string, Subcommand> = { platform: "pin", dir: "install" };

export function parseToolsArgs(argv: string[]): ToolsOptions {
  const { values, positionals } = parseCommandLine(
    "pulumi-tools",
    argv,
    {
      pins: { type: "string" },
      platform: { type: "string" },
      dir: { type: "string" },
    },
    true,
  );
  const fix = "Run npm run pulumi-tools -- --help for the subcommands.";
  const [name, ...extra] = positionals;
  const known = SUBCOMMANDS.find((s) => s === name);
  if (name !== undefined && known === undefined)
    throw usage(`${quoted(name)} is not a subcommand (check, pin, install).`, fix);
  if (values.pins === "")
    throw usage(
      "--pins is empty.",
      `Pass the pin file's path, or leave --pins out for ${PIN_FILE}.`,
    );
  const base = { json: values.json, pins: values.pins };
  if (values.help)
    return { ...base, subcommand: "help", help: known === undefined ? TOOLS_HELP : HELP[known] };
  if (known === undefined) throw usage("Which subcommand: check, pin or install?", fix);
  if (extra.length > 0)
    throw usage(
      `${known} takes no ${quoted(extra[0])}.`,
      `Run npm run pulumi-tools -- ${known} --help.`,
    );
  for (const [option, owner] of Object.entries(OWN))
    if (owner !== known && values[option as keyof typeof values] !== undefined)
      throw usage(
        `--${option} is an option of ${owner}, not of ${known}.`,
        `Run npm run pulumi-tools -- ${known} --help.`,
      );
  if (known === "pin") {
    const platform = values.platform ?? "linux-x64";
    if (!CLI_PLATFORMS.includes(platform))
      throw usage(
        `--platform ${quoted(platform)} is not a platform the CLI is published for as a tarball.`,
        `Pass one of ${CLI_PLATFORMS.join(", ")}.`,
      );
    return { ...base, subcommand: "pin", platform };
  }
  if (known === "install") {
    if (values.dir === undefined || values.dir === "")
      throw usage(
        "install needs --dir DIR: where the tools go.",
        'Pass --dir "$RUNNER_TEMP/pulumi-tools", say.',
      );
    return { ...base, subcommand: "install", dir: values.dir };
  }
  return { ...base, subcommand: "check" };
}
