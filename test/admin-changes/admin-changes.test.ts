/**
 * admin-changes names, per stack, each change since a git revision that an administrator must
 * review, and nothing else. Each test makes a throwaway git repository holding the committed stack
 * files, commits them, edits the working tree, and runs the whole command against it with real git.
 */

import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { adminChangesMain } from "../../src/admin-changes/cli.ts";
import { commandContext, runCommand } from "../../src/cli/main.ts";
import { readOrUndefined, runProcess } from "../../scripts/runner.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const ROOT = join(import.meta.dirname, "..", "..");
/** No configuration of the machine's or the person's reaches git here. */
const GIT_ENV = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
const saved = Object.fromEntries(Object.keys(GIT_ENV).map((k) => [k, process.env[k]]));
beforeAll(() => Object.assign(process.env, GIT_ENV));
afterAll(() => {
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

/** A repository whose one commit holds the committed stack files; returns its folder. */
function repository(): string {
  const dir = tempDir("admin-changes");
  cpSync(join(ROOT, "stacks"), join(dir, "stacks"), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", dir, ...args], { env: { ...process.env, ...GIT_ENV } });
  git("init", "--quiet", "--initial-branch=main");
  git("config", "user.name", "Test");
  git("config", "user.email", "test@example.com");
  git("add", "stacks");
  git("commit", "--quiet", "-m", "stacks");
  return dir;
}

/** Replaces `from` (which must be there) with `to` in a stack file of the working tree. */
function edit(dir: string, stack: string, from: string, to: string): void {
  const path = join(dir, "stacks", `Pulumi.${stack}.yaml`);
  const text = readFileSync(path, "utf8");
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

async function run(dir: string, argv: string[]) {
  let stdout = "";
  let stderr = "";
  const ctx = commandContext(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  const code = await runCommand(
    "admin-changes",
    (c) =>
      adminChangesMain(c, {
        root: dir,
        run: runProcess,
        readText: readOrUndefined,
        listStacks: () => readdirSync(join(dir, "stacks")),
      }),
    ctx,
  );
  return { code, stdout, stderr };
}

test("prints nothing and exits 0 when no stack file changed, and a list only reordered is no change", async () => {
  const dir = repository();
  edit(dir, "ci", "previews: [dev, staging]", "previews: [staging, dev]");
  expect(await run(dir, ["--base", "HEAD"])).toEqual({ code: 0, stdout: "", stderr: "" });
  const json = await run(dir, ["--base", "main", "--json"]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({ base: "main", changes: [] });
});

test("names each change to a project, prefix, member list, role and ci setting, per stack, and exits 0", async () => {
  const dir = repository();
  edit(dir, "dev", "gcp:project: acme-gemini-dev", "gcp:project: acme-gemini-prod");
  edit(
    dir,
    "dev",
    "      keyReaders:\n        - group:gemini-dev@example.com",
    "      keyReaders:\n        - group:everyone@example.com",
  );
  edit(
    dir,
    "dev",
    "        - roles/serviceusage.serviceUsageConsumer",
    "        - roles/serviceusage.serviceUsageConsumer\n        - roles/aiplatform.user",
  );
  edit(
    dir,
    "dev",
    "    readers:\n      - group:gemini-dev@example.com",
    "    readers:\n      - group:gemini-dev@example.com\n      - user:mallory@example.com",
  );
  edit(
    dir,
    "staging",
    "gemini-access-kit:namePrefix: gak",
    "gemini-access-kit:namePrefix: gak-stg",
  );
  edit(
    dir,
    "prod",
    "        - serviceAccount:workloads@acme-apps-prod.iam.gserviceaccount.com",
    "        - serviceAccount:workloads@acme-apps-prod.iam.gserviceaccount.com\n        - user:ops@example.com",
  );
  edit(
    dir,
    "prod",
    "    - group:gemini-prod-developers@example.com",
    "    - group:all@example.com",
  );
  edit(dir, "ci", "previews: [dev, staging]", "previews: [dev, staging, prod]");
  edit(dir, "ci", "      prod: {}", "      prod: {}\n      qa: { githubEnvironment: qa-deploy }");
  edit(
    dir,
    "ci",
    "    location: europe-west1",
    "    location: europe-west1\n    poolId: gh-actions",
  );

  const { code, stdout, stderr } = await run(dir, ["--base", "HEAD"]);
  expect([code, stderr]).toEqual([0, ""]);
  expect(stdout).toBe(
    [
      "Changes since HEAD an administrator must review:",
      "ci (stacks/Pulumi.ci.yaml)",
      '  ci.environments.qa: (not set) -> {"githubEnvironment":"qa-deploy"}',
      '  ci.poolId: (not set) -> "gh-actions"',
      '  ci.previews: + "prod"',
      "dev (stacks/Pulumi.dev.yaml)",
      '  gcp:project: "acme-gemini-dev" -> "acme-gemini-prod"',
      '  serviceAccounts.runtime.roles: + "roles/aiplatform.user"',
      '  serviceAccounts.runtime.keyReaders: + "group:everyone@example.com"',
      '  serviceAccounts.runtime.keyReaders: - "group:gemini-dev@example.com"',
      '  apiKey.readers: + "user:mallory@example.com"',
      "prod (stacks/Pulumi.prod.yaml)",
      '  serviceAccounts.runtime.impersonators: + "user:ops@example.com"',
      '  oauthClientReaders: + "group:all@example.com"',
      '  oauthClientReaders: - "group:gemini-prod-developers@example.com"',
      "staging (stacks/Pulumi.staging.yaml)",
      '  namePrefix: "gak" -> "gak-stg"',
      "",
    ].join("\n"),
  );
});

test("a change of target is named, since a Vertex target grants every account roles/aiplatform.user", async () => {
  const dir = repository();
  edit(dir, "dev", "gemini-access-kit:target: both", "gemini-access-kit:target: gemini-api");
  const { stdout } = await run(dir, ["--base", "HEAD", "--json"]);
  expect((JSON.parse(stdout) as { changes: unknown[] }).changes).toEqual([
    {
      stack: "dev",
      file: "stacks/Pulumi.dev.yaml",
      setting: "target",
      before: "both",
      after: "gemini-api",
    },
  ]);
});

test("a vertex.apiKey added is named: its account is granted roles/aiplatform.expressUser and its readers read the key", async () => {
  const dir = repository();
  edit(
    dir,
    "dev",
    "    location: global\n",
    "    location: global\n    apiKey:\n      serviceAccount: runtime\n      readers: [group:gemini-dev@example.com]\n",
  );
  const { stdout } = await run(dir, ["--base", "HEAD", "--json"]);
  expect((JSON.parse(stdout) as { changes: unknown[] }).changes).toEqual([
    {
      stack: "dev",
      file: "stacks/Pulumi.dev.yaml",
      setting: "vertex.apiKey.serviceAccount",
      before: undefined,
      after: "runtime",
    },
    {
      stack: "dev",
      file: "stacks/Pulumi.dev.yaml",
      setting: "vertex.apiKey.readers",
      added: ["group:gemini-dev@example.com"],
      removed: [],
    },
  ]);
});

test("a stack file added or removed since the base shows each of its settings as added or removed", async () => {
  const dir = repository();
  writeFileSync(
    join(dir, "stacks", "Pulumi.qa.yaml"),
    "config:\n  gcp:project: acme-gemini-qa\n  gemini-access-kit:oauthClientReaders:\n    - group:qa@example.com\n",
  );
  execFileSync("git", ["-C", dir, "rm", "--quiet", "stacks/Pulumi.staging.yaml"]);
  const { stdout } = await run(dir, ["--base", "HEAD", "--json"]);
  const changes = (JSON.parse(stdout) as { changes: { stack: string; setting: string }[] }).changes;
  expect(changes.filter((c) => c.stack === "qa")).toEqual([
    { stack: "qa", file: "stacks/Pulumi.qa.yaml", setting: "gcp:project", after: "acme-gemini-qa" },
    {
      stack: "qa",
      file: "stacks/Pulumi.qa.yaml",
      setting: "oauthClientReaders",
      added: ["group:qa@example.com"],
      removed: [],
    },
  ]);
  expect(changes.filter((c) => c.stack === "staging").map((c) => c.setting)).toEqual([
    "gcp:project",
    "namePrefix",
    "foundation",
    "serviceAccounts.runtime.roles",
    "serviceAccounts.runtime.impersonators",
    "oauthClientReaders",
  ]);
});

test("a revision git cannot find is a usage error that says how to fetch it; --base is required", async () => {
  const dir = repository();
  const missing = await run(dir, ["--base", "0000000000000000000000000000000000000000"]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain(
    'git finds no commit "0000000000000000000000000000000000000000"',
  );
  expect(missing.stderr).toContain("fetch-depth: 0");
  const none = await run(dir, []);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain("Pass --base REV");
});

test("--help says what is compared and what --json holds, and exits 0", async () => {
  const { code, stdout } = await run(repository(), ["--help"]);
  expect(code).toBe(0);
  expect(stdout).toContain("Usage: npm run admin-changes -- --base REV [options]");
  expect(stdout).toContain('"added" and "removed"');
});
