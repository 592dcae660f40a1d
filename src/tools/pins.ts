/**
 * The pin file, .github/pulumi-tools.json: the exact Pulumi CLI and resource plugins CI installs,
 * each tarball's SHA-256 per platform. Read and checked here against the versions the project names
 * (versions.ts), every problem at once; `pin` rewrites it through `pinnedFile`.
 */

import { badInput } from "../cli/failure.ts";
import { jsonInput } from "../cli/input-file.ts";
import { quoted } from "../cli/output.ts";
import { record } from "../json.ts";
import { VERSION, type Wanted } from "./versions.ts";

export const PIN_FILE = ".github/pulumi-tools.json";

const COMMENT =
  "The exact Pulumi CLI and resource plugins CI installs before it authenticates to Google (npm run pulumi-tools -- install), each tarball checked against its SHA-256 here before it is unpacked or run. The versions equal package.json's pulumi devDependency and package-lock.json's @pulumi/<plugin>; npm run pulumi-tools -- check says whether they do. A null sha256 is not pinned yet: an administrator with internet access runs npm run pulumi-tools -- pin --platform linux-x64, which downloads each tarball from get.pulumi.com, verifies it against Pulumi's published checksums and writes its SHA-256 here; that change is reviewed and committed like code. Never type or paste a checksum by hand.";

/** The platforms the CLI is published for as a tarball, in its spelling (Windows has a zip). */
export const CLI_PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"];
/** A plugin's spelling of each CLI platform: Go's architecture names. */
const PLUGIN_PLATFORM: Record<string, string> = {
  "linux-x64": "linux-amd64",
  "linux-arm64": "linux-arm64",
  "darwin-x64": "darwin-amd64",
  "darwin-arm64": "darwin-arm64",
};
const PLUGIN_PLATFORMS = Object.values(PLUGIN_PLATFORM);

const SHA256 = /^[0-9a-f]{64}$/;
/** A plugin's name, which becomes part of download addresses and file names. */
const PLUGIN_NAME = /^[a-z][a-z0-9-]*$/;

export interface Tool {
  kind: "cli" | "resource";
  /** pulumi for the CLI; the plugin's name (gcp) otherwise. */
  name: string;
  version: string;
}

export interface PinnedTool extends Tool {
  /** Its place in the pin file, for messages: cli, plugins[0]. */
  at: string;
  /** Each platform's SHA-256 of the tarball; null until an administrator pins it. */
  sha256: Record<string, string | null>;
}

export const toolName = (tool: Tool): string =>
  tool.kind === "cli" ? `pulumi CLI ${tool.version}` : `${tool.name} plugin ${tool.version}`;

/** The tool's spelling of a CLI platform: the CLI's linux-x64 is a plugin's linux-amd64. */
export const platformOf = (tool: Tool, platform: string): string =>
  tool.kind === "cli" ? platform : PLUGIN_PLATFORM[platform]!;

/** The CLI's spelling of a platform the tool's digests name: a plugin's linux-amd64 is linux-x64. */
export const cliPlatformOf = (tool: Tool, key: string): string =>
  tool.kind === "cli" ? key : Object.keys(PLUGIN_PLATFORM).find((k) => PLUGIN_PLATFORM[k] === key)!;

/** The tools the project runs, CLI first, as the pin file should name them. */
export const wantedTools = (wanted: Wanted): Tool[] => [
  { kind: "cli", name: "pulumi", version: wanted.cli },
  ...wanted.plugins.map((p) => ({ kind: "resource" as const, ...p })),
];

/** The pin file's fields, or bad input when it is missing or not a JSON object. */
export function readPins(text: string | undefined, source: string): Record<string, unknown> {
  const fix = `Restore ${PIN_FILE} from git, or make it anew with npm run pulumi-tools -- pin.`;
  if (text === undefined) throw badInput(`${source} cannot be read.`, fix);
  const pins = record(jsonInput(text, source, fix));
  if (pins === undefined) throw badInput(`${source} is not a JSON object.`, fix);
  return pins;
}

/** The pinned tools and every way the pin file disagrees with the project or is malformed. */
export function checkPins(
  pins: Record<string, unknown>,
  wanted: Wanted,
): { tools: PinnedTool[]; problems: string[] } {
  const problems: string[] = [];
  for (const key of Object.keys(pins))
    if (!["$comment", "cli", "plugins"].includes(key))
      problems.push(`[${key}] is not a field of the pin file ($comment, cli, plugins).`);
  const tools: PinnedTool[] = [];
  const cli = entry(pins.cli, "cli", "cli", "pulumi", CLI_PLATFORMS, problems);
  if (cli !== undefined) {
    if (cli.version !== wanted.cli)
      problems.push(
        `[cli.version] is ${quoted(cli.version)}, but package.json's devDependencies.pulumi is ${quoted(wanted.cli)}.`,
      );
    tools.push(cli);
  }
  if (!Array.isArray(pins.plugins)) problems.push("[plugins] is missing or not a list.");
  const plugins = Array.isArray(pins.plugins) ? (pins.plugins as unknown[]) : [];
  plugins.forEach((value, i) => {
    const at = `plugins[${i}]`;
    const kind = record(value)?.kind;
    if (kind !== "resource") problems.push(`[${at}.kind] is ${quoted(kind)}; only "resource".`);
    const name = record(value)?.name;
    if (typeof name !== "string" || !PLUGIN_NAME.test(name)) {
      problems.push(`[${at}.name] ${quoted(name)} is not a plugin's name (gcp).`);
      return;
    }
    const plugin = entry(value, at, "resource", name, PLUGIN_PLATFORMS, problems);
    if (plugin === undefined) return;
    const sdk = wanted.plugins.find((p) => p.name === name);
    if (tools.some((t) => t.kind === "resource" && t.name === name))
      problems.push(`[${at}.name] ${quoted(name)} is pinned twice.`);
    else if (sdk === undefined)
      problems.push(
        `[${at}.name] ${quoted(name)}: package.json does not depend on @pulumi/${name}; remove the entry.`,
      );
    else if (plugin.version !== sdk.version)
      problems.push(
        `[${at}.version] is ${quoted(plugin.version)}, but package-lock.json has @pulumi/${name} ${sdk.version}.`,
      );
    tools.push(plugin);
  });
  for (const sdk of wanted.plugins)
    if (!plugins.some((p) => record(p)?.name === sdk.name))
      problems.push(
        `[plugins] has no entry for ${sdk.name}: package.json depends on @pulumi/${sdk.name} ${sdk.version}.`,
      );
  return { tools, problems };
}

/** One tool's version and digests, or undefined (with its problems said) when they are malformed. */
function entry(
  value: unknown,
  at: string,
  kind: Tool["kind"],
  name: string,
  platforms: string[],
  problems: string[],
): PinnedTool | undefined {
  const fields = record(value);
  if (fields === undefined) {
    problems.push(`[${at}] is missing or not an object.`);
    return undefined;
  }
  const known = kind === "cli" ? ["version", "sha256"] : ["kind", "name", "version", "sha256"];
  for (const key of Object.keys(fields))
    if (!known.includes(key))
      problems.push(`[${at}.${key}] is not a field of a pin (${known.join(", ")}).`);
  const before = problems.length;
  const version = fields.version;
  if (typeof version !== "string" || !VERSION.test(version))
    problems.push(`[${at}.version] ${quoted(version)} is not an exact version (3.265.0).`);
  const digests = record(fields.sha256);
  if (digests === undefined)
    problems.push(`[${at}.sha256] is missing or not an object of platform: digest.`);
  const sha256: Record<string, string | null> = {};
  for (const [platform, digest] of Object.entries(digests ?? {})) {
    if (!platforms.includes(platform))
      problems.push(
        `[${at}.sha256.${platform}] is not a platform of this tool's tarballs (${platforms.join(", ")}).`,
      );
    else if (digest !== null && (typeof digest !== "string" || !SHA256.test(digest)))
      problems.push(
        `[${at}.sha256.${platform}] ${quoted(digest)} is neither a SHA-256 (64 lowercase hex digits) nor null.`,
      );
    else sha256[platform] = digest;
  }
  return problems.length > before
    ? undefined
    : { kind, name, at, version: version as string, sha256 };
}

/**
 * The pin file with the project's versions and `digests` (each tool's SHA-256, CLI first) on
 * `platform`. Another platform's digest stays while its tool's version does not change, and becomes
 * null when it does: it vouched for the other version's tarball. The $comment is kept.
 */
export function pinnedFile(
  pins: Record<string, unknown>,
  tools: Tool[],
  digests: string[],
  platform: string,
): Record<string, unknown> {
  const old = [record(pins.cli), ...(Array.isArray(pins.plugins) ? pins.plugins : []).map(record)];
  const pinned = tools.map((tool, i) => {
    const before =
      tool.kind === "cli"
        ? old[0]
        : old.slice(1).find((p) => p?.kind === tool.kind && p?.name === tool.name);
    const platforms = tool.kind === "cli" ? CLI_PLATFORMS : PLUGIN_PLATFORMS;
    const sha256: Record<string, string | null> = {};
    for (const [key, digest] of Object.entries(record(before?.sha256) ?? {}))
      if (platforms.includes(key))
        sha256[key] =
          before?.version === tool.version && typeof digest === "string" && SHA256.test(digest)
            ? digest
            : null;
    sha256[platformOf(tool, platform)] = digests[i]!;
    return tool.kind === "cli"
      ? { version: tool.version, sha256 }
      : { kind: tool.kind, name: tool.name, version: tool.version, sha256 };
  });
  return {
    $comment: typeof pins.$comment === "string" ? pins.$comment : COMMENT,
    cli: pinned[0],
    plugins: pinned.slice(1),
  };
}

/** The pin file's text: 2-space JSON and a newline, the layout it is committed in. */
export const pinText = (pins: Record<string, unknown>): string =>
  `${JSON.stringify(pins, null, 2)}\n`;
