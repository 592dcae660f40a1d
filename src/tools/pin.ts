/**
 * `pin`: the administrator's step, on a machine with internet access. Each tarball the project needs
 * is downloaded from get.pulumi.com and verified against the checksum Pulumi publishes beside it;
 * only then is its SHA-256 written into the pin file, which is reviewed and committed like code.
 * From there on CI trusts the repository, not the download.
 */

import { join } from "node:path";
import { Failure } from "../cli/failure.ts";
import type { Say, ToolsDeps } from "./deps.ts";
import { artifact, download, downloadSource, OVERRIDE, publishedDigest } from "./downloads.ts";
import { pinnedFile, pinText, platformOf, toolName, wantedTools, type Tool } from "./pins.ts";
import { readProject } from "./project.ts";

export interface Pinned {
  /** The pin file, as named in messages. */
  file: string;
  /** Whether its text changed (and was written). */
  written: boolean;
  tools: (Tool & { platform: string; sha256: string; published: string })[];
}

export async function pinTools(
  options: { platform: string; pinFile: string },
  deps: ToolsDeps,
  say: Say,
): Promise<Pinned> {
  const project = readProject(deps, options.pinFile, true);
  const source = downloadSource(deps.env);
  if (source.overridden) say(`Downloading from ${source.base} (${OVERRIDE}).`);
  const tools = wantedTools(project.wanted);
  const temp = deps.files.tempDir();
  const verified: Pinned["tools"] = [];
  try {
    for (const tool of tools) {
      const digest = await verifiedDigest(tool, options.platform, temp.path, source, deps, say);
      verified.push({ ...tool, platform: platformOf(tool, options.platform), ...digest });
    }
  } finally {
    temp.remove();
  }
  const next = pinnedFile(
    project.pins,
    tools,
    verified.map((t) => t.sha256),
    options.platform,
  );
  const before = deps.files.readText(options.pinFile);
  const written = before !== pinText(next);
  if (written) deps.files.writeText(options.pinFile, pinText(next));
  return { file: project.source, written, tools: verified };
}

/** The tarball's SHA-256, once it matched the checksum Pulumi publishes for it. */
async function verifiedDigest(
  tool: Tool,
  platform: string,
  temp: string,
  source: ReturnType<typeof downloadSource>,
  deps: ToolsDeps,
  say: Say,
): Promise<{ sha256: string; published: string }> {
  const { file, url, checksums } = artifact(source, tool, platform);
  const list = join(temp, `${file}.checksums.txt`);
  const tarball = join(temp, file);
  say(`Downloading ${checksums}`);
  await download(deps.run, source, checksums, list);
  const published = publishedDigest(deps.files.readText(list) ?? "", file, checksums);
  say(`Downloading ${url}`);
  await download(deps.run, source, url, tarball);
  const actual = await deps.files.digest(tarball, published.algorithm);
  const name = published.algorithm === "sha1" ? "SHA-1" : "SHA-256";
  if (actual !== published.hex)
    throw new Failure(
      "CHECKSUM_MISMATCH",
      `${file} from ${url} has ${name} ${actual}, but ${checksums} publishes ${published.hex}. Nothing was written.`,
      "Do not pin it: the download is not the file Pulumi published. Try again later or from another network; if it persists, report it to Pulumi.",
      1,
      { file, url, checksums, algorithm: published.algorithm, expected: published.hex, actual },
    );
  say(`Verified ${toolName(tool)} (${file}): its ${name} is the one Pulumi publishes.`);
  const sha256 =
    published.algorithm === "sha256" ? actual : await deps.files.digest(tarball, "sha256");
  return { sha256, published: `${name} ${published.hex}` };
}
