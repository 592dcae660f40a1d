/**
 * `npm run deploy`, run for real against the stand-in `pulumi` on PATH (which records its calls and
 * answers with the CLI's documented shapes) and, for the verify gate, the fake Google.
 */

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DEPLOY_HELP } from "../../src/deploy/args.ts";
import { deployMain, type DeployCommandDeps } from "../../src/deploy/cli.ts";
import { preflightMain } from "../../src/preflight/cli.ts";
import { verifyMain } from "../../src/verify/cli.ts";
import { readOrUndefined } from "../../scripts/runner.ts";
import { inProcess } from "../helpers/in-process.ts";
import { preflightCommandDeps } from "../helpers/preflight-world.ts";
import { verifyCommandDeps } from "../helpers/verify-run.ts";
import { allStacks, inWaves, parseWaves } from "../../src/deploy/waves.ts";
import {
  fakePulumi,
  inProcessRun,
  type FakePulumi,
  type FakeState,
} from "../helpers/fake-pulumi.ts";
import { projectCopy } from "../helpers/project-copy.ts";
import { cleanEnv, ROOT, runScript, type CliResult } from "../helpers/verify-cli.ts";
import { startPreflightWorld, type PreflightWorld } from "../helpers/preflight-world.ts";
import { expectNoSecrets, SECRETS, startWorld, type World } from "../helpers/verify-world.ts";
import { tempDir } from "../helpers/temp-dir.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.google.close());

function envFor(pulumi: FakePulumi): Record<string, string> {
  return cleanEnv({
    ...world.google.env,
    PATH: pulumi.path,
    FAKE_PULUMI_DIR: pulumi.dir,
    GOOGLE_APPLICATION_CREDENTIALS: world.files.callerKey,
  });
}

/** The collaborators deploy's entry gives its command, with verify and preflight run in this process too. */
const deployDeps = (): DeployCommandDeps => ({
  root: ROOT,
  run: inProcessRun,
  command: async (name, stack, flags) => {
    const argv = ["--stack", stack, ...flags, "--json"];
    const r =
      name === "verify"
        ? await inProcess(name, (c) => verifyMain(c, verifyCommandDeps()), argv, process.env)
        : await inProcess(name, (c) => preflightMain(c, preflightCommandDeps()), argv, process.env);
    return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
  },
  readText: readOrUndefined,
  listStacks: () => readdirSync(join(ROOT, "stacks")),
  tempDir: () => ({ path: tempDir("deploy-logs"), remove: () => undefined }),
  now: Date.now,
  onInterrupt: () => undefined,
});

/** `npm run deploy` with `args` in this process, against a stand-in pulumi holding `state`. */
async function deploy(args: string[], state: FakeState) {
  const pulumi = fakePulumi(state);
  const result = await inProcess(
    "deploy",
    (c) => deployMain(c, deployDeps()),
    args,
    envFor(pulumi),
  );
  return { result, pulumi };
}

const outputs = () =>
  JSON.parse(readFileSync(world.files.outputs, "utf8")) as Record<string, unknown>;
const stacks = (extra: FakeState["stacks"] = {}): FakeState["stacks"] => ({
  dev: { resources: 14, outputs: outputs() },
  staging: { resources: 6, outputs: outputs() },
  prod: { resources: 9, outputs: outputs() },
  ...extra,
});

describe("npm run deploy", () => {
  test("ups every committed stack with --all as argument arrays, verifies each, and prints the summary table", async () => {
    const probes = world.google.requestsTo("countTokens").length;
    const { result, pulumi } = await deploy(["--all", "--skip-preflight"], {
      backend: "gs://acme-pulumi-state",
      stacks: stacks(),
    });
    expect(result.code).toBe(0);
    // Each stack's verify gate calls a model (--probe), not only lists them.
    expect(world.google.requestsTo("countTokens").length - probes).toBe(3);
    const ups = pulumi.calls().filter((c) => c.args[0] === "up");
    expect(ups.map((c) => c.args.slice(0, 3))).toEqual([
      ["up", "--stack", "dev"],
      ["up", "--stack", "staging"],
      ["up", "--stack", "prod"],
    ]);
    for (const c of ups)
      expect(c.args).toEqual(
        expect.arrayContaining(["--non-interactive", "--yes", "--skip-preview", "--event-log"]),
      );
    expect(
      pulumi.calls().filter((c) => c.args[0] === "stack" && c.args[1] === "output"),
    ).toHaveLength(3);
    expect(result.stdout).toMatch(
      /^STACK {4}COMMAND {2}RESULT {2}PREFLIGHT {2}CHANGES {7}VERIFY {2}TIME\ndev {6}up {7}ok {6}skipped {4}\+14 ~0 -0 =0 {2}ok/,
    );
    expect(result.stderr).toMatch(
      /^Preflight skipped \(--skip-preflight\): no checks before up\.$/m,
    );
    expect(result.stdout).toContain("All 3 stacks succeeded.");
    expect(result.stderr).toMatch(/^\[dev\] 1\d resources done$/m);
    expect(result.stderr).toMatch(/^\[dev\] verified$/m);
    expectNoSecrets(world, result.stdout, result.stderr);
  }, 60_000);

  test("runs the waves of stacks/deploy-waves.yaml in order, never a later wave alongside an earlier one", async () => {
    const slow = (resources: number) => ({ resources, delayMs: 10, outputs: outputs() });
    const { result, pulumi } = await deploy(
      ["--all", "--concurrency", "5", "--no-verify", "--skip-preflight"],
      { backend: "gs://b", stacks: { dev: slow(8), staging: slow(4), prod: slow(4) } },
    );
    expect(result.code).toBe(0);
    const run = (stack: string) =>
      pulumi.runs().find((r) => r.args[0] === "up" && r.args[2] === stack)!;
    expect(run("dev").ended).toBeLessThanOrEqual(run("staging").started);
    expect(run("staging").ended).toBeLessThanOrEqual(run("prod").started);
    expect(
      result.stdout
        .split("\n")
        .slice(1, 4)
        .map((l) => l.split(" ")[0]),
    ).toEqual(["dev", "staging", "prod"]);
  }, 60_000);

  test("a failed stack stops the later waves, which are reported as not started; exit 1", async () => {
    const { result, pulumi } = await deploy(["--all", "--no-verify", "--skip-preflight"], {
      backend: "gs://acme-pulumi-state",
      stacks: stacks({
        dev: {
          resources: 6,
          failAt: { up: 3 },
          error: "googleapi: Error 403: Permission 'iam.serviceAccounts.create' denied",
        },
      }),
    });
    expect(result.code).toBe(1);
    expect(
      pulumi
        .calls()
        .filter((c) => c.args[0] === "up")
        .map((c) => c.args[2]),
    ).toEqual(["dev"]);
    expect(result.stdout).toMatch(/\ndev +up +FAILED +skipped +\+3 ~0 -0 =0 +- /);
    expect(result.stdout).toMatch(/\nstaging +up +not started +- +- +- +0s\nprod +up +not started/);
    expect(result.stdout).toContain(
      "dev:\n  googleapi: Error 403: Permission 'iam.serviceAccounts.create' denied",
    );
    expect(result.stdout).toContain(
      "staging:\n  Not started: dev failed in an earlier wave (--keep-going runs the later waves anyway).",
    );
    expect(result.stdout).toContain("3 of 3 stacks did not succeed.");
  }, 60_000);

  test("with --keep-going the later waves run after a failure", async () => {
    const { result, pulumi } = await deploy(
      ["--stack", "staging", "--stack", "dev", "--no-verify", "--keep-going", "--skip-preflight"],
      {
        backend: "gs://acme-pulumi-state",
        stacks: stacks({ dev: { resources: 6, failAt: { up: 3 } } }),
      },
    );
    expect(result.code).toBe(1);
    expect(
      pulumi
        .calls()
        .filter((c) => c.args[0] === "up")
        .map((c) => c.args[2]),
    ).toEqual(["dev", "staging"]);
    expect(result.stdout).toContain("1 of 2 stacks did not succeed.");
  }, 60_000);

  test("fails a stack whose verify gate fails, with verify's reason", async () => {
    const denied = {
      ...outputs(),
      serviceAccounts: {
        runtime: {
          email: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
          keySecret: `${SECRETS.key}-missing`,
        },
      },
    };
    const { result } = await deploy(["--stack", "dev", "--json", "--skip-preflight"], {
      backend: "gs://b",
      stacks: stacks({ dev: { resources: 2, outputs: denied } }),
    });
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as {
      ok: boolean;
      stacks: { stack: string; ok: boolean; verify: { ok: boolean; message: string } }[];
    };
    expect(summary.ok).toBe(false);
    expect(summary.stacks[0]).toMatchObject({
      stack: "dev",
      ok: false,
      result: "failed",
      verify: { ok: false },
    });
    expect(summary.stacks[0]!.verify.message).toMatch(/^SECRET_/);
  }, 60_000);

  test("ups the CI stack, which no consumer uses, with no verify gate, so its administrator's run succeeds", async () => {
    const probes = world.google.requestsTo("countTokens").length;
    const { result, pulumi } = await deploy(["--stack", "ci", "--skip-preflight", "--json"], {
      backend: "gs://b",
      stacks: stacks({ ci: { resources: 100, outputs: { project: "acme-gemini-ci" } } }),
    });
    expect(result.code).toBe(0);
    expect(pulumi.calls().map((c) => c.args.slice(0, 3))).toContainEqual(["up", "--stack", "ci"]);
    expect(pulumi.calls().filter((c) => c.args[0] === "stack" && c.args[1] === "output")).toEqual(
      [],
    );
    expect(world.google.requestsTo("countTokens").length).toBe(probes);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      stacks: [{ stack: "ci", result: "ok", ok: true }],
    });
  }, 60_000);

  test("previews with --preview, a stack at a time with --concurrency 1, and runs no verify", async () => {
    const { result, pulumi } = await deploy(["--all", "--preview", "--concurrency", "1"], {
      backend: "gs://b",
      stacks: stacks(),
    });
    expect(result.code).toBe(0);
    expect(pulumi.calls().map((c) => c.args.slice(0, 3))).toEqual([
      ["version"],
      ["preview", "--stack", "dev"],
      ["preview", "--stack", "staging"],
      ["preview", "--stack", "prod"],
    ]);
    expect(result.stdout).toContain("dev      preview  ok      -          +14 ~0 -0 =0  -");
  }, 60_000);

  test("a missing Pulumi CLI is one line and exit 2, before anything runs", async () => {
    const env = cleanEnv({ PATH: ["/usr/bin", "/bin"].join(":") });
    const result = await runScript("deploy", ["--stack", "dev", "--no-verify"], {
      env,
      timeoutMs: 60_000,
    });
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toBe(
      "The Pulumi CLI (pulumi) is not on PATH. Install it (https://www.pulumi.com/docs/install/) and log in to the stacks' backend (npm run bootstrap).\n",
    );
  }, 60_000);

  test("the pinned pulumi launcher that cannot download its CLI is the same one line and exit 2, naming the version", async () => {
    const home = tempDir("pulumi-home");
    const pinned = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies.pulumi!;
    const env = cleanEnv({
      PATH: [
        join(ROOT, "node_modules", ".bin"),
        dirname(process.execPath),
        "/usr/bin",
        "/bin",
      ].join(":"),
      PULUMI_HOME: home,
      NODE_OPTIONS: `--require ${join(ROOT, "test", "helpers", "offline.cjs")}`,
    });
    const result = await runScript("deploy", ["--stack", "dev", "--no-verify"], {
      env,
      timeoutMs: 60_000,
    });
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      `The Pulumi CLI could not be started: the pulumi npm package could not download Pulumi ${pinned} (fetch failed). It downloads once from get.pulumi.com into $PULUMI_HOME/versions (default ~/.pulumi/versions); allow that, or put that version's pulumi binary there, then log in to the stacks' backend (npm run bootstrap).`,
    ]);
  }, 60_000);

  test.each([
    [
      [],
      "Which stacks? Pass --stack NAME (repeatable) or --all (committed: ci, dev, prod, staging).",
    ],
    [["--stack", "qa"], "No stack file for qa. Committed stacks: ci, dev, prod, staging."],
    [["--stack", "../prod"], '--stack "../prod" is not a stack name'],
    [
      ["--all", "--stack", "dev"],
      "--stack and --all both choose stacks. Pass --stack NAME (repeatable) or --all, not both.",
    ],
    [
      ["--all", "--concurrency", "0"],
      "--concurrency 0 is not a whole number of at least 1. Pass --concurrency 1 or more.",
    ],
  ])(
    "refuses %j with exit 2 and one line on stderr before running anything",
    async (args, message) => {
      const { result, pulumi } = await deploy(args, { stacks: {} });
      expect([result.code, result.stdout]).toEqual([2, ""]);
      expect(result.stderr).toContain(message);
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(pulumi.calls()).toEqual([]);
    },
    60_000,
  );

  test("with --json a usage error is a JSON document too", async () => {
    const { result } = await deploy(["--stack", "qa", "--json"], { stacks: {} });
    expect([result.code, result.stderr]).toEqual([2, ""]);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      command: "deploy",
      error: {
        reason: "USAGE",
        message: "No stack file for qa.",
        fix: "Committed stacks: ci, dev, prod, staging.",
      },
    });
  }, 60_000);

  test("explains itself with --help, exit codes included", async () => {
    const { result } = await deploy(["--help"], {});
    expect([result.code, result.stdout]).toEqual([0, DEPLOY_HELP]);
    expect(DEPLOY_HELP).toMatch(/^ {2}130 +interrupted \(Ctrl-C\)$/m);
  }, 60_000);
});

describe("preflight before each up", () => {
  let pw: PreflightWorld;
  beforeEach(async () => {
    pw = await startPreflightWorld();
  });
  afterEach(() => pw.google.close());

  /** As CI's deployer: ADC is its key, Google is the fake organisation preflight reads. */
  function deployAsDeployer(args: string[]) {
    const pulumi = fakePulumi({ backend: "gs://b", stacks: stacks() });
    const env = cleanEnv({
      ...pw.google.env,
      PATH: pulumi.path,
      FAKE_PULUMI_DIR: pulumi.dir,
      GOOGLE_APPLICATION_CREDENTIALS: pw.adc,
    });
    return inProcess("deploy", (c) => deployMain(c, deployDeps()), args, env).then((result) => ({
      result,
      pulumi,
    }));
  }
  const ups = (pulumi: FakePulumi) =>
    pulumi
      .calls()
      .filter((c) => c.args[0] === "up")
      .map((c) => c.args[2]);

  test("runs preflight as the caller, then up when every check passes; the summary and the JSON say so", async () => {
    const { result, pulumi } = await deployAsDeployer(["--stack", "dev", "--no-verify", "--json"]);
    expect(result.code).toBe(0);
    expect(ups(pulumi)).toEqual(["dev"]);
    expect(result.stderr).toMatch(/^\[dev\] preflight\n\[dev\] up\n/m);
    const summary = JSON.parse(result.stdout) as {
      stacks: { preflight: { ok: boolean; message: string; failures: string[] } }[];
    };
    expect(summary.stacks[0]!.preflight).toMatchObject({ ok: true, failures: [] });
    expect(summary.stacks[0]!.preflight.message).toMatch(/^\d+ checks passed/);
    expect(pw.google.state.requests.some((r) => r.path.includes(":getEffectivePolicy"))).toBe(true);
  }, 60_000);

  test("an organisation that denies an API the stack needs stops the dev stack before pulumi runs, with the fix, and the later stacks do not start", async () => {
    pw.policy("gcp.restrictServiceUsage", {
      rules: [{ values: { deniedValues: ["generativelanguage.googleapis.com"] } }],
    });
    const { result, pulumi } = await deployAsDeployer([
      "--stack",
      "dev",
      "--stack",
      "staging",
      "--no-verify",
    ]);
    expect(result.code).toBe(1);
    expect(ups(pulumi)).toEqual([]);
    expect(result.stdout).toMatch(/^dev +up +FAILED +failed +- +- +\d+s$/m);
    expect(result.stdout).toMatch(
      /^dev:\n {2}preflight org-policy gcp\.restrictServiceUsage \(acme-gemini-dev\): .*\n {2}fix: /m,
    );
    expect(result.stdout).toContain("staging:\n  Not started: dev failed in an earlier wave");
    expect(result.stderr).toMatch(/^\[dev\] failed preflight$/m);
  }, 60_000);

  test("an organisation that blocks key creation does not stop up, which makes no key: preflight passes it with a warning", async () => {
    pw.policy("iam.disableServiceAccountKeyCreation", { rules: [{ enforce: true }] });
    const { result, pulumi } = await deployAsDeployer(["--stack", "dev", "--no-verify"]);
    expect(result.code).toBe(0);
    expect(ups(pulumi)).toEqual(["dev"]);
    expect(result.stdout).toMatch(/^dev +up +ok +ok \(\d+ warn\)/m);
  }, 60_000);

  test("--skip-preflight runs up in that organisation all the same, and says so on stderr and in the JSON", async () => {
    pw.policy("iam.disableServiceAccountKeyCreation", { rules: [{ enforce: true }] });
    const { result, pulumi } = await deployAsDeployer([
      "--stack",
      "dev",
      "--no-verify",
      "--skip-preflight",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(ups(pulumi)).toEqual(["dev"]);
    expect(result.stderr).toMatch(/^Preflight skipped \(--skip-preflight\)/m);
    expect(
      (JSON.parse(result.stdout) as { stacks: { preflight: unknown }[] }).stacks[0]!.preflight,
    ).toEqual({ ok: true, skipped: true, message: "skipped (--skip-preflight)", failures: [] });
    expect(pw.google.state.requests.some((r) => r.path.includes(":getEffectivePolicy"))).toBe(
      false,
    );
  }, 60_000);

  test("Ctrl-C while preflight is reading Google stops it, runs no up, reports the stack interrupted, and exits 130", async () => {
    const pulumi = fakePulumi({ backend: "gs://b", stacks: stacks() });
    const env = cleanEnv({
      ...pw.google.env,
      PATH: pulumi.path,
      FAKE_PULUMI_DIR: pulumi.dir,
      GOOGLE_APPLICATION_CREDENTIALS: pw.adc,
    });
    // Google holds its answer to preflight's first read until the test lets go, so the interrupt lands mid-check.
    let release!: () => void;
    const held = new Promise<"drop">((resolve) => (release = () => resolve("drop")));
    let reached!: () => void;
    const reading = new Promise<void>((resolve) => (reached = resolve));
    pw.google.state.hooks.set("projects.get", () => {
      reached();
      return held;
    });
    const child = spawn(
      process.execPath,
      [...readScript("deploy"), "--stack", "dev", "--stack", "staging", "--no-verify"],
      { cwd: ROOT, env },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await reading;
      child.kill("SIGINT");
      expect(await closed).toBe(130);
    } finally {
      release();
    }
    expect(ups(pulumi)).toEqual([]);
    expect(stderr).toMatch(/^\[dev\] preflight$/m);
    expect(stdout).toMatch(/^dev +up +INTERRUPTED /m);
    expect(stdout).toMatch(/^staging +up +not started /m);
    expect(stdout).toContain("staging:\n  Not started: interrupted (Ctrl-C).");
  }, 60_000);

  test("a preview runs no preflight", async () => {
    const { result } = await deployAsDeployer(["--stack", "dev", "--preview"]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain("preflight");
    expect(pw.google.state.requests).toEqual([]);
  }, 60_000);
});

describe("Ctrl-C during a deploy", () => {
  test("passes the interrupt to the running pulumi once, starts no more stacks, prints what finished, and exits 130", async () => {
    const pulumi = fakePulumi({
      backend: "gs://b",
      stacks: stacks({ dev: { resources: 200, delayMs: 50, outputs: outputs() } }),
    });
    const child = spawn(process.execPath, [...readScript("deploy"), "--all", "--skip-preflight"], {
      cwd: ROOT,
      env: envFor(pulumi),
    });
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const interrupted = new Promise<void>((resolve) => {
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        if (/^\[dev\] \d+ resources done$/m.test(stderr)) resolve();
      });
    });
    await interrupted;
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(130);
    expect(pulumi.signals()).toEqual([
      { args: expect.arrayContaining(["up", "dev"]), signal: "SIGINT", interrupts: 1 },
    ]);
    expect(
      pulumi
        .calls()
        .filter((c) => c.args[0] === "up")
        .map((c) => c.args[2]),
    ).toEqual(["dev"]);
    expect(stdout).toMatch(/^dev +up +INTERRUPTED /m);
    expect(stdout).toMatch(/^staging +up +not started /m);
    expect(stdout).toContain("staging:\n  Not started: interrupted (Ctrl-C).");
    expect(stdout).toContain("Interrupted: 0 finished, 0 failed, 1 interrupted, 2 not started.");
    expect(stderr).toContain("Interrupted: passing it to the running pulumi commands");
  }, 60_000);

  test("D1: the interrupt reaches the CLI behind the pulumi npm launcher, which dies on Ctrl-C without passing it on", async () => {
    const pulumi = fakePulumi({
      backend: "gs://b",
      stacks: stacks({ dev: { resources: 200, delayMs: 50, outputs: outputs() } }),
    });
    // A launcher as the pulumi package's is: the real CLI its child, and no SIGINT handed down.
    const launcher = tempDir("launcher");
    writeFileSync(
      join(launcher, "pulumi"),
      [
        `#!${process.execPath}`,
        'const { spawn } = require("node:child_process");',
        `const cli = spawn(${JSON.stringify(process.execPath)}, [${JSON.stringify(join(ROOT, "test", "helpers", "fake-pulumi", "pulumi"))}, ...process.argv.slice(2)], { stdio: "inherit" });`,
        'process.on("SIGINT", () => process.exit(130));',
        'cli.on("exit", (code) => process.exit(code ?? 1));',
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const env = envFor(pulumi);
    const child = spawn(
      process.execPath,
      [...readScript("deploy"), "--stack", "dev", "--skip-preflight"],
      {
        cwd: ROOT,
        env: { ...env, PATH: `${launcher}:${env.PATH}` },
      },
    );
    let stderr = "";
    const interrupted = new Promise<void>((resolve) => {
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        if (/^\[dev\] \d+ resources done$/m.test(stderr)) resolve();
      });
    });
    await interrupted;
    child.kill("SIGINT");
    expect(await new Promise<number | null>((resolve) => child.on("close", resolve))).toBe(130);
    expect(pulumi.signals()).toEqual([
      { args: expect.arrayContaining(["up", "dev"]), signal: "SIGINT", interrupts: 1 },
    ]);
  }, 60_000);
});

function readScript(name: string): string[] {
  return (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts[name]!.split(" ").slice(1);
}

describe("the deploy order file", () => {
  test("lists every committed stack in exactly one wave", () => {
    expect(() =>
      parseWaves("waves:\n  - [dev]\n  - [staging]\n", ["dev", "prod", "staging"]),
    ).toThrow("stacks/deploy-waves.yaml does not list prod");
    expect(() => parseWaves("waves:\n  - [dev]\nadmin: [dev]\n", ["dev"])).toThrow(
      "lists dev more than once",
    );
    expect(() => parseWaves("waves:\n  - [dev, prod]\n  - [prod]\n", ["dev", "prod"])).toThrow(
      "lists prod more than once",
    );
    expect(() => parseWaves("waves:\n  - [dev, qa]\n", ["dev"])).toThrow(
      "lists qa, which has no stack file",
    );
    expect(() => parseWaves("waves: dev\n", ["dev"])).toThrow(
      "has no waves: list of lists of stack names",
    );
    expect(() => parseWaves("waves:\n\t- [dev]\n", ["dev"])).toThrow(
      "stacks/deploy-waves.yaml:2:1: Tabs are not allowed as indentation",
    );
  });

  test("D4: the CI stack in a wave is refused, before anything runs: --all would apply it with an environment's deployer", async () => {
    const deps: DeployCommandDeps = {
      ...deployDeps(),
      readText: (path) =>
        path.endsWith("deploy-waves.yaml")
          ? "waves:\n  - [ci, dev]\n  - [staging]\n  - [prod]\n"
          : readOrUndefined(path),
    };
    const pulumi = fakePulumi({ stacks: {} });
    const result = await inProcess("deploy", (c) => deployMain(c, deps), ["--all"], envFor(pulumi));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "stacks/deploy-waves.yaml lists ci in a wave, but it is a CI stack (gemini-access-kit:ci): --all and CI would apply it with an environment's deployer.",
    );
    expect(result.stderr).toContain("Move ci under admin: in stacks/deploy-waves.yaml");
    expect(pulumi.calls()).toEqual([]);
  });

  test("orders the chosen stacks by it, whatever order they were named in", () => {
    const waves = parseWaves(readFileSync(join(ROOT, "stacks", "deploy-waves.yaml"), "utf8"), [
      "ci",
      "dev",
      "prod",
      "staging",
    ]);
    expect(inWaves(["prod", "dev"], waves)).toEqual([["dev"], ["prod"]]);
    expect(inWaves(["staging", "prod", "dev"], waves)).toEqual([["dev"], ["staging"], ["prod"]]);
    expect(inWaves(["dev", "ci"], waves)).toEqual([["ci"], ["dev"]]);
    expect(allStacks(waves)).toEqual(["dev", "staging", "prod"]);
  });
});

/** tmux gives the command a real terminal of a chosen size; its screen is read back with capture-pane. */
const tmux = spawnSync("tmux", ["-V"], { encoding: "utf8" });
const noTmux = tmux.error ? "tmux is not installed" : undefined;
(noTmux ? describe.skip : describe)(
  `on a terminal 60 columns wide${noTmux ? ` (skipped: ${noTmux})` : ""}`,
  () => {
    test("every progress line fits the width, each stack has one line, and its time is the summary's", async () => {
      const stacksFiles = {
        "Pulumi.development-europe-west1-primary.yaml": "config:\n  gcp:project: acme-gemini-dev\n",
        "Pulumi.production-europe-west1-primary.yaml": "config:\n  gcp:project: acme-gemini-prod\n",
        "deploy-waves.yaml":
          "waves:\n  - [development-europe-west1-primary, production-europe-west1-primary]\n",
      };
      const project = projectCopy(stacksFiles);
      const slow = { resources: 120, delayMs: 6, outputs: outputs() };
      const pulumi = fakePulumi({
        backend: "gs://b",
        stacks: {
          "development-europe-west1-primary": slow,
          "production-europe-west1-primary": { ...slow, failAt: { up: 100 } },
        },
      });
      const socket = `gak-test-${process.pid}`;
      const env = Object.entries(envFor(pulumi))
        .map(([k, v]) => `${k}=${shellQuote(v)}`)
        .join(" ");
      const command = `cd ${shellQuote(project)} && env -i ${env} TERM=xterm ${shellQuote(process.execPath)} ${readScript("deploy").map(shellQuote).join(" ")} --all --no-verify --skip-preflight; echo DEPLOY-EXIT=$?; sleep 60`;
      execFileSync("tmux", [
        "-L",
        socket,
        "new-session",
        "-d",
        "-x",
        "60",
        "-y",
        "30",
        "-s",
        "deploy",
        command,
      ]);
      try {
        let screen = "";
        for (let i = 0; i < 300 && !screen.includes("DEPLOY-EXIT="); i++) {
          await new Promise((r) => setTimeout(r, 100));
          // -J joins lines the terminal wrapped: a joined line wider than the pane is one that wrapped.
          screen = execFileSync(
            "tmux",
            ["-L", socket, "capture-pane", "-p", "-J", "-t", "deploy"],
            { encoding: "utf8" },
          );
        }
        expect(screen).toContain("DEPLOY-EXIT=1");
        const lines = screen.split("\n").map((l) => l.trimEnd());
        // The progress display is what stands above the summary table (which, like any table, may wrap).
        const display = lines.slice(
          0,
          lines.findIndex((l) => l.startsWith("STACK ")),
        );
        expect(display.length).toBeGreaterThan(0);
        for (const line of display) expect([line, [...line].length <= 60]).toEqual([line, true]);
        for (const stack of [
          "development-europe-west1-primary",
          "production-europe-west1-primary",
        ]) {
          const progress = display.filter((l) => l.startsWith(`  ${stack.slice(0, 10)}`));
          expect(progress).toHaveLength(1);
          const shown = /(\d+)s$/.exec(progress[0]!)?.[1];
          const summary = new RegExp(`^${stack} +up .* (\\d+)s$`, "m").exec(screen)?.[1];
          expect([stack, shown]).toEqual([stack, summary]);
        }
      } finally {
        spawnSync("tmux", ["-L", socket, "kill-server"]);
      }
    }, 60_000);
  },
);

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

export type { CliResult };
