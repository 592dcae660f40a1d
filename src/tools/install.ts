/**
 * `install`: the pinned CLI and plugins onto a CI machine before it holds any credential. Every
 * tarball is downloaded and its SHA-256 compared with the pin file's before anything is unpacked
 * or run; the plugins are installed from those files, so nothing is downloaded afterwards (the
 * CLI would otherwise resolve a plugin through Pulumi's registry, even with --file).
 */

import { join, resolve } from "node:path";
import { Failure } from "../cli/failure.ts";
import { terminalLine } from "../cli/output.ts";
import type { Say, ToolsDeps } from "./deps.ts";
import { artifact, download, downloadSource, OVERRIDE } from "./downloads.ts";
import { CLI_PLATFORMS, platformOf, toolName, type PinnedTool } from "./pins.ts";
import { agreedPins, readProject } from "./project.ts";

export interface Installed {
  /** The CLI's folder, for PATH. */
  bin: string;
  tools: { kind: string; name: string; version: string; platform: string; sha256: string }[];
  /** Where the tarballs came from. */
  downloads: string;
}

const PIN = "an administrator with internet access runs npm run pulumi-tools -- pin";

export async function installTools(
  options: { dir: string; pinFile: string },
  deps: ToolsDeps,
  say: Say,
): Promise<Installed> {
  const project = readProject(deps, options.pinFile);
  const tools = agreedPins(project);
  const platform = deps.platform;
  refuseUnpinned(project.source, tools, platform);
  const source = downloadSource(deps.env);
  if (source.overridden) say(`Downloading from ${source.base} (${OVERRIDE}).`);
  const dir = resolve(options.dir);
  deps.files.makeDir(dir);
  const files: string[] = [];
  try {
    for (const tool of tools)
      files.push(await downloadChecked(tool, platform, dir, source, deps, say));
    const bin = await unpack(files[0]!, dir, deps);
    say(`Unpacked the ${toolName(tools[0]!)} into ${bin}.`);
    for (const [i, tool] of tools.entries()) {
      if (i === 0) continue;
      await installPlugin(bin, tool, files[i]!, deps);
      say(`Installed the ${toolName(tool)} from ${files[i]!}.`);
    }
    return {
      bin,
      downloads: source.base,
      tools: tools.map((t) => ({
        kind: t.kind,
        name: t.name,
        version: t.version,
        platform: platformOf(t, platform),
        sha256: t.sha256[platformOf(t, platform)]!,
      })),
    };
  } finally {
    // The tarballs have served: unpacked, or installed into the plugin cache, or refused.
    for (const file of files) deps.files.remove(file);
  }
}

/** Refuses, before any download, a platform with no tarballs or a tool with no digest for it. */
function refuseUnpinned(file: string, tools: PinnedTool[], platform: string): void {
  if (!CLI_PLATFORMS.includes(platform))
    throw new Failure(
      "NOT_PINNED",
      `This machine is ${platform}; the Pulumi CLI is pinned only for the platforms it is published for as a tarball (${CLI_PLATFORMS.join(", ")}).`,
      "Run install on one of those (GitHub's ubuntu runners are linux-x64).",
    );
  const unpinned = tools.filter((t) => !t.sha256[platformOf(t, platform)]);
  if (unpinned.length > 0)
    throw new Failure(
      "NOT_PINNED",
      `${file} has no SHA-256 for ${unpinned.map((t) => `${toolName(t)} on ${platformOf(t, platform)}`).join(" or ")}, so there is nothing to check a download against; nothing was downloaded.`,
      `Until ${PIN} --platform ${platform}, reviews the change and commits it, CI cannot install the tools.`,
    );
}

/** Downloads the tool's tarball into `dir` and returns its path once its SHA-256 is the pinned one. */
async function downloadChecked(
  tool: PinnedTool,
  platform: string,
  dir: string,
  source: ReturnType<typeof downloadSource>,
  deps: ToolsDeps,
  say: Say,
): Promise<string> {
  const { file, url } = artifact(source, tool, platform);
  const path = join(dir, file);
  const expected = tool.sha256[platformOf(tool, platform)]!;
  say(`Downloading ${url}`);
  try {
    await download(deps.run, source, url, path);
    const actual = await deps.files.digest(path, "sha256");
    if (actual !== expected)
      throw new Failure(
        "CHECKSUM_MISMATCH",
        `${file} from ${url} has SHA-256 ${actual}; the pin is ${expected}. The file was deleted; nothing was unpacked or run.`,
        `Do not use it. If the release was republished or the pin is wrong, ${PIN} (it verifies Pulumi's published checksums); review that change before committing it.`,
        1,
        { file, url, expected, actual },
      );
  } catch (err) {
    deps.files.remove(path);
    throw err;
  }
  say(`Checked ${file}: SHA-256 ${expected}, as pinned.`);
  return path;
}

/** Unpacks the CLI tarball (pulumi/pulumi, pulumi/pulumi-language-nodejs, ...) into `dir`; returns DIR/pulumi. */
async function unpack(tarball: string, dir: string, deps: ToolsDeps): Promise<string> {
  const result = await deps.run("tar", ["-xzf", tarball, "-C", dir]);
  const bin = join(dir, "pulumi");
  if (result.exitCode !== 0 || !deps.files.isFile(join(bin, "pulumi")))
    throw new Failure(
      "INSTALL_FAILED",
      result.exitCode !== 0
        ? `tar could not unpack ${tarball}: ${terminalLine(result.stderr.trim() || `exit ${result.exitCode}`)}`
        : `${tarball} holds no pulumi/pulumi.`,
      "Check that DIR is writable and has room; a tarball that matched its pin but lacks the CLI means the pin was made from another file.",
    );
  return bin;
}

/** `pulumi plugin install KIND NAME VERSION --file TARBALL`, with nothing resolved through Pulumi's registry. */
async function installPlugin(bin: string, tool: PinnedTool, tarball: string, deps: ToolsDeps) {
  const args = ["plugin", "install", tool.kind, tool.name, tool.version, "--file", tarball];
  const result = await deps.run(join(bin, "pulumi"), args, {
    env: { PULUMI_DISABLE_REGISTRY_RESOLVE: "true", PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  if (result.exitCode !== 0) {
    const said = terminalLine(result.stderr.trim().split("\n").pop() || `exit ${result.exitCode}`);
    throw new Failure(
      "INSTALL_FAILED",
      `pulumi ${args.join(" ")} failed: ${said}`,
      "Check that PULUMI_HOME (default ~/.pulumi) is writable; the tarball itself matched its pin.",
    );
  }
}
