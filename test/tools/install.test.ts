/**
 * `npm run pulumi-tools -- pin` and `install` against a stand-in for get.pulumi.com on 127.0.0.1
 * (test/helpers/pulumi-releases.ts), with the real curl and tar: pin writes only digests Pulumi's
 * checksums vouch for; install runs nothing whose SHA-256 differs from the pin.
 */

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { localFiles } from "../../scripts/local-files.ts";
import { runProcess } from "../../scripts/runner.ts";
import { toolsMain } from "../../src/tools/cli.ts";
import { downloadSource } from "../../src/tools/downloads.ts";
import { inProcess } from "../helpers/in-process.ts";
import {
  CLI_TARBALL,
  digest,
  PLUGIN_TARBALL,
  startReleases,
  type Releases,
} from "../helpers/pulumi-releases.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { cleanEnv, ROOT, runScript } from "../helpers/verify-cli.ts";

let releases: Releases;
beforeAll(async () => {
  releases = await startReleases();
});
afterAll(() => releases.close());

const COMMITTED = readFileSync(join(ROOT, ".github/pulumi-tools.json"), "utf8");

/** The committed pin file with `cli` and `plugin` as the linux digests, in a temporary folder. */
function pinsWith(cli: string | null, plugin: string | null, text = COMMITTED): string {
  const pins = JSON.parse(text) as {
    cli: { sha256: Record<string, string | null> };
    plugins: { sha256: Record<string, string | null> }[];
  };
  pins.cli.sha256["linux-x64"] = cli;
  pins.plugins[0]!.sha256["linux-amd64"] = plugin;
  const path = join(tempDir("pins"), "pulumi-tools.json");
  writeFileSync(path, `${JSON.stringify(pins, null, 2)}\n`);
  return path;
}

const envWith = (extra: Record<string, string> = {}) =>
  cleanEnv({ GEMINI_KIT_PULUMI_DOWNLOADS: releases.base, ...extra });

/** The command in this process, with the real curl, tar and files. */
function tools(args: string[], env = envWith()) {
  return inProcess(
    "pulumi-tools",
    (c) =>
      toolsMain(c, { root: ROOT, env, platform: "linux-x64", run: runProcess, files: localFiles }),
    args,
    env,
  );
}

describe("pin", () => {
  test("writes the SHA-256 of each tarball that matched Pulumi's published checksum, and changes no other field", async () => {
    const path = pinsWith(null, null);
    const r = await tools(["pin", "--pins", path]);
    expect(r.code).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(
      COMMITTED.replace(/("linux-x64": )null/, `$1"${releases.sha256.cli}"`).replace(
        /("linux-amd64": )null/,
        `$1"${releases.sha256.plugin}"`,
      ),
    );
    const plugin = releases.files.get(`plugins/${PLUGIN_TARBALL}`)!;
    expect(r.stdout).toBe(
      [
        `pulumi CLI 3.265.0  linux-x64  sha256 ${releases.sha256.cli}  (published SHA-256 ${releases.sha256.cli})`,
        `gcp plugin 9.37.0  linux-amd64  sha256 ${releases.sha256.plugin}  (published SHA-1 ${digest("sha1", plugin)})`,
        "Wrote " + path + ". Review the change (git diff) and commit it.",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toContain(`Downloading from ${releases.base} (GEMINI_KIT_PULUMI_DOWNLOADS).`);
    const again = await tools(["pin", "--pins", path]);
    expect(again.stdout).toContain("already held these; unchanged.");
  });

  test("makes the pin file when there is none, in the committed layout with its $comment", async () => {
    const path = join(tempDir("pins"), "new.json");
    expect((await tools(["pin", "--pins", path])).code).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(
      readFileSync(pinsWith(releases.sha256.cli, releases.sha256.plugin), "utf8"),
    );
  });

  test("sets the project's versions and forgets another platform's digest, which vouched for the old version", async () => {
    const old = COMMITTED.replace('"version": "3.265.0"', '"version": "3.264.0"').replace(
      '"linux-x64": null',
      `"linux-x64": null, "darwin-arm64": "${"b".repeat(64)}"`,
    );
    const path = pinsWith(null, "c".repeat(64), old);
    expect(readFileSync(path, "utf8")).toContain("3.264.0");
    expect((await tools(["pin", "--pins", path])).code).toBe(0);
    const pins = JSON.parse(readFileSync(path, "utf8")) as {
      cli: { version: string; sha256: Record<string, string | null> };
    };
    expect(pins.cli).toEqual({
      version: "3.265.0",
      sha256: { "linux-x64": releases.sha256.cli, "darwin-arm64": null },
    });
  });

  test.each([
    ["the CLI's SHA-256", `sdk/${CLI_TARBALL}`, "SHA-256"],
    ["the plugin's SHA-1", `plugins/${PLUGIN_TARBALL}`, "SHA-1"],
  ])(
    "refuses a tarball that does not match %s Pulumi publishes, and writes nothing",
    async (_, file, algorithm) => {
      const original = releases.files.get(file)!;
      releases.files.set(file, Buffer.concat([original, Buffer.from("tampered")]));
      try {
        const path = pinsWith(null, null);
        const r = await tools(["pin", "--pins", path]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(
          new RegExp(
            `has ${algorithm} [0-9a-f]+, but \\S+ publishes [0-9a-f]+\\. Nothing was written\\.`,
          ),
        );
        expect(readFileSync(path, "utf8")).toBe(readFileSync(pinsWith(null, null), "utf8"));
      } finally {
        releases.files.set(file, original);
      }
    },
  );
});

describe("install", () => {
  test("checks both tarballs, unpacks the CLI, installs the plugin from its file without the registry, and prints the CLI's folder last", async () => {
    const dir = join(tempDir("tools"), "bin");
    forgetCalls();
    const r = await runScript(
      "pulumi-tools",
      ["install", "--dir", dir, "--pins", pinsWith(releases.sha256.cli, releases.sha256.plugin)],
      { env: envWith() },
    );
    expect([r.code, r.stdout]).toEqual([0, `${join(dir, "pulumi")}\n`]);
    expect(readFileSync(releases.log, "utf8")).toBe(
      `PULUMI_DISABLE_REGISTRY_RESOLVE=true PULUMI_SKIP_UPDATE_CHECK=true plugin install resource gcp 9.37.0 --file ${join(dir, PLUGIN_TARBALL)}\n`,
    );
    expect(readdirSync(join(dir, "pulumi")).sort()).toEqual(["pulumi", "pulumi-language-nodejs"]);
    // The tarballs have served.
    expect(readdirSync(dir)).toEqual(["pulumi"]);
    expect(r.stderr).toContain(
      `Checked ${CLI_TARBALL}: SHA-256 ${releases.sha256.cli}, as pinned.`,
    );
    expect(r.stderr).toContain(`Downloading from ${releases.base} (GEMINI_KIT_PULUMI_DOWNLOADS).`);
  });

  test("--json says what it installed, from where", async () => {
    const dir = tempDir("tools");
    const pins = pinsWith(releases.sha256.cli, releases.sha256.plugin);
    const r = await tools(["install", "--dir", dir, "--pins", pins, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      command: "pulumi-tools",
      subcommand: "install",
      bin: join(dir, "pulumi"),
      downloads: releases.base,
      tools: [
        {
          kind: "cli",
          name: "pulumi",
          version: "3.265.0",
          platform: "linux-x64",
          sha256: releases.sha256.cli,
        },
        {
          kind: "resource",
          name: "gcp",
          version: "9.37.0",
          platform: "linux-amd64",
          sha256: releases.sha256.plugin,
        },
      ],
    });
  });

  test.each([
    ["the CLI's", CLI_TARBALL, () => pinsWith("d".repeat(64), releases.sha256.plugin), "d"],
    ["the plugin's", PLUGIN_TARBALL, () => pinsWith(releases.sha256.cli, "e".repeat(64)), "e"],
  ])(
    "when %s SHA-256 differs from the pin, deletes the download and stops before anything is unpacked or run",
    async (_, file, pins, wrong) => {
      const dir = tempDir("tools");
      forgetCalls();
      const r = await tools(["install", "--dir", dir, "--pins", pins()]);
      expect(r.code).toBe(1);
      const actual = file === CLI_TARBALL ? releases.sha256.cli : releases.sha256.plugin;
      expect(r.stderr).toContain(
        `${file} from ${releases.base}/${file === CLI_TARBALL ? "sdk" : "plugins"}/${file} has SHA-256 ${actual}; the pin is ${wrong.repeat(64)}. The file was deleted; nothing was unpacked or run.`,
      );
      expect(existsSync(releases.log)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    },
  );

  test("refuses, with no request made, while a digest it needs is null", async () => {
    const before = releases.requests.length;
    const dir = tempDir("tools");
    const r = await tools(["install", "--dir", dir, "--pins", pinsWith(releases.sha256.cli, null)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^\S+ has no SHA-256 for gcp plugin 9\.37\.0 on linux-amd64, so there is nothing to check a download against; nothing was downloaded\. .*npm run pulumi-tools -- pin --platform linux-x64/,
    );
    expect(releases.requests.length).toBe(before);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a tarball the server does not have is a failed download naming its address, and nothing is unpacked", async () => {
    const file = `plugins/${PLUGIN_TARBALL}`;
    const original = releases.files.get(file)!;
    releases.files.delete(file);
    try {
      const dir = tempDir("tools");
      const pins = pinsWith(releases.sha256.cli, releases.sha256.plugin);
      const r = await tools(["install", "--dir", dir, "--pins", pins, "--json"]);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { error: { reason: string; message: string } };
      expect(doc.error.reason).toBe("DOWNLOAD_FAILED");
      expect(doc.error.message).toMatch(
        new RegExp(`^Downloading ${releases.base}/${file} failed: .*404`),
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      releases.files.set(file, original);
    }
  });
});

describe("GEMINI_KIT_PULUMI_DOWNLOADS", () => {
  test.each([
    ["http://example.com/releases", "is neither https nor http to this machine"],
    ["http://10.0.0.1:8080/releases", "is neither https nor http to this machine"],
    ["ftp://127.0.0.1/releases", "is neither https nor http to this machine"],
    ["not a url", "is not a URL"],
    ["https://mirror.example/releases?x=1", "has a query or fragment"],
  ])("refuses %s, exit 2, before any download", async (value, said) => {
    const before = releases.requests.length;
    const dir = tempDir("tools");
    const pins = pinsWith(releases.sha256.cli, releases.sha256.plugin);
    const r = await tools(
      ["install", "--dir", dir, "--pins", pins],
      envWith({ GEMINI_KIT_PULUMI_DOWNLOADS: value }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`GEMINI_KIT_PULUMI_DOWNLOADS ${JSON.stringify(value)} ${said}`);
    expect(releases.requests.length).toBe(before);
  });

  test("a password in it is refused without being printed", async () => {
    const env = envWith({
      GEMINI_KIT_PULUMI_DOWNLOADS: "https://me:hunter2-secret@mirror.example/r",
    });
    const r = await tools(["pin", "--pins", pinsWith(null, null)], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("GEMINI_KIT_PULUMI_DOWNLOADS holds a user name or password.");
    expect(r.stderr).not.toContain("hunter2");
  });

  test("accepts https anywhere and http to this machine; unset, it is get.pulumi.com over https only", () => {
    expect(downloadSource({})).toEqual({
      base: "https://get.pulumi.com/releases",
      protocols: "=https",
      overridden: false,
    });
    for (const [value, base, protocols] of [
      ["https://mirror.example/pulumi/", "https://mirror.example/pulumi", "=https"],
      ["http://localhost:8080/releases", "http://localhost:8080/releases", "=http,https"],
      ["http://[::1]:8080/releases/", "http://[::1]:8080/releases", "=http,https"],
    ])
      expect(downloadSource({ GEMINI_KIT_PULUMI_DOWNLOADS: value })).toEqual({
        base,
        protocols,
        overridden: true,
      });
  });
});

/** Forgets the stand-in CLI's earlier calls: its log exists again only once it runs. */
const forgetCalls = () => rmSync(releases.log, { force: true });
