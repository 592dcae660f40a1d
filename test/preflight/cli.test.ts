/**
 * The preflight command line as a user and CI meet it: help, usage errors, the exit codes, the
 * printed report and its JSON, with no credential or key string in any output.
 */

import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parsePreflightArgs } from "../../src/preflight/args.ts";
import { preflightMain } from "../../src/preflight/cli.ts";
import { cleanEnv, runScript, type CliResult } from "../helpers/verify-cli.ts";
import { inProcess } from "../helpers/in-process.ts";
import {
  preflightCommandDeps,
  PROJECT,
  startPreflightWorld,
  type PreflightWorld,
} from "../helpers/preflight-world.ts";

let world: PreflightWorld;
let outputs: string;
beforeAll(async () => {
  world = await startPreflightWorld();
  outputs = join(world.dir, "outputs.json");
  writeFileSync(outputs, "{}");
});
afterAll(async () => {
  await world.google.close();
  rmSync(world.dir, { recursive: true, force: true });
});

/** Credentials and key strings the run could have seen: none may be printed. */
function secrets(): string[] {
  const key = JSON.parse(world.deployerKey.file) as { private_key: string; private_key_id: string };
  return [
    key.private_key_id,
    ...key.private_key.split("\n").filter((l) => l.length > 40),
    ...world.google.state.tokens.keys(),
    ...[...world.google.state.apiKeyRecords.values()].map((k) => k.keyString),
  ];
}

/**
 * The command as a user runs it, as its ADC the deployer's key: in this process, or as a process of
 * its own (`spawned`) for what only its entry does.
 */
async function preflight(
  args: string[],
  env: Record<string, string> = {},
  spawned = false,
): Promise<CliResult> {
  const full = cleanEnv({ ...world.google.env, GOOGLE_APPLICATION_CREDENTIALS: world.adc, ...env });
  const result = spawned
    ? await runScript("preflight", args, { env: full })
    : await inProcess("preflight", (c) => preflightMain(c, preflightCommandDeps()), args, full);
  const text = `${result.stdout}\n${result.stderr}`;
  for (const s of secrets())
    if (text.includes(s)) throw new Error(`output contains a secret starting ${s.slice(0, 6)}...`);
  return result;
}

test("--help prints the usage, the identities, the endpoint variables and the exit codes; exit 0", async () => {
  const { code, stdout } = await preflight(["--help"], {}, true);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Usage: npm run preflight -- --stack NAME \[options\]/);
  for (const s of [
    "GEMINI_KIT_ORGPOLICY_ENDPOINT",
    "GEMINI_KIT_CLOUDBILLING_ENDPOINT",
    "GEMINI_KIT_CLOUDRESOURCEMANAGER_ENDPOINT",
    "GEMINI_KIT_SERVICEUSAGE_ENDPOINT",
    "GEMINI_KIT_APIKEYS_ENDPOINT",
    "--auth adc|impersonate",
  ])
    expect(stdout).toContain(s);
});

test.each([
  [["--stack", "dev", "--auth", "api-key"], '--auth "api-key" is not one of adc, impersonate.'],
  [
    ["--stack", "dev", "--auth", "impersonate"],
    "--auth impersonate needs the account: --impersonate EMAIL.",
  ],
  [
    ["--stack", "dev", "--impersonate", "a@b.iam.gserviceaccount.com", "--auth", "adc"],
    "--auth adc and --impersonate name two identities; a run checks as one.",
  ],
  [["--stack", "dev", "--retries", "many"], '--retries "many" is not a whole number from 0 to 10.'],
  [["--stack", "dev", "--timeout", "0"], '--timeout "0" is not a number of seconds above 0.'],
  [["--stack", "Dev!"], "Dev!"],
])("usage: %j is refused with exit code 2", (args, message) => {
  let thrown: unknown;
  try {
    parsePreflightArgs(args);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toMatchObject({
    exitCode: 2,
    message: expect.stringContaining(message) as string,
  });
});

test.each([
  [[], "Which stack?"],
  [["--stack", "nosuch"], "There is no stacks/Pulumi.nosuch.yaml."],
])(
  "usage: %j is one line naming the problem, exit 2, and nothing asked of Google",
  async (args, message) => {
    const before = world.google.state.requests.length;
    const { code, stdout, stderr } = await preflight(args);
    expect([code, stdout]).toEqual([2, ""]);
    expect(stderr).toContain(message);
    expect(world.google.state.requests.length).toBe(before);
  },
);

test("a ready project: a PASS or WARN line per check, the count last, exit 0", async () => {
  const { code, stdout, stderr } = await preflight(["--stack", "dev", "--outputs", outputs]);
  expect(code).toBe(0);
  expect(stdout).toMatch(
    new RegExp(
      `^Preflight of stack dev \\(project ${PROJECT}\\), as gak-deploy-dev@acme-gemini-ci\\.iam\\.gserviceaccount\\.com:\n`,
    ),
  );
  expect(stdout).toContain(
    "  PASS  org-policy iam.disableServiceAccountKeyCreation: Service-account keys may be created in acme-gemini-dev.",
  );
  expect(stdout).toContain("  WARN  oauth: ");
  expect(stdout.trimEnd().split("\n").pop()).toBe("12 checks: 11 passed, 1 warning, 0 failed.");
  expect(stderr).toContain(
    "Running 12 checks as gak-deploy-dev@acme-gemini-ci.iam.gserviceaccount.com, in parallel...",
  );
});

test("a project without billing, --json: exit 1, the failing check with its evidence, fix and calls, and the key-creation policy a warning; no key string printed", async () => {
  world.policy("iam.disableServiceAccountKeyCreation", { rules: [{ enforce: true }] });
  world.project(PROJECT).billingEnabled = false;
  const key = `AIza${randomBytes(27).toString("base64url").slice(0, 35)}`;
  const now = new Date().toISOString();
  world.google.state.apiKeyRecords.set("k-open", {
    keyId: "k-open",
    uid: "k-open",
    displayName: "Old key",
    keyString: key,
    createTime: now,
    updateTime: now,
    annotations: {},
    refusalsLeft: 0,
  });
  try {
    const { code, stdout } = await preflight(["--stack", "dev", "--outputs", outputs, "--json"]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      counts: Record<string, number>;
      checks: {
        id: string;
        constraint?: string;
        status: string;
        fix?: string;
        calls: string[];
        evidence: string[];
      }[];
    };
    expect(report).toMatchObject({
      ok: false,
      command: "preflight",
      stack: "dev",
      counts: { fail: 1 },
    });
    expect(report).not.toHaveProperty("exitCode");
    const failed = report.checks.filter((c) => c.status === "fail");
    expect(failed).toEqual([
      expect.objectContaining({
        id: "billing",
        calls: [expect.stringContaining("/billingInfo")],
      }),
    ]);
    expect(
      report.checks.find((c) => c.constraint === "iam.disableServiceAccountKeyCreation"),
    ).toMatchObject({
      status: "warn",
      evidence: [
        "iam.disableServiceAccountKeyCreation: rules {enforce: true}",
        "iam.managed.disableServiceAccountKeyCreation: no policy sets it (its default applies)",
      ],
      fix: expect.stringContaining("createKey: false"),
    });
    expect(report.checks.find((c) => c.id === "api-keys")).toMatchObject({
      status: "warn",
      evidence: [expect.stringContaining('k-open ("Old key"): no API restriction')],
    });
    expect(stdout).not.toContain(key);
  } finally {
    world.project(PROJECT).policies.delete("iam.disableServiceAccountKeyCreation");
    world.project(PROJECT).billingEnabled = true;
    world.google.state.apiKeyRecords.delete("k-open");
  }
});

test("without credentials: one line saying how to get them, exit 1, no check run", async () => {
  const { code, stdout, stderr } = await preflight(["--stack", "dev", "--outputs", outputs], {
    GOOGLE_APPLICATION_CREDENTIALS: "",
  });
  expect(code).toBe(1);
  expect(stdout).toBe("");
  expect(stderr).toMatch(/gcloud auth application-default login/);
  expect(stderr).not.toContain("Running ");
});
