/**
 * `npm run ci-matrix`: the matrices the workflows run, computed from the committed files (or an
 * in-memory set of them), and the coordinates file held against the committed stacks.
 */

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { COORDINATES_FILE, parseCoordinates } from "../../src/ci-coordinates.ts";
import { jobOutput, MATRIX_LIMIT, WAVE_JOBS } from "../../src/deploy/matrix.ts";
import { CI_MATRIX_HELP } from "../../src/deploy/matrix-cli.ts";
import { ciMatrix, committed, type Matrices } from "../helpers/ci-matrix.ts";
import { committedCi } from "../../src/config/committed-ci.ts";
import { readStackFile, stackReader } from "../../src/config/stack-file.ts";
import { committedCiStack } from "../helpers/fixtures.ts";
import {
  ciStack,
  coordinatesOf,
  environmentStack,
  FLEET_PROVIDER,
  fleetFiles,
} from "../helpers/fleet.ts";
import { ROOT } from "../helpers/verify-cli.ts";

const account = (role: string, env: string) =>
  `gak-${role}-${env}@acme-gemini-ci.iam.gserviceaccount.com`;

describe("the committed coordinates file", () => {
  const file = parseCoordinates(committed(COORDINATES_FILE)!);
  const ci = committedCiStack();
  const previews = committedCi(stackReader(ROOT, (p) => readFileSync(p, "utf8")))!.previews;

  test("lists exactly the environments the committed CI stack governs, each with the accounts, GitHub environments and state bucket its config makes", () => {
    expect(Object.keys(file).sort()).toEqual(ci.environments.map((e) => e.name).sort());
    for (const { name } of ci.environments) {
      // Keyed, as the stack file declares: an account with createKey, or an apiKey.
      const raw = readStackFile(ROOT, name).raw;
      const accounts = JSON.parse(raw["gemini-access-kit:serviceAccounts"] ?? "{}") as Record<
        string,
        { createKey?: boolean }
      >;
      const keyed =
        Object.values(accounts).some((a) => a.createKey === true) ||
        raw["gemini-access-kit:apiKey"] !== undefined;
      expect([name, file[name]]).toEqual([
        name,
        {
          ciStack: "ci",
          githubEnvironment: name,
          workloadIdentityProvider: expect.stringMatching(
            /^projects\/\d+\/locations\/global\/workloadIdentityPools\/gak-github\/providers\/github$/,
          ),
          deployer: account("deploy", name),
          ...(previews.includes(name) ? { previewer: account("preview", name) } : {}),
          ...(keyed
            ? { rotator: account("rotate", name), rotationEnvironment: `${name}-rotation` }
            : {}),
          backend: `gs://acme-gemini-state-${name}`,
        },
      ]);
    }
    // The committed set has each kind: keyed and previewed (dev), previewed only, neither.
    expect(
      Object.values(file).map((c) => [c.rotator !== undefined, c.previewer !== undefined]),
    ).toEqual(
      expect.arrayContaining([
        [true, true],
        [false, true],
        [false, false],
      ]),
    );
  });

  test("names one provider for every environment of the CI stack: its pool's", () => {
    expect(new Set(Object.values(file).map((c) => c.workloadIdentityProvider)).size).toBe(1);
  });

  test("the matrix command accepts it, so the workflows can run from what is committed", async () => {
    for (const event of ["push", "pull_request", "rotate"])
      expect((await ciMatrix(["--event", event])).code).toBe(0);
  });
});

describe("npm run ci-matrix", () => {
  test("a push deploys the committed waves in order, each stack with its deployer, GitHub environment and backend, and rotates the keyed stack first", async () => {
    const { json, stdout } = await ciMatrix(["--event", "push"]);
    expect(stdout.endsWith("\n")).toBe(true);
    expect(stdout.trimEnd()).not.toContain("\n");
    const provider = parseCoordinates(committed(COORDINATES_FILE)!).dev!.workloadIdentityProvider;
    const up = (env: string) => ({
      stack: env,
      environment: env,
      workload_identity_provider: provider,
      service_account: account("deploy", env),
      backend: `gs://acme-gemini-state-${env}`,
    });
    expect(json).toEqual({
      event: "push",
      waves: ["dev", "staging", "prod"].map((env, i) => ({
        wave: i + 1,
        stacks: [env],
        chunks: [
          {
            up: { include: [up(env)] },
            rotate: {
              include:
                env === "dev"
                  ? [
                      {
                        stack: "dev",
                        environment: "dev-rotation",
                        workload_identity_provider: provider,
                        service_account: account("rotate", "dev"),
                      },
                    ]
                  : [],
            },
          },
        ],
      })),
    });
    for (const event of ["schedule", "workflow_dispatch"])
      expect((await ciMatrix(["--event", event])).json).toEqual({ ...json, event });
  });

  test("a pull request previews the environments in ci.previews, each as its previewer; the rotation workflow rotates the keyed ones as their rotators", async () => {
    const previews = (await ciMatrix(["--event", "pull_request"])).json!.previews!.include;
    expect(previews.map((p) => [p.stack, p.service_account, p.backend])).toEqual([
      ["dev", account("preview", "dev"), "gs://acme-gemini-state-dev"],
      ["staging", account("preview", "staging"), "gs://acme-gemini-state-staging"],
    ]);
    expect(previews.every((p) => p.environment === undefined)).toBe(true);
    const rotations = (await ciMatrix(["--event", "rotate"])).json!.chunks!;
    expect(
      rotations.map((c) => c.include.map((r) => [r.stack, r.environment, r.service_account])),
    ).toEqual([[["dev", "dev-rotation", account("rotate", "dev")]]]);
  });

  test("an environment added as files only (its stack file, its wave, its ci.environments line, its coordinates) is deployed, previewed and rotated", async () => {
    const ci = committed("stacks/Pulumi.ci.yaml")!;
    const coordinates = JSON.parse(committed(COORDINATES_FILE)!) as {
      environments: Record<string, unknown>;
    };
    coordinates.environments.qa = {
      ...coordinatesOf("qa", { keyed: true, previewed: true }),
      workloadIdentityProvider: parseCoordinates(committed(COORDINATES_FILE)!).dev!
        .workloadIdentityProvider,
    };
    const changes = {
      "stacks/Pulumi.qa.yaml": environmentStack("qa", true),
      "stacks/deploy-waves.yaml": committed("stacks/deploy-waves.yaml")!.replace(
        "  - [prod]\n",
        "  - [prod]\n  - [qa]\n",
      ),
      "stacks/Pulumi.ci.yaml": ci
        .replace("      prod: {}\n", "      prod: {}\n      qa: {}\n")
        .replace("previews: [dev, staging]", "previews: [dev, staging, qa]"),
      [COORDINATES_FILE]: JSON.stringify(coordinates),
    };
    const push = (await ciMatrix(["--event", "push"], changes)).json!;
    expect(push.waves!.map((w) => w.stacks)).toEqual([["dev"], ["staging"], ["prod"], ["qa"]]);
    expect(push.waves![3]!.chunks[0]!.up.include[0]).toMatchObject({
      stack: "qa",
      environment: "qa",
      service_account: account("deploy", "qa"),
      backend: "gs://acme-gemini-state-qa",
    });
    expect(push.waves![3]!.chunks[0]!.rotate.include.map((r) => r.environment)).toEqual([
      "qa-rotation",
    ]);
    const pr = (await ciMatrix(["--event", "pull_request"], changes)).json!;
    expect(pr.previews!.include.map((p) => p.stack)).toEqual(["dev", "staging", "qa"]);
    const rotate = (await ciMatrix(["--event", "rotate"], changes)).json!;
    expect(rotate.chunks![0]!.include.map((r) => r.stack)).toEqual(["dev", "qa"]);
  });

  test(`splits a wave into matrices of at most ${MATRIX_LIMIT} stacks, GitHub's limit: 300 stacks in one wave make two chunks, each rotating its own keyed stacks`, async () => {
    const files = fleetFiles({ stacks: 300 });
    const { json } = await ciMatrix(["--event", "push"], {}, files);
    const [wave] = json!.waves!;
    expect(json!.waves).toHaveLength(1);
    expect(wave!.stacks).toHaveLength(300);
    expect(wave!.chunks.map((c) => c.up.include.length)).toEqual([256, 44]);
    expect(wave!.chunks.flatMap((c) => c.up.include.map((e) => e.stack))).toEqual(wave!.stacks);
    expect(wave!.chunks.map((c) => c.rotate.include.length)).toEqual([86, 14]);
    for (const c of wave!.chunks) {
      const stacks = c.up.include.map((e) => e.stack);
      for (const r of c.rotate.include) expect(stacks).toContain(r.stack);
    }
    expect(wave!.chunks[1]!.up.include[0]).toEqual({
      stack: "s256",
      environment: "s256",
      workload_identity_provider: FLEET_PROVIDER,
      service_account: account("deploy", "s256"),
      backend: "gs://acme-gemini-state-s256",
    });
    const rotate = (await ciMatrix(["--event", "rotate"], {}, files)).json!;
    expect(rotate.chunks!.map((c) => c.include.length)).toEqual([100]);
  });

  test(`refuses a waves file with more waves than the workflow has wave jobs (${WAVE_JOBS}), naming the limit`, async () => {
    const ok = await ciMatrix(["--event", "push"], {}, fleetFiles({ stacks: 8, waves: WAVE_JOBS }));
    expect(ok.json!.waves).toHaveLength(WAVE_JOBS);
    const r = await ciMatrix(
      ["--event", "push"],
      {},
      fleetFiles({ stacks: 9, waves: WAVE_JOBS + 1 }),
    );
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toBe(
      `stacks/deploy-waves.yaml has 9 waves; .github/workflows/pulumi.yml deploys at most 8, one job each (wave-1 to wave-8). Put the stacks in at most 8 waves (a wave may hold many stacks: they run side by side, 256 to a matrix), or add a job wave-9 to .github/workflows/pulumi.yml, written as the others are, and raise WAVE_JOBS in src/deploy/matrix.ts.\n`,
    );
  });

  test("fails, naming the fix, when a committed stack has no coordinates: the administrator has not applied the CI stack since it was added", async () => {
    const files = fleetFiles({ stacks: 3 });
    const coordinates = JSON.parse(files[COORDINATES_FILE]!) as {
      environments: Record<string, unknown>;
    };
    delete coordinates.environments.s001;
    const r = await ciMatrix(
      ["--event", "rotate"],
      {},
      { ...files, [COORDINATES_FILE]: JSON.stringify(coordinates) },
    );
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toBe(
      [
        "The CI coordinates do not match the committed stacks (1 problem):",
        "  - s001 has no entry in .github/gak-environments.json: the administrator has not applied stacks/Pulumi.ci.yaml since s001 was added to it, or has not written its outputs to the file",
        "An administrator applies the CI stack and writes its outputs to .github/gak-environments.json (npm run deploy -- --stack ci, then npm run bootstrap -- --stack ci), and commits the file with the change; CI deploys nothing until they match.",
        "",
      ].join("\n"),
    );
  });

  test("fails on an entry that names no stack, one no CI stack governs, and one its CI stack's config no longer makes, each named", async () => {
    const files = fleetFiles({ stacks: 2 });
    const coordinates = JSON.parse(files[COORDINATES_FILE]!) as {
      environments: Record<string, Record<string, string>>;
    };
    coordinates.environments.gone = coordinatesOf("gone", { keyed: false, previewed: false });
    coordinates.environments.ci = coordinatesOf("ci", { keyed: false, previewed: false });
    coordinates.environments.s001!.deployer = account("deploy", "s000");
    delete coordinates.environments.s000!.rotator;
    delete coordinates.environments.s000!.rotationEnvironment;
    const r = await ciMatrix(
      ["--event", "push"],
      {},
      { ...files, [COORDINATES_FILE]: JSON.stringify(coordinates) },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").slice(0, 6)).toEqual([
      "The CI coordinates do not match the committed stacks (5 problems):",
      '  - s000.rotator is absent; stacks/Pulumi.ci.yaml makes it "gak-rotate-s000@acme-gemini-ci.iam.gserviceaccount.com"',
      '  - s000.rotationEnvironment is absent; stacks/Pulumi.ci.yaml makes it "s000-rotation"',
      '  - s001.deployer is "gak-deploy-s000@acme-gemini-ci.iam.gserviceaccount.com"; stacks/Pulumi.ci.yaml makes it "gak-deploy-s001@acme-gemini-ci.iam.gserviceaccount.com"',
      "  - .github/gak-environments.json has an entry for gone, which is not a stack: there is no stacks/Pulumi.gone.yaml",
      "  - .github/gak-environments.json has an entry for ci, which no CI stack governs (it is in no ci.environments)",
    ]);
  });

  test("with several CI stacks, holds each environment's entry against the CI stack that governs it", async () => {
    const files = fleetFiles({ stacks: 2 });
    const coordinates = JSON.parse(files[COORDINATES_FILE]!) as {
      environments: Record<string, unknown>;
    };
    coordinates.environments.eu = {
      ...coordinatesOf("eu", {
        keyed: false,
        previewed: false,
        ciStack: "ci-eu",
        ciProject: "acme-gemini-ci-eu",
        bucketPrefix: "acme-gemini-eu-state",
      }),
    };
    const more = {
      ...files,
      "stacks/Pulumi.ci-eu.yaml": ciStack(["eu"], [], "acme-gemini-ci-eu", "acme-gemini-eu-state"),
      "stacks/Pulumi.eu.yaml": environmentStack("eu", false),
      "stacks/deploy-waves.yaml": "waves:\n  - [s000, s001]\n  - [eu]\nadmin: [ci, ci-eu]\n",
      [COORDINATES_FILE]: JSON.stringify(coordinates),
    };
    const { json } = await ciMatrix(["--event", "push"], {}, more);
    expect(json!.waves![1]!.chunks[0]!.up.include[0]!.service_account).toBe(
      "gak-deploy-eu@acme-gemini-ci-eu.iam.gserviceaccount.com",
    );
    coordinates.environments.eu = coordinatesOf("eu", { keyed: false, previewed: false });
    const wrong = await ciMatrix(
      ["--event", "push"],
      {},
      { ...more, [COORDINATES_FILE]: JSON.stringify(coordinates) },
    );
    expect(wrong.stderr).toContain(
      '  - eu.ciStack is "ci"; stacks/Pulumi.ci-eu.yaml makes it "ci-eu"\n',
    );
    expect(wrong.stderr).toContain(
      "(npm run deploy -- --stack ci, then npm run bootstrap -- --stack ci; npm run deploy -- --stack ci-eu, then npm run bootstrap -- --stack ci-eu)",
    );
  });

  test("refuses a coordinates file that is missing, or holds a value no job could use", async () => {
    const missing = await ciMatrix([], { [COORDINATES_FILE]: undefined });
    expect(missing.stderr).toMatch(
      /^There is no \.github\/gak-environments\.json\. An administrator writes it/,
    );
    const bad = await ciMatrix([], {
      [COORDINATES_FILE]: committed(COORDINATES_FILE)!.replace(
        '"backend": "gs://acme-gemini-state-dev"',
        '"backend": "s3://x", "region": "eu"',
      ),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("  - dev.region is not a field of an entry");
    expect(bad.stderr).toContain('  - dev.backend is "s3://x", not gs://BUCKET');
  });

  test("refuses matrices larger than one job's outputs may hold (1 MB, counted as UTF-16), naming the limit", () => {
    const entry = { stack: "s", environment: "s", service_account: "x".repeat(100) };
    const matrices = (n: number) =>
      ({ event: "pull_request", previews: { include: Array(n).fill(entry) } }) as never;
    expect(jobOutput(matrices(100))).toBe(JSON.stringify(matrices(100)));
    expect(() => jobOutput(matrices(4000))).toThrow(
      /^The matrices are \d+ characters, 1\.2 MB as GitHub counts a job's outputs \(UTF-16\); a job's outputs may hold 1 MB/,
    );
  });

  test("takes only the events the workflows pass, and says so", async () => {
    const r = await ciMatrix(["--event", "release"]);
    expect([r.code, r.stderr]).toEqual([
      2,
      "--event release is not one of push, schedule, workflow_dispatch, pull_request, rotate. Pass github.event_name, or rotate.\n",
    ]);
    expect((await ciMatrix(["--help"])).stdout).toBe(CI_MATRIX_HELP);
  });

  test("runs as the workflows run it, with only production dependencies' code: node, the stripped-TypeScript cache, the entry", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "./scripts/ts-cache.mjs", "scripts/ci-matrix.ts", "--event", "pull_request"],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect((JSON.parse(r.stdout) as Matrices).previews!.include.map((p) => p.stack)).toEqual([
      "dev",
      "staging",
    ]);
  });
});
