/**
 * Where the tarballs and Pulumi's checksums files come from, and how they are downloaded: curl, an
 * argument array, https only (plain http only to this machine, for tests and a local mirror). The
 * address is not the control: every tarball is checked against a checksum before it is used.
 */

import { badInput, Failure } from "../cli/failure.ts";
import { quoted, terminalLine } from "../cli/output.ts";
import type { Run } from "../cli/process.ts";
import { platformOf, type Tool } from "./pins.ts";

const OFFICIAL = "https://get.pulumi.com/releases";
export const OVERRIDE = "GEMINI_KIT_PULUMI_DOWNLOADS";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export interface Source {
  /** The address the releases are under, without a trailing slash. */
  base: string;
  /** What curl may speak, for the address and each redirect. */
  protocols: "=https" | "=http,https";
  /** Set from GEMINI_KIT_PULUMI_DOWNLOADS, which replaces get.pulumi.com/releases. */
  overridden: boolean;
}

/** get.pulumi.com, or the override: https, or http to a loopback address; anything else is refused. */
export function downloadSource(env: Readonly<Record<string, string | undefined>>): Source {
  const value = env[OVERRIDE];
  if (value === undefined || value === "")
    return { base: OFFICIAL, protocols: "=https", overridden: false };
  const refuse = (why: string) =>
    badInput(
      `${OVERRIDE} ${why}`,
      `Unset it to download from ${OFFICIAL}, or point it at a mirror over https (http only to 127.0.0.1, localhost or [::1]).`,
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse(`${quoted(value)} is not a URL.`);
  }
  // Said without the value: it would print the password.
  if (url.username !== "" || url.password !== "") throw refuse("holds a user name or password.");
  if (url.search !== "" || url.hash !== "")
    throw refuse(`${quoted(value)} has a query or fragment; the file names are appended to it.`);
  const loopbackHttp = url.protocol === "http:" && LOOPBACK.has(url.hostname);
  if (url.protocol !== "https:" && !loopbackHttp)
    throw refuse(
      `${quoted(value)} is neither https nor http to this machine, so what it serves could be changed on the way.`,
    );
  return {
    base: url.href.replace(/\/+$/, ""),
    protocols: loopbackHttp ? "=http,https" : "=https",
    overridden: true,
  };
}

export interface Artifact {
  /** The tarball's file name, as the checksums file lists it. */
  file: string;
  url: string;
  /** Pulumi's checksums file for the release: SHA-256 lines for the CLI, SHA-1 for a plugin. */
  checksums: string;
}

/** The tarball of `tool` for `platform` (the CLI's spelling) and its release's checksums file. */
export function artifact(source: Source, tool: Tool, platform: string): Artifact {
  const os = platformOf(tool, platform);
  const v = tool.version;
  if (tool.kind === "cli") {
    const file = `pulumi-v${v}-${os}.tar.gz`;
    return {
      file,
      url: `${source.base}/sdk/${file}`,
      checksums: `${source.base}/sdk/pulumi-${v}-checksums.txt`,
    };
  }
  const file = `pulumi-${tool.kind}-${tool.name}-v${v}-${os}.tar.gz`;
  return {
    file,
    url: `${source.base}/plugins/${file}`,
    checksums: `${source.base}/plugins/pulumi-${tool.name}_${v}_checksums.txt`,
  };
}

/** Downloads `url` into `to` with curl; a failure says which address and curl's reason. */
export async function download(run: Run, source: Source, url: string, to: string): Promise<void> {
  const result = await run("curl", [
    ...["--fail", "--silent", "--show-error", "--location", "--retry", "2"],
    ...["--proto", source.protocols, "--proto-redir", source.protocols],
    ...["--max-time", "300", "--output", to, url],
  ]);
  if (result.missing)
    throw new Failure(
      "DOWNLOAD_FAILED",
      "curl is not on PATH, so nothing can be downloaded.",
      "Install curl (GitHub's runners have it).",
    );
  if (result.exitCode !== 0) {
    const said = result.stderr.trim().split("\n").pop() ?? "";
    throw new Failure(
      "DOWNLOAD_FAILED",
      `Downloading ${url} failed: ${terminalLine(said || `curl exited with ${result.exitCode}`)}`,
      source.overridden
        ? `Check the mirror ${OVERRIDE} names, and that it holds this version.`
        : "Check the network (and HTTPS_PROXY), and that get.pulumi.com publishes this version.",
      1,
      { url },
    );
  }
}

export interface Published {
  algorithm: "sha1" | "sha256";
  hex: string;
}

/**
 * The checksum a checksums file (`HEX  FILE` lines, as sha256sum and shasum print them) gives
 * `file`; its length says the algorithm: 40 hex digits SHA-1 (the plugins'), 64 SHA-256 (the CLI's).
 */
export function publishedDigest(text: string, file: string, checksums: string): Published {
  for (const line of text.split("\n")) {
    const m = /^([0-9a-fA-F]{40}|[0-9a-fA-F]{64}) [ *]?(\S+)\s*$/.exec(line);
    if (m === null || m[2] !== file) continue;
    const hex = m[1]!.toLowerCase();
    return { algorithm: hex.length === 40 ? "sha1" : "sha256", hex };
  }
  throw new Failure(
    "CHECKSUM_MISMATCH",
    `${checksums} lists no checksum for ${file}, so the download cannot be verified. Nothing was written.`,
    "Check that this version was published for this platform; do not pin a file Pulumi does not vouch for.",
  );
}
