/**
 * `npm run deploy`, run for real against the stand-in `pulumi` on PATH (which records its calls and
 * answers with the CLI's documented shapes) and, for the verify gate, the fake Google.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEPLOY_HELP } from "../../src/deploy/args";
import { fakePulumi, type FakeState } from "../helpers/fake-pulumi";
import { cleanEnv, ROOT, runScript } from "../helpers/verify-cli";
import { expectNoSecrets, SECRETS, startWorld, type World } from "../helpers/verify-world";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.google.close());

function deploy(args: string[], state: FakeState) {
  const pulumi = fakePulumi(state);
  const env = cleanEnv({ ...world.google.env, PATH: pulumi.path, FAKE_PULUMI_DIR: pulumi.dir, GOOGLE_APPLICATION_CREDENTIALS: world.files.callerKey });
  return runScript("deploy", args, { env, timeoutMs: 60_000 }).then((result) => ({ result, pulumi }));
}

const outputs = () => JSON.parse(readFileSync(world.files.outputs, "utf8")) as Record<string, unknown>;
const stacks = (extra: FakeState["stacks"] = {}): FakeState["stacks"] => ({
  dev: { resources: 14, outputs: outputs() },
  staging: { resources: 6, outputs: outputs() },
  prod: { resources: 9, outputs: outputs() },
  ...extra,
});

describe("npm run deploy", () => {
  test("ups every committed stack with --all as argument arrays, verifies each, and prints the summary table", async () => {
    const { result, pulumi } = await deploy(["--all"], { backend: "gs://acme-pulumi-state", stacks: stacks() });
    expect(result.code).toBe(0);
    const ups = pulumi.calls().filter((c) => c.args[0] === "up");
    expect(ups.map((c) => c.args.slice(0, 3)).sort()).toEqual([["up", "--stack", "dev"], ["up", "--stack", "prod"], ["up", "--stack", "staging"]]);
    for (const c of ups) expect(c.args).toEqual(expect.arrayContaining(["--non-interactive", "--yes", "--skip-preview", "--event-log"]));
    expect(pulumi.calls().filter((c) => c.args[0] === "stack" && c.args[1] === "output")).toHaveLength(3);
    expect(result.stdout).toMatch(/^STACK {4}COMMAND {2}RESULT {2}CHANGES {7}VERIFY {2}TIME\ndev {6}up {7}ok {6}\+14 ~0 -0 =0 {2}ok/);
    expect(result.stdout).toContain("All 3 stacks succeeded.");
    expect(result.stderr).toMatch(/^\[dev\] 1\d resources done$/m);
    expect(result.stderr).toMatch(/^\[dev\] verified$/m);
    expectNoSecrets(world, result.stdout, result.stderr);
  }, 60_000);

  test("keeps going when one stack fails, shows its error, and exits 1", async () => {
    const { result } = await deploy(["--stack", "dev", "--stack", "staging", "--no-verify"], {
      backend: "gs://acme-pulumi-state",
      stacks: stacks({ staging: { resources: 6, failAt: { up: 3 }, error: "googleapi: Error 403: Permission 'iam.serviceAccounts.create' denied" } }),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\nstaging +up +FAILED +\+3 ~0 -0 =0 +- /);
    expect(result.stdout).toContain("staging:\n  googleapi: Error 403: Permission 'iam.serviceAccounts.create' denied");
    expect(result.stdout).toContain("1 of 2 stacks failed.");
  }, 60_000);

  test("fails a stack whose verify gate fails, with verify's reason", async () => {
    const denied = { ...outputs(), serviceAccounts: { runtime: { email: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com", keySecret: `${SECRETS.key}-missing` } } };
    const { result } = await deploy(["--stack", "dev", "--json"], { backend: "gs://b", stacks: stacks({ dev: { resources: 2, outputs: denied } }) });
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as { ok: boolean; stacks: { stack: string; ok: boolean; verify: { ok: boolean; message: string } }[] };
    expect(summary.ok).toBe(false);
    expect(summary.stacks[0]).toMatchObject({ stack: "dev", ok: false, verify: { ok: false } });
    expect(summary.stacks[0]!.verify.message).toMatch(/^SECRET_/);
  }, 60_000);

  test("previews with --preview, a stack at a time with --concurrency 1, and runs no verify", async () => {
    const { result, pulumi } = await deploy(["--all", "--preview", "--concurrency", "1"], { backend: "gs://b", stacks: stacks() });
    expect(result.code).toBe(0);
    expect(pulumi.calls().map((c) => c.args.slice(0, 3))).toEqual([["preview", "--stack", "dev"], ["preview", "--stack", "prod"], ["preview", "--stack", "staging"]]);
    expect(result.stdout).toContain("dev      preview  ok      +14 ~0 -0 =0  -");
  }, 60_000);

  test("says how to install the Pulumi CLI when it is not on PATH", async () => {
    const env = cleanEnv({ PATH: [join(ROOT, "node_modules", ".bin"), "/usr/bin", "/bin"].join(":") });
    const result = await runScript("deploy", ["--stack", "dev", "--no-verify"], { env, timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("The Pulumi CLI is not on PATH. Install it: https://www.pulumi.com/docs/install/");
  }, 60_000);

  test.each([
    [[], "Which stacks? Pass --stack NAME (repeatable) or --all (committed: dev, prod, staging)."],
    [["--stack", "qa"], "No stack file for qa: committed stacks are dev, prod, staging."],
    [["--all", "--stack", "dev"], "Pass --stack or --all, not both."],
    [["--all", "--concurrency", "0"], "--concurrency 0 is not a whole number of at least 1."],
  ])("refuses %j with exit 2 before running anything", async (args, message) => {
    const { result, pulumi } = await deploy(args, { stacks: {} });
    expect([result.code, result.stderr.trim()]).toEqual([2, message]);
    expect(pulumi.calls()).toEqual([]);
  }, 60_000);

  test("explains itself with --help", async () => {
    const { result } = await deploy(["--help"], {});
    expect([result.code, result.stdout]).toEqual([0, DEPLOY_HELP]);
  }, 60_000);
});
