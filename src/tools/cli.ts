/**
 * The pulumi-tools command as its entry runs it (scripts/pulumi-tools.ts): arguments, the
 * subcommand and its report, with every collaborator passed in, so tests run the whole command in
 * their own process.
 */

import { join, resolve } from "node:path";
import type { MainContext } from "../cli/main.ts";
import { jsonText } from "../cli/output.ts";
import { parseToolsArgs } from "./args.ts";
import type { ToolsDeps } from "./deps.ts";
import { installTools } from "./install.ts";
import { pinTools } from "./pin.ts";
import { cliPlatformOf, PIN_FILE, platformOf, toolName, type PinnedTool } from "./pins.ts";
import { agreedPins, readProject } from "./project.ts";

const COMMAND = "pulumi-tools";
/** GitHub's ubuntu runners. */
const CI_PLATFORM = "linux-x64";

export async function toolsMain(ctx: MainContext, deps: ToolsDeps): Promise<number> {
  const options = parseToolsArgs(ctx.argv);
  if (options.subcommand === "help") {
    ctx.out(options.help);
    return 0;
  }
  const pinFile = options.pins === undefined ? join(deps.root, PIN_FILE) : resolve(options.pins);
  const say = (line: string) => ctx.err(`${line}\n`);
  const head = { ok: true, command: COMMAND, subcommand: options.subcommand };
  if (options.subcommand === "install") {
    const installed = await installTools({ dir: options.dir, pinFile }, deps, say);
    ctx.out(options.json ? jsonText({ ...head, ...installed }) : `${installed.bin}\n`);
    return 0;
  }
  if (options.subcommand === "pin") {
    const pinned = await pinTools({ platform: options.platform, pinFile }, deps, say);
    if (options.json) ctx.out(jsonText({ ...head, ...pinned }));
    else {
      for (const t of pinned.tools)
        ctx.out(`${toolName(t)}  ${t.platform}  sha256 ${t.sha256}  (published ${t.published})\n`);
      ctx.out(
        pinned.written
          ? `Wrote ${pinned.file}. Review the change (git diff) and commit it.\n`
          : `${pinned.file} already held these; unchanged.\n`,
      );
    }
    return 0;
  }
  const project = readProject(deps, pinFile);
  const tools = agreedPins(project);
  // CI's platform always, and every other one a digest is listed for.
  const platforms = [
    ...new Set([
      CI_PLATFORM,
      ...tools.flatMap((t) => Object.keys(t.sha256).map((k) => cliPlatformOf(t, k))),
    ]),
  ];
  const digests = tools.map((t) => ({
    kind: t.kind,
    name: t.name,
    version: t.version,
    sha256: Object.fromEntries(
      platforms.map((p) => [platformOf(t, p), t.sha256[platformOf(t, p)] ?? null]),
    ),
  }));
  const unpinned = platforms.filter((p) => tools.some((t) => !t.sha256[platformOf(t, p)]));
  if (options.json) ctx.out(jsonText({ ...head, file: project.source, tools: digests, unpinned }));
  else ctx.out(checkReport(project.source, tools, digests, unpinned));
  return 0;
}

function checkReport(
  file: string,
  tools: PinnedTool[],
  digests: { sha256: Record<string, string | null> }[],
  unpinned: string[],
): string {
  const lines = [`${file} agrees with package.json and package-lock.json.`];
  tools.forEach((tool, i) => {
    lines.push(`  ${toolName(tool)}`);
    for (const [platform, digest] of Object.entries(digests[i]!.sha256))
      lines.push(
        `    ${platform.padEnd(13)}${digest === null ? "not pinned" : `sha256 ${digest}`}`,
      );
  });
  if (unpinned.length > 0)
    lines.push(
      `Not pinned on ${unpinned.join(", ")}: install refuses there until an administrator with internet access runs npm run pulumi-tools -- pin --platform ${unpinned.length === 1 ? unpinned[0]! : "PLATFORM for each"}, reviews the change and commits it.`,
    );
  return `${lines.join("\n")}\n`;
}
