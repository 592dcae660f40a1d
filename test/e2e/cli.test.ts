/**
 * What `npm run e2e` needs before it makes anything: arguments that name one mode, Application
 * Default Credentials, a Pulumi CLI that answers, and the caller's e-mail; each missing one is one
 * line and exit 2, with nothing created.
 */

import { readdirSync } from "node:fs";
import { Failure } from "../../src/cli/failure.ts";
import { E2E_HELP } from "../../src/e2e/args.ts";
import { cleanEnv, runScript } from "../helpers/verify-cli.ts";
import { e2e, e2eWorld, type World } from "./world.ts";

const ADOPT = ["--project", "acme-e2e-sandbox"];

/** Nothing was made: no program of a run was started and no folder was created. */
function nothingMade(world: World) {
  expect(world.calls.filter((c) => c.env !== undefined)).toEqual([]);
  expect(readdirSync(world.deps.tempRoot)).toEqual([]);
}

describe("without credentials", () => {
  test("the command run as npm runs it, with no ADC anywhere, exits 2 with one line naming what it needs", async () => {
    const result = await runScript("e2e", ADOPT, { env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^e2e needs Application Default Credentials \(gcloud auth application-default login\): No Application Default Credentials were found \(no GOOGLE_APPLICATION_CREDENTIALS, no gcloud login, no metadata server\)\. Log in with `gcloud auth application-default login`.* Nothing was created\.$/,
    );
  });

  test("with --json the same failure is the one document on stdout", async () => {
    const result = await runScript("e2e", [...ADOPT, "--json"], { env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      command: "e2e",
      error: { reason: "NO_CREDENTIALS" },
    });
  });

  test("credentials that do not work are the same one line, before anything is made", async () => {
    const world = e2eWorld();
    world.deps.connect = () =>
      Promise.reject(
        new Failure(
          "INVALID_GRANT",
          "The refresh token was refused (invalid_grant).",
          "Log in again: gcloud auth application-default login.",
        ),
      );
    const result = await e2e(ADOPT, world);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "e2e needs Application Default Credentials (gcloud auth application-default login): The refresh token was refused (invalid_grant). Log in again: gcloud auth application-default login. Nothing was created.\n",
    );
    nothingMade(world);
  });
});

describe("without a usable Pulumi CLI or e-mail", () => {
  test("a Pulumi CLI that cannot start is one line and exit 2", async () => {
    const world = e2eWorld({
      pulumiVersion: { exitCode: 127, stdout: "", stderr: "", missing: true },
    });
    const result = await e2e(ADOPT, world);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^e2e needs the Pulumi CLI: The Pulumi CLI \(pulumi\) is not on PATH\. .*Nothing was created\.\n$/,
    );
    nothingMade(world);
  });

  test("a user login names no e-mail: gcloud's account is asked, and the report says where it came from", async () => {
    const world = e2eWorld({ principal: "user" });
    const result = await e2e([...ADOPT, "--json"], world);
    expect(result.code).toBe(0);
    expect(world.calls.find((c) => c.program === "gcloud")!.args).toEqual([
      "config",
      "get-value",
      "account",
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      member: "user:ana@example.com",
      caller: { member: "user:ana@example.com", from: "gcloud config get-value account" },
    });
    expect(result.stderr).toContain(
      "[e2e] acting as user:ana@example.com (from gcloud config get-value account)",
    );
  });

  test("credentials that name an e-mail need no gcloud", async () => {
    const world = e2eWorld();
    await e2e(ADOPT, world);
    expect(world.calls.filter((c) => c.program === "gcloud")).toEqual([]);
  });

  test.each([
    [
      "gcloud is not installed",
      { exitCode: 127, stdout: "", stderr: "", missing: true },
      "gcloud is not installed",
    ],
    [
      "gcloud is logged in as nobody",
      { exitCode: 0, stdout: "\n", stderr: "(unset)" },
      'it printed ""',
    ],
  ])("a user login when %s is one line and exit 2", async (_case, gcloud, said) => {
    const world = e2eWorld({ principal: "user", gcloud });
    const result = await e2e(ADOPT, world);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(
      `e2e needs your e-mail, which Application Default Credentials of a user login do not name, from gcloud config get-value account: ${said}.`,
    );
    nothingMade(world);
  });
});

describe("arguments", () => {
  test.each([
    [
      [],
      "e2e needs Application Default Credentials (gcloud auth application-default login) and --parent with --billing-account, or --project.",
    ],
    [
      ["--parent", "folders/1"],
      "--parent and --billing-account go together: the new project needs both.",
    ],
    [
      ["--billing-account", "01A2B3-C4D5E6-F7A8B9"],
      "--parent and --billing-account go together: the new project needs both.",
    ],
    [
      [
        "--project",
        "p-12345",
        "--parent",
        "folders/1",
        "--billing-account",
        "01A2B3-C4D5E6-F7A8B9",
      ],
      "--project and --parent/--billing-account choose two modes.",
    ],
    [
      ["--parent", "projects/1", "--billing-account", "01A2B3-C4D5E6-F7A8B9"],
      '--parent "projects/1" is not folders/NUMBER or organizations/NUMBER.',
    ],
    [
      ["--parent", "folders/1", "--billing-account", "0000"],
      '--billing-account "0000" is not a billing account id such as 01A2B3-C4D5E6-F7A8B9.',
    ],
    [["--project", "My Project"], '--project "My Project" is not a project id'],
    [
      ["--project", "p-12345", "--region", "Europe"],
      '--region "Europe" is not a Google Cloud region',
    ],
    [
      ["--project", "p-12345", "--settle", "soon"],
      '--settle "soon" is not a whole number of seconds.',
    ],
    [
      ["--project", "p-12345", "cleanup"],
      'Unexpected argument "cleanup": the only subcommand is janitor, given first.',
    ],
    [["--project", "p-12345", "--bogus"], "Unknown option '--bogus'."],
    [
      ["janitor", "--older-than", "yesterday"],
      '--older-than "yesterday" is not an age such as 30m, 24h or 7d.',
    ],
    [["janitor", "--older-than", "0h"], '--older-than "0h" is not an age such as 30m, 24h or 7d.'],
    [["janitor", "--project", "p-12345"], "Unknown option '--project'."],
  ])("%j is a usage error: exit 2, one line, nothing asked of Google", async (argv, message) => {
    const world = e2eWorld();
    let connected = false;
    world.deps.connect = () => {
      connected = true;
      return Promise.reject(new Error("not to be called"));
    };
    const result = await e2e(argv, world);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(connected).toBe(false);
    nothingMade(world);
  });

  test("--help, for the run and the janitor, prints the help and exits 0 without asking for credentials", async () => {
    for (const argv of [["--help"], ["janitor", "--help"]]) {
      const world = e2eWorld();
      const result = await e2e(argv, world);
      expect(result).toEqual({ code: 0, stdout: E2E_HELP, stderr: "" });
    }
    expect(E2E_HELP).toMatch(/^Usage: npm run e2e -- --parent folders\/N --billing-account/);
    expect(E2E_HELP).toContain("Exit codes:\n  0    every step passed");
  });

  test("a billing account given as its resource name is written as its id", async () => {
    const world = e2eWorld();
    await e2e(
      ["--parent", "organizations/9", "--billing-account", "billingAccounts/01a2b3-c4d5e6-f7a8b9"],
      world,
    );
    expect(world.stackFile).toContain("billingAccount: 01A2B3-C4D5E6-F7A8B9");
    expect(world.stackFile).toContain("parent: organizations/9");
  });
});
