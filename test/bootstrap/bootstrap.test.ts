/**
 * `npm run bootstrap` against the stand-in `pulumi` on PATH, and against the real CLI when one is
 * installed. The steps must be idempotent, and the client secret must travel only on stdin.
 */

import { readOrUndefined } from "../../scripts/runner.ts";
import { bootstrapMain } from "../../src/bootstrap/cli.ts";
import { inProcess } from "../helpers/in-process.ts";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { BOOTSTRAP_HELP } from "../../src/bootstrap/args.ts";
import { COORDINATES_FILE, parseCoordinates, renderCoordinates } from "../../src/ci-coordinates.ts";
import { commandContext, runCommand } from "../../src/cli/main.ts";
import { planMain } from "../../src/plan/cli.ts";
import { coordinatesOf } from "../helpers/fleet.ts";
import { clientFile } from "../helpers/fixtures.ts";
import { fakePulumi, inProcessRun, type FakePulumi } from "../helpers/fake-pulumi.ts";
import { projectCopy } from "../helpers/project-copy.ts";
import { cleanEnv, ROOT, runScript } from "../helpers/verify-cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const KMS =
  "gcpkms://projects/acme-platform-ops/locations/global/keyRings/pulumi/cryptoKeys/stacks";
const CHANGING = (args: string[]) =>
  ["login", "init", "set"].includes(
    args[0] === "stack" || args[0] === "config" ? args[1]! : args[0]!,
  );

/**
 * The command in this process (see inProcess), the stand-in pulumi too, on the stacks under `root`.
 * The coordinates file is `files[COORDINATES_FILE]` (absent when undefined), never the project's:
 * what the command writes lands there.
 */
function bootstrap(
  pulumi: FakePulumi,
  args: string[],
  root = ROOT,
  files: Record<string, string | undefined> = {},
) {
  const env = cleanEnv({ PATH: pulumi.path, FAKE_PULUMI_DIR: pulumi.dir });
  const coordinates = join(root, COORDINATES_FILE);
  const deps = {
    root,
    run: inProcessRun,
    readFile: (path: string) => readFileSync(path, "utf8"),
    readText: (path: string) =>
      path === coordinates ? files[COORDINATES_FILE] : readOrUndefined(path),
    writeText: (path: string, text: string) => {
      if (path !== coordinates) throw new Error(`bootstrap wrote ${path}`);
      files[COORDINATES_FILE] = text;
    },
  };
  return inProcess("bootstrap", (c) => bootstrapMain(c, deps), args, env);
}

function clientOnDisk(project: string) {
  const file = clientFile(project);
  const path = join(tempDir("client"), "client_secret.json");
  writeFileSync(path, file.text, { mode: 0o600 });
  return { ...file, path };
}

describe("npm run bootstrap", () => {
  test("logs in, creates the stack with its secrets provider and hands over the client file on stdin; a second run changes nothing", async () => {
    const pulumi = fakePulumi({ stacks: {} });
    const client = clientOnDisk("acme-gemini-prod");
    const args = [
      "--stack",
      "prod",
      "--backend",
      "gs://acme-pulumi-state",
      "--secrets-provider",
      KMS,
      "--client-file",
      client.path,
    ];
    const first = await bootstrap(pulumi, args);
    expect(first.code).toBe(0);
    expect(
      pulumi
        .calls()
        .filter((c) => CHANGING(c.args))
        .map((c) => c.args),
    ).toEqual([
      ["login", "gs://acme-pulumi-state"],
      ["stack", "init", "prod", "--secrets-provider", KMS],
      ["config", "set", "--secret", "gemini-access-kit:oauthClientJson", "--stack", "prod"],
    ]);
    const set = pulumi.calls().find((c) => c.args[1] === "set")!;
    expect(set.stdin).toBe(client.text);
    expect(pulumi.state().stacks!.prod!.config!["gemini-access-kit:oauthClientJson"]).toEqual({
      value: client.text,
      secret: true,
    });
    for (const call of pulumi.calls())
      expect(call.args.join(" ")).not.toContain(client.clientSecret);
    expect(first.stdout).not.toContain(client.clientSecret);

    const before = pulumi.calls().length;
    const second = await bootstrap(pulumi, args);
    expect(second.code).toBe(0);
    expect(
      pulumi
        .calls()
        .slice(before)
        .filter((c) => CHANGING(c.args)),
    ).toEqual([]);
    expect(second.stdout).toMatch(
      /^already +backend: logged in to gs:\/\/acme-pulumi-state\nalready +stack: stack prod exists\n/,
    );
    expect(second.stdout).toContain("already   oauthClientJson: client ");
  }, 60_000);

  test("refuses a client file of the wrong kind before running anything, with exit 2 as its help says", async () => {
    const pulumi = fakePulumi({ backend: "gs://b", stacks: { prod: {} } });
    const path = join(tempDir("client"), "client_secret.json");
    writeFileSync(path, JSON.stringify({ web: { client_id: "1-x.apps.googleusercontent.com" } }));
    const result = await bootstrap(pulumi, [
      "--stack",
      "prod",
      "--backend",
      "gs://other",
      "--client-file",
      path,
    ]);
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toContain(
      `${path} is not a usable Desktop client file; nothing was changed:\n  - installed`,
    );
    expect(pulumi.calls()).toEqual([]);
    expect(BOOTSTRAP_HELP).toMatch(/^ {2}2 +a usage or input error/m);
  }, 60_000);

  test("refuses a stack file that is not valid YAML before running anything", () => {
    const pulumi = fakePulumi({ backend: "gs://b", stacks: {} });
    const project = projectCopy({ "Pulumi.qa.yaml": "config:\n\tgcp:project: acme-gemini-qa\n" });
    const script = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts
      .bootstrap!.split(" ")
      .slice(1);
    const run = spawnSync(
      process.execPath,
      [...script, "--stack", "qa", "--backend", "gs://acme-state"],
      {
        cwd: project,
        env: cleanEnv({ PATH: pulumi.path, FAKE_PULUMI_DIR: pulumi.dir }),
        encoding: "utf8",
      },
    );
    expect([run.status, run.stdout]).toEqual([2, ""]);
    expect(run.stderr).toBe(
      "stacks/Pulumi.qa.yaml:2:1: Tabs are not allowed as indentation (the file is not valid YAML). Indent with spaces: YAML does not allow tabs for indentation.\n",
    );
    expect(pulumi.calls()).toEqual([]);
  }, 60_000);

  test("says in one line, exit 2, when the Pulumi CLI is not installed", async () => {
    const env = cleanEnv({ PATH: ["/usr/bin", "/bin"].join(":") });
    const result = await runScript(
      "bootstrap",
      ["--stack", "dev", "--backend", "gs://acme-state"],
      { env, timeoutMs: 60_000 },
    );
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toBe(
      "The Pulumi CLI (pulumi) is not on PATH. Install it (https://www.pulumi.com/docs/install/) and run bootstrap again.\n",
    );
  }, 60_000);

  test("with --json prints one document: every step, and whether all of them are done", async () => {
    const pulumi = fakePulumi({ backend: "gs://b", stacks: {} });
    const result = await bootstrap(pulumi, ["--stack", "dev", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      command: "bootstrap",
      stack: "dev",
      steps: [
        { step: "backend", status: "already", detail: "logged in to gs://b" },
        {
          step: "stack",
          status: "failed",
          detail: expect.stringContaining("Stack dev does not exist yet."),
        },
      ],
    });
  }, 60_000);

  /** The committed CI stack's outputs as its up exports them: the offline plan's, with what only the cloud knows. */
  async function ciOutput() {
    let out = "";
    const ctx = commandContext(["--stack", "ci", "--outputs"], {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
    });
    const code = await runCommand(
      "plan",
      (c) => planMain(c, { root: ROOT, readFile: (p) => readFileSync(p, "utf8") }),
      ctx,
    );
    expect([code, out.slice(0, 1)]).toEqual([0, "{"]);
    const { ci } = JSON.parse(out) as {
      ci: { environments: Record<string, Record<string, string>> };
    };
    for (const [env, o] of Object.entries(ci.environments)) o.secretsProvider = kms(env);
    return {
      ...ci,
      workloadIdentityProvider: parseCoordinates(readFileSync(join(ROOT, COORDINATES_FILE), "utf8"))
        .dev!.workloadIdentityProvider,
    };
  }
  const kms = (env: string) =>
    `gcpkms://projects/acme-gemini-ci/locations/europe-west1/keyRings/gak-state/cryptoKeys/${env}`;

  test("for the committed CI stack, writes its outputs into the coordinates file the workflows read (the committed one, exactly), says to commit it, and prints each environment's bootstrap", async () => {
    const ci = await ciOutput();
    const pulumi = fakePulumi({
      backend: "gs://acme-gemini-admin",
      stacks: { ci: { outputs: { ci } } },
    });
    const files: Record<string, string | undefined> = {};
    const result = await bootstrap(pulumi, ["--stack", "ci", "--skip-github-checks"], ROOT, files);
    expect(result.code).toBe(0);
    expect(files[COORDINATES_FILE]).toBe(readFileSync(join(ROOT, COORDINATES_FILE), "utf8"));
    expect(
      result.stdout.slice(
        result.stdout.indexOf("done      coordinates"),
        result.stdout.indexOf("warning   github settings"),
      ),
    ).toBe(
      [
        "done      coordinates: wrote .github/gak-environments.json (+ added, ~ changed, - removed):",
        "    + dev",
        "    + prod",
        "    + staging",
        "  commit it: the workflows read it to know each environment's accounts and state (git add .github/gak-environments.json && git commit)",
        "  set up each environment's stack in its own backend, with its own key:",
        ...["dev", "prod", "staging"].map(
          (env) =>
            `    npm run bootstrap -- --stack ${env} --backend gs://acme-gemini-state-${env} --secrets-provider ${kms(env)}`,
        ),
        "",
      ].join("\n"),
    );

    // Run again on what it wrote: nothing to change.
    const again = await bootstrap(pulumi, ["--stack", "ci", "--skip-github-checks"], ROOT, files);
    expect(again.stdout).toContain(
      "already   coordinates: .github/gak-environments.json holds the 3 environments of ci as its outputs give them\n",
    );
  }, 60_000);

  test("rewrites only its own CI stack's entries: another CI stack's stay, an environment it no longer governs goes, and each change is listed; --dry-run lists them and writes nothing", async () => {
    const ci = await ciOutput();
    const other = coordinatesOf("eu", {
      keyed: false,
      previewed: false,
      ciStack: "ci-eu",
      ciProject: "acme-gemini-ci-eu",
    });
    const committedFile = readFileSync(join(ROOT, COORDINATES_FILE), "utf8");
    const before = renderCoordinates({ ...parseCoordinates(committedFile), eu: other });
    delete ci.environments.prod;
    ci.environments.dev!.deployer = "gak-deploy2-dev@acme-gemini-ci.iam.gserviceaccount.com";
    ci.environments.qa = {
      ...ci.environments.staging!,
      githubEnvironment: "qa",
      deployer: "gak-deploy-qa@acme-gemini-ci.iam.gserviceaccount.com",
      backendUrl: "gs://acme-gemini-state-qa",
    };
    delete ci.environments.qa.previewer;
    const pulumi = fakePulumi({
      backend: "gs://acme-gemini-admin",
      stacks: { ci: { outputs: { ci } } },
    });
    const changes = [
      "    ~ dev: deployer gak-deploy-dev@acme-gemini-ci.iam.gserviceaccount.com -> gak-deploy2-dev@acme-gemini-ci.iam.gserviceaccount.com",
      "    - prod: ci no longer governs it",
      "    + qa",
    ];

    const files: Record<string, string | undefined> = { [COORDINATES_FILE]: before };
    const dry = await bootstrap(
      pulumi,
      ["--stack", "ci", "--skip-github-checks", "--dry-run"],
      ROOT,
      files,
    );
    expect(dry.stdout).toContain(
      [
        "would run coordinates: would write .github/gak-environments.json (+ added, ~ changed, - removed):",
        ...changes,
        "",
      ].join("\n"),
    );
    expect(files[COORDINATES_FILE]).toBe(before);

    const result = await bootstrap(pulumi, ["--stack", "ci", "--skip-github-checks"], ROOT, files);
    expect(result.stdout).toContain(
      [
        "done      coordinates: wrote .github/gak-environments.json (+ added, ~ changed, - removed):",
        ...changes,
        "",
      ].join("\n"),
    );
    const written = parseCoordinates(files[COORDINATES_FILE]!);
    expect(Object.keys(written).sort()).toEqual(["dev", "eu", "qa", "staging"]);
    expect(written.eu).toEqual(other);
    expect(written.qa).toEqual({
      ciStack: "ci",
      githubEnvironment: "qa",
      workloadIdentityProvider: ci.workloadIdentityProvider,
      deployer: "gak-deploy-qa@acme-gemini-ci.iam.gserviceaccount.com",
      backend: "gs://acme-gemini-state-qa",
    });
  }, 60_000);

  test("fails the step, naming the fix, when the CI stack was deployed by a version whose outputs lack what the workflows need, and writes nothing", async () => {
    const ci = await ciOutput();
    delete ci.environments.dev!.rotationEnvironment;
    const pulumi = fakePulumi({
      backend: "gs://acme-gemini-admin",
      stacks: { ci: { outputs: { ci } } },
    });
    const files: Record<string, string | undefined> = {};
    const result = await bootstrap(pulumi, ["--stack", "ci", "--skip-github-checks"], ROOT, files);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "failed    coordinates: the ci output of ci lacks ci.environments.dev.rotationEnvironment: it was deployed by an earlier version of the kit. Deploy it again (npm run deploy -- --stack ci; only its outputs change), then run bootstrap again.\n",
    );
    expect(files).toEqual({});
  }, 60_000);

  test("for an environment stack, points to the CI stack's bootstrap for the coordinates file", async () => {
    const pulumi = fakePulumi({ backend: "gs://b", stacks: { dev: {} } });
    const result = await bootstrap(pulumi, ["--stack", "dev"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "skipped   coordinates: the CI stack's bootstrap writes .github/gak-environments.json, once an administrator has deployed it: npm run bootstrap -- --stack ci",
    );
    expect(pulumi.calls().map((c) => c.args.slice(0, 2))).not.toContainEqual(["stack", "output"]);
  }, 60_000);

  test("refuses a passphrase for a production stack with exit 2, before changing anything", async () => {
    const pulumi = fakePulumi({ backend: "gs://b", stacks: {} });
    const result = await bootstrap(pulumi, ["--stack", "prod", "--secrets-provider", "passphrase"]);
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toBe(
      "Stack prod is a production stack (production: true); a passphrase would let whoever learns it decrypt every secret in its state, offline. Nothing was changed. Pass its KMS key: --secrets-provider gcpkms://... (the CI stack's ci.environments.<stack>.secretsProvider output).\n",
    );
    expect(pulumi.calls()).toEqual([]);
  }, 60_000);

  test("refuses, exit 2, to hand the OAuth client to a stack pull requests preview, before running anything: its stack file is unchanged", async () => {
    const committed = (stack: string) =>
      readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");
    const stacks = { "Pulumi.ci.yaml": committed("ci"), "Pulumi.dev.yaml": committed("dev") };
    expect(stacks["Pulumi.ci.yaml"]).toContain("previews: [dev, staging]");
    const project = projectCopy(stacks);
    const pulumi = fakePulumi({ backend: "gs://b", stacks: { dev: {} } });
    const client = clientOnDisk("acme-gemini-dev");
    const args = ["--stack", "dev", "--client-file", client.path];
    const result = await bootstrap(pulumi, args, project);
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toBe(
      "Stack dev is in ci.previews of stacks/Pulumi.ci.yaml: every pull request previews it, and a preview decrypts its config, so the OAuth client's secret would reach the code of any pull request. Nothing was changed. Keep the client in a stack that is not previewed; or remove dev from ci.previews and have an administrator apply the CI stack (npm run deploy -- --stack ci) before running this again.\n",
    );
    expect(pulumi.calls()).toEqual([]);
    expect(pulumi.state().stacks!.dev!.config).toBeUndefined();
    expect(readFileSync(join(project, "stacks", "Pulumi.dev.yaml"), "utf8")).toBe(committed("dev"));

    // The same stack, once the CI stack no longer previews it, takes the client.
    const unpreviewed = projectCopy({
      ...stacks,
      "Pulumi.ci.yaml": stacks["Pulumi.ci.yaml"].replace(
        "previews: [dev, staging]",
        "previews: [staging]",
      ),
    });
    expect((await bootstrap(pulumi, args, unpreviewed)).code).toBe(0);
    expect(pulumi.state().stacks!.dev!.config!["gemini-access-kit:oauthClientJson"]).toEqual({
      value: client.text,
      secret: true,
    });
  }, 60_000);

  test("with --dry-run says what it would run and changes nothing", async () => {
    const pulumi = fakePulumi({ stacks: {} });
    const result = await bootstrap(pulumi, [
      "--stack",
      "dev",
      "--backend",
      "file:///tmp/state",
      "--secrets-provider",
      "passphrase",
      "--dry-run",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("would run backend: pulumi login file:///tmp/state");
    expect(result.stdout).toContain(
      "would run stack: pulumi stack init dev --secrets-provider passphrase",
    );
    expect(pulumi.calls().filter((c) => CHANGING(c.args))).toEqual([]);
  }, 60_000);

  test("will not create a stack without a secrets provider, and says which to pass", async () => {
    const pulumi = fakePulumi({ backend: "gs://b", stacks: {} });
    const result = await bootstrap(pulumi, ["--stack", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "failed    stack: Stack dev does not exist yet. Pass --secrets-provider gcpkms://",
    );
  }, 60_000);

  test.each([
    [[], "Which stack? Pass --stack NAME."],
    [["--stack", "../prod"], '--stack "../prod" is not a stack name'],
    [
      ["--stack", "dev", "--backend", "s3://bucket"],
      "--backend s3://bucket is not a backend URL. Pass gs://BUCKET, file://DIR or https://api.pulumi.com.",
    ],
    [
      ["--stack", "dev", "--secrets-provider", "awskms://x"],
      "--secrets-provider awskms://x is not a secrets provider. Pass gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K, or passphrase.",
    ],
    [
      ["--stack", "prod", "--client-file", "/nonexistent/client_secret.json"],
      "Cannot read /nonexistent/client_secret.json (ENOENT). Check the path of the downloaded client_secret.json.",
    ],
  ])(
    "refuses %j with exit 2 and one line on stderr, running nothing",
    async (args, message) => {
      const pulumi = fakePulumi({});
      const result = await bootstrap(pulumi, args);
      expect([result.code, result.stdout]).toEqual([2, ""]);
      expect(result.stderr).toContain(message);
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(pulumi.calls()).toEqual([]);
    },
    60_000,
  );

  test("explains itself with --help", async () => {
    const result = await bootstrap(fakePulumi({}), ["--help"]);
    expect([result.code, result.stdout]).toEqual([0, BOOTSTRAP_HELP]);
  }, 60_000);
});

/**
 * The real Pulumi CLI, when this machine has it: the one the pinned launcher (node_modules/.bin/pulumi)
 * downloaded into $PULUMI_HOME/versions, or a pulumi on PATH that is not the launcher. The launcher
 * itself is never run here: on a machine without the CLI it would download it, and tests never touch
 * the network. These tests skip with the reason otherwise. The CLI goes first on PATH, so the test's
 * own PULUMI_HOME (its isolated login) does not send the launcher to download it again.
 */
const pinnedPulumi = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies.pulumi!;
const launcherBin = join(
  process.env.PULUMI_HOME ?? join(homedir(), ".pulumi"),
  "versions",
  pinnedPulumi,
  "bin",
);
const launcher = join(ROOT, "node_modules", ".bin");
const installedPulumi = [launcherBin, ...(process.env.PATH ?? "").split(":")]
  .filter((dir) => dir !== "" && dir !== launcher)
  .map((dir) => join(dir, "pulumi"))
  .find((file) => existsSync(file));
const realPulumi =
  installedPulumi === undefined
    ? undefined
    : spawnSync(installedPulumi, ["version"], { encoding: "utf8" });
const skipReason =
  realPulumi === undefined
    ? "the Pulumi CLI is not installed (the pinned launcher has not downloaded it, and tests never download it)"
    : realPulumi.error || realPulumi.status !== 0
      ? `pulumi version failed: ${realPulumi.stderr?.trim().split("\n").pop() ?? `exit ${realPulumi.status}`}`
      : undefined;
(skipReason ? describe.skip : describe)(
  `with the real Pulumi CLI${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    test("bootstraps a stack on a local file backend with a passphrase, and finds it done on a second run", () => {
      const project = tempDir("real-pulumi");
      cpSync(join(ROOT, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
      cpSync(join(ROOT, "stacks"), join(project, "stacks"), { recursive: true });
      const state = tempDir("real-state");
      const path = `${dirname(installedPulumi!)}:${process.env.PATH ?? ""}`;
      const env = {
        ...process.env,
        PATH: path,
        PULUMI_HOME: join(project, ".pulumi-home"),
        PULUMI_CONFIG_PASSPHRASE: "test-only",
        PULUMI_SKIP_UPDATE_CHECK: "true",
      };
      const script = (
        JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
          scripts: Record<string, string>;
        }
      ).scripts
        .bootstrap!.split(" ")
        .slice(1);
      const args = [
        ...script.map((a) => (a.startsWith("./") || a.startsWith("scripts/") ? join(ROOT, a) : a)),
        "--stack",
        "dev",
        "--backend",
        `file://${state}`,
        "--secrets-provider",
        "passphrase",
      ];
      const first = spawnSync(process.execPath, args, { cwd: project, env, encoding: "utf8" });
      expect(first.status).toBe(0);
      const second = spawnSync(process.execPath, args, { cwd: project, env, encoding: "utf8" });
      expect(second.stdout).toMatch(/already +stack: stack dev exists/);
    }, 120_000);
  },
);
