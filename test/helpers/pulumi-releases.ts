/**
 * A stand-in for get.pulumi.com/releases on 127.0.0.1: the CLI's and the gcp plugin's tarballs,
 * made in the test with tar, and the checksums files Pulumi publishes beside them (SHA-256 lines
 * for the CLI, SHA-1 for the plugin). The CLI's pulumi is a shell script that appends the two
 * variables install sets and its arguments to a log file, which exists only once it has run.
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { tempDir } from "./temp-dir.ts";

export const CLI_TARBALL = "pulumi-v3.265.0-linux-x64.tar.gz";
export const PLUGIN_TARBALL = "pulumi-resource-gcp-v9.37.0-linux-amd64.tar.gz";
const CLI_CHECKSUMS = "pulumi-3.265.0-checksums.txt";
const PLUGIN_CHECKSUMS = "pulumi-gcp_9.37.0_checksums.txt";

export interface Releases {
  /** What GEMINI_KIT_PULUMI_DOWNLOADS is set to: http://127.0.0.1:PORT/releases. */
  base: string;
  /** The paths asked for, in order. */
  requests: string[];
  /** The file the stand-in CLI appends its calls to. */
  log: string;
  /** Each tarball's SHA-256, as pin should write it. */
  sha256: { cli: string; plugin: string };
  /** What is served, by path under /releases/ (sdk/..., plugins/...): tests may change it. */
  files: Map<string, Buffer>;
  close: () => Promise<void>;
}

export const digest = (algorithm: "sha1" | "sha256", bytes: Buffer): string =>
  createHash(algorithm).update(bytes).digest("hex");

/** `tar -czf` of `entries` (path: text), each made executable. */
function tarball(entries: Record<string, string>): Buffer {
  const dir = tempDir("tarball");
  for (const [path, text] of Object.entries(entries)) {
    mkdirSync(join(dir, "in", path, ".."), { recursive: true });
    writeFileSync(join(dir, "in", path), text);
    chmodSync(join(dir, "in", path), 0o755);
  }
  // Named as Pulumi's tarballs name them: pulumi/pulumi, not ./pulumi/pulumi.
  const top = [...new Set(Object.keys(entries).map((path) => path.split("/")[0]!))];
  execFileSync("tar", ["-czf", join(dir, "out.tar.gz"), "-C", join(dir, "in"), ...top]);
  return readFileSync(join(dir, "out.tar.gz"));
}

export async function startReleases(): Promise<Releases> {
  const log = join(tempDir("fake-cli-log"), "calls.log");
  const cli = tarball({
    "pulumi/pulumi": `#!/bin/sh\nprintf '%s\\n' "PULUMI_DISABLE_REGISTRY_RESOLVE=$PULUMI_DISABLE_REGISTRY_RESOLVE PULUMI_SKIP_UPDATE_CHECK=$PULUMI_SKIP_UPDATE_CHECK $*" >> '${log}'\n`,
    "pulumi/pulumi-language-nodejs": "#!/bin/sh\nexit 0\n",
  });
  const plugin = tarball({ "pulumi-resource-gcp": "#!/bin/sh\nexit 0\n" });
  const other = "0".repeat(64);
  const files = new Map<string, Buffer>([
    [`sdk/${CLI_TARBALL}`, cli],
    [
      `sdk/${CLI_CHECKSUMS}`,
      Buffer.from(
        `${other}  pulumi-v3.265.0-darwin-arm64.tar.gz\n${digest("sha256", cli)}  ${CLI_TARBALL}\n`,
      ),
    ],
    [`plugins/${PLUGIN_TARBALL}`, plugin],
    [
      `plugins/${PLUGIN_CHECKSUMS}`,
      Buffer.from(
        `${digest("sha1", plugin)}  ${PLUGIN_TARBALL}\n${"1".repeat(40)}  pulumi-resource-gcp-v9.37.0-darwin-arm64.tar.gz\n`,
      ),
    ],
  ]);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const body = files.get((req.url ?? "").replace(/^\/releases\//, ""));
    res.writeHead(body === undefined ? 404 : 200).end(body ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/releases`,
    requests,
    log,
    sha256: { cli: digest("sha256", cli), plugin: digest("sha256", plugin) },
    files,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
