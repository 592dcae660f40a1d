/**
 * `npm run pulumi-tools -- check` and the command line: the pin file names the project's versions
 * and only well-formed digests, read from the committed files and from altered copies of the pin file.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { localFiles } from "../../scripts/local-files.ts";
import { runProcess } from "../../scripts/runner.ts";
import { toolsMain } from "../../src/tools/cli.ts";
import { wantedVersions } from "../../src/tools/versions.ts";
import { inProcess } from "../helpers/in-process.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { cleanEnv, ROOT, runScript } from "../helpers/verify-cli.ts";

const committed = () =>
  JSON.parse(readFileSync(join(ROOT, ".github/pulumi-tools.json"), "utf8")) as {
    cli: { version: string; sha256: Record<string, unknown> };
    plugins: { name: string; version: string; sha256: Record<string, unknown> }[];
  };

/** A copy of the committed pin file, changed by `edit`. */
function pinsCopy(edit: (pins: ReturnType<typeof committed>) => void): string {
  const pins = committed();
  edit(pins);
  const path = join(tempDir("pins"), "pulumi-tools.json");
  writeFileSync(path, `${JSON.stringify(pins, null, 2)}\n`);
  return path;
}

const tools = (args: string[]) => {
  const env = cleanEnv();
  return inProcess(
    "pulumi-tools",
    (c) =>
      toolsMain(c, { root: ROOT, env, platform: "linux-x64", run: runProcess, files: localFiles }),
    args,
    env,
  );
};

describe("npm run pulumi-tools -- check", () => {
  test("passes on the committed pin file, package.json and package-lock.json, and says what is not pinned yet", async () => {
    const r = await runScript("pulumi-tools", ["check"], { env: cleanEnv() });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toBe(
      [
        ".github/pulumi-tools.json agrees with package.json and package-lock.json.",
        "  pulumi CLI 3.265.0",
        "    linux-x64    not pinned",
        "  gcp plugin 9.37.0",
        "    linux-amd64  not pinned",
        "Not pinned on linux-x64: install refuses there until an administrator with internet access runs npm run pulumi-tools -- pin --platform linux-x64, reviews the change and commits it.",
        "",
      ].join("\n"),
    );
  });

  test("the committed versions are package.json's pulumi devDependency and package-lock.json's @pulumi/gcp", () => {
    const read = (name: string) => readFileSync(join(ROOT, name), "utf8");
    const wanted = wantedVersions(read("package.json"), read("package-lock.json"));
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<string, { version: string }>;
    };
    expect(wanted).toEqual({
      cli: "3.265.0",
      plugins: [{ name: "gcp", version: lock.packages["node_modules/@pulumi/gcp"]!.version }],
    });
    expect(committed().cli.version).toBe(wanted.cli);
    expect(committed().plugins.map((p) => [p.name, p.version])).toEqual([["gcp", "9.37.0"]]);
  });

  test("prints a pinned digest as it is", async () => {
    const sha = "a".repeat(64);
    const r = await tools(["check", "--pins", pinsCopy((p) => (p.cli.sha256["linux-x64"] = sha))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`    linux-x64    sha256 ${sha}\n`);
    expect(r.stdout).toContain("Not pinned on linux-x64");
  });

  test.each<[string, (p: ReturnType<typeof committed>) => void, string]>([
    [
      "the CLI's version differs from package.json's pulumi",
      (p) => (p.cli.version = "3.264.0"),
      `[cli.version] is "3.264.0", but package.json's devDependencies.pulumi is "3.265.0".`,
    ],
    [
      "the plugin's version differs from package-lock.json's @pulumi/gcp",
      (p) => (p.plugins[0]!.version = "9.36.0"),
      `[plugins[0].version] is "9.36.0", but package-lock.json has @pulumi/gcp 9.37.0.`,
    ],
    [
      "a digest is not 64 hex digits",
      (p) => (p.cli.sha256["linux-x64"] = "abc123"),
      `[cli.sha256.linux-x64] "abc123" is neither a SHA-256 (64 lowercase hex digits) nor null.`,
    ],
    [
      "a digest is in capitals",
      (p) => (p.plugins[0]!.sha256["linux-amd64"] = "AB".repeat(32)),
      `[plugins[0].sha256.linux-amd64] "${"AB".repeat(32)}" is neither a SHA-256`,
    ],
    [
      "a digest is under a platform the tool is not published for",
      (p) => (p.cli.sha256["linux-amd64"] = null),
      "[cli.sha256.linux-amd64] is not a platform of this tool's tarballs (linux-x64, linux-arm64, darwin-x64, darwin-arm64).",
    ],
    [
      "the gcp plugin is not pinned at all",
      (p) => (p.plugins = []),
      "[plugins] has no entry for gcp: package.json depends on @pulumi/gcp 9.37.0.",
    ],
    [
      "a version is not an exact one",
      (p) => (p.cli.version = "^3.265.0"),
      `[cli.version] "^3.265.0" is not an exact version (3.265.0).`,
    ],
  ])("fails, exit 1, when %s, naming the field and what to run", async (_, edit, problem) => {
    const r = await tools(["check", "--pins", pinsCopy(edit)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(problem);
    expect(r.stderr).toMatch(/does not agree with package\.json and package-lock\.json:\n/);
    expect(r.stderr).toContain("After changing versions, run npm run pulumi-tools -- pin (");
  });

  test("--json gives the problems as a list", async () => {
    const r = await tools([
      "check",
      "--json",
      "--pins",
      pinsCopy((p) => (p.cli.version = "1.0.0")),
    ]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      error: { reason: string; problems: string[] };
    };
    expect([doc.ok, doc.error.reason, doc.error.problems.length]).toEqual([
      false,
      "PINS_INVALID",
      1,
    ]);
  });

  test("a pin file that is not JSON is bad input, exit 2", async () => {
    const path = join(tempDir("pins"), "pulumi-tools.json");
    writeFileSync(path, "{ not json");
    const r = await tools(["check", "--pins", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pulumi-tools\.json is not valid JSON\./);
  });

  test("a CLI version in package.json that is a range is refused: it would not say which CLI runs", () => {
    const pkg = JSON.stringify({ devDependencies: { pulumi: "^3.265.0" } });
    expect(() => wantedVersions(pkg, "{}")).toThrow(/not one exact version/);
  });
});

describe("the command line", () => {
  test.each([
    [[], "Which subcommand: check, pin or install?"],
    [["list"], `"list" is not a subcommand (check, pin, install).`],
    [["check", "--dir", "x"], "--dir is an option of install, not of check."],
    [["install", "--platform", "linux-x64", "--dir", "x"], "--platform is an option of pin"],
    [["install"], "install needs --dir DIR"],
    [["pin", "--platform", "windows-x64"], `--platform "windows-x64" is not a platform`],
    [["check", "extra"], `check takes no "extra".`],
    [["check", "--nope"], "Unknown option '--nope'."],
  ])("%j is a usage error, exit 2", async (args, said) => {
    const r = await tools(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(said);
  });

  test.each([
    [[], /^Usage: npm run pulumi-tools -- <check\|pin\|install>/],
    [["check"], /^Usage: npm run pulumi-tools -- check /],
    [["pin"], /^Usage: npm run pulumi-tools -- pin [\s\S]*The administrator's step/],
    [["install"], /^Usage: npm run -s pulumi-tools -- install --dir DIR[\s\S]*>> "\$GITHUB_PATH"/],
  ])("--help after %j prints that page, exit 0", async (args, page) => {
    const r = await tools([...args, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(page);
    expect(r.stdout).toMatch(/^Exit codes:\n {2}0 /m);
  });
});
