/**
 * The offline plan: what it shows for the committed stacks, that it agrees with the program run
 * under the tests' own mocks, and that it runs as `npm run plan` with nothing but the clone.
 */

import { join } from "node:path";
import { readFileSync, symlinkSync } from "node:fs";
import { commandContext, runCommand } from "../../src/cli/main.ts";
import { readTextFile } from "../../src/cli/input-file.ts";
import { planMain, PLAN_HELP } from "../../src/plan/cli.ts";
import { buildStack } from "../../src/program.ts";
import { committedStack } from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { criticalPath, runMocked } from "../helpers/mocks.ts";
import { cleanEnv, ROOT, runScript } from "../helpers/verify-cli.ts";

/** The plan command in this process, printed exactly as its entry prints it. */
async function plan(args: string[], files: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const ctx = commandContext(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  const code = await runCommand(
    "plan",
    (c) =>
      planMain(c, { root: ROOT, readFile: (path) => files[path] ?? readFileSync(path, "utf8") }),
    ctx,
  );
  return { code, out, err };
}

interface PlanJson {
  resources: {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    dependsOn: string[];
    inputs: Record<string, unknown>;
  }[];
  manualSteps: { id: string; status: string }[];
  criticalPath: string[];
  mermaid: string;
  notes: string[];
}

describe("npm run plan", () => {
  test("runs from a clean environment with no credentials and no Pulumi CLI, and shows the tree, manual steps, critical path and graph", async () => {
    const env = cleanEnv({
      PATH: [join(ROOT, "node_modules", ".bin"), "/usr/bin", "/bin"].join(":"),
    });
    const result = await runScript("plan", ["--stack", "dev"], { env, timeoutMs: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Plan for stack dev (project acme-gemini-dev");
    // dev's foundation and secrets are the CI stack's: dev itself writes only an OAuth client, once set.
    expect(result.stdout).toMatch(/Resources: 0 to create, in 1 components/);
    expect(result.stdout).toContain(
      "[pending] Create the Desktop OAuth client and hand its file to the stack",
    );
    expect(result.stdout).toContain(
      "The CI stack applies this environment's APIs, accounts, their roles and impersonators (foundation: ci)",
    );
    const ci = await runScript("plan", ["--stack", "ci"], { env, timeoutMs: 60_000 });
    expect(ci.code).toBe(0);
    // dev's project is adopted: imported, not created.
    expect(ci.stdout).toMatch(/Resources: \d+ to create, 1 to import, in \d+ components/);
    expect(ci.stdout).toMatch(
      /├─ KeySecret {2}ci-dev-runtime-key\n {3}│ {2}│ {2}└─ StoredSecret {2}ci-dev-runtime-key-store\n {3}│ {2}│ {5}├─ \+ secretmanager\.Secret {2}ci-dev-runtime-key-store-secret {2}secretId=gak-runtime-key-dev/,
    );
    expect(ci.stdout).toMatch(
      /Critical path: 4 resources deep\n {4}projects\.Service {2}ci-apis-cloudkms\n {2}→ kms\.KeyRing/,
    );
    expect(ci.stdout).toContain("```mermaid\nflowchart LR\n");
  }, 60_000);

  test("agrees with the program under the tests' mocks: the same resources, the same dependencies, the same critical path", async () => {
    const { code, out } = await plan(["--stack", "dev", "--json"]);
    expect(code).toBe(0);
    const planned = JSON.parse(out) as PlanJson;
    const d = await runMocked(() => buildStack(committedStack("dev")), { stack: "dev" });
    expect(planned.resources.map((r) => r.urn).sort()).toEqual(
      d.resources.map((r) => r.urn).sort(),
    );
    const deps = (list: { urn: string; dependencies?: string[]; dependsOn?: string[] }[]) =>
      Object.fromEntries(
        list.map((r) => [r.urn, [...new Set(r.dependencies ?? r.dependsOn)].sort()]),
      );
    expect(deps(planned.resources)).toEqual(deps(d.resources));
    expect(planned.criticalPath).toHaveLength(criticalPath(d.resources).length);
  });

  test("draws every cloud resource once in the graph, and every arrow between two drawn resources", async () => {
    const planned = JSON.parse((await plan(["--stack", "ci", "--json"])).out) as PlanJson;
    const lines = planned.mermaid.split("\n");
    const nodes = lines
      .filter((l) => /^ {2}r\d+\["/.test(l))
      .map((l) => /^ {2}(r\d+)/.exec(l)![1]!);
    const edges = lines.filter((l) => l.includes("-->")).map((l) => l.trim().split(" --> "));
    expect(nodes).toHaveLength(planned.resources.filter((r) => r.custom).length);
    expect(new Set(nodes).size).toBe(nodes.length);
    for (const [from, to] of edges)
      expect([nodes.includes(from!), nodes.includes(to!)]).toEqual([true, true]);
    expect(edges.length).toBeGreaterThan(nodes.length / 2);
    expect(lines.filter((l) => l.endsWith(":::critical"))).toHaveLength(
      planned.criticalPath.length,
    );
  });

  test("plans prod, which refuses to deploy without its client, as if the client were set, and says so", async () => {
    const { code, out } = await plan(["--stack", "prod"]);
    expect(code).toBe(0);
    expect(out).toContain(
      "secretmanager.SecretVersion  gemini-oauth-client-version  secretDataWo=[secret]",
    );
    expect(out).toContain("pulumi up refuses this stack until its Desktop OAuth client is set");
  });

  test("shows prod's missing client as a pending step where the step is listed, not as done", async () => {
    const { out } = await plan(["--stack", "prod"]);
    const steps = out.slice(out.indexOf("Manual steps:"), out.indexOf("Critical path:"));
    expect(steps).toContain(
      "2. [pending] Create the Desktop OAuth client and hand its file to the stack (pulumi up refuses the stack until then)",
    );
    expect(steps).not.toContain("[done]");
    expect(out).not.toContain("000000000000-planned");
  });

  test("never prints an encrypted value, and says the client file was not checked", async () => {
    const path = "/stacks/Pulumi.enc.yaml";
    const text = `${readFileSync(join(ROOT, "stacks", "Pulumi.staging.yaml"), "utf8")}  gemini-access-kit:oauthClientJson:\n    secure: v1:c2VjcmV0LWNpcGhlcnRleHQ=\n`;
    const { code, out } = await plan(["--file", path], { [path]: text });
    expect(code).toBe(0);
    expect(out).not.toContain("c2VjcmV0LWNpcGhlcnRleHQ");
    expect(out).toContain(
      "gemini-access-kit:oauthClientJson is encrypted in the stack file; the plan stands in a Desktop client",
    );
  });

  test("with --outputs prints the outputs a fresh up would export, the rotator's list whole, and no placeholder for what only Google assigns", async () => {
    const { code, out } = await plan(["--stack", "dev", "--outputs"]);
    expect(code).toBe(0);
    const outputs = JSON.parse(out) as Record<string, unknown>;
    expect(outputs.rotation).toEqual({
      periodDays: 30,
      unmanagedKeyGraceHours: 24,
      keys: [
        {
          kind: "service-account-key",
          account: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
          secret: "projects/acme-gemini-dev/secrets/gak-runtime-key-dev",
        },
        {
          kind: "api-key",
          account: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
          secret: "projects/acme-gemini-dev/secrets/gak-api-key-dev",
          project: "acme-gemini-dev",
          keyIdPrefix: "gak-gemini-dev",
          displayName: "Gemini API (gak-gemini-dev)",
          service: "generativelanguage.googleapis.com",
        },
      ],
    });
    expect(outputs).toMatchObject({
      project: "acme-gemini-dev",
      serviceAccounts: {
        runtime: { email: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com" },
      },
    });
    // The CI stack made the key secret; dev names it by its project id, as the rotator does.
    expect(
      (outputs.serviceAccounts as { runtime: Record<string, unknown> }).runtime.keySecret,
    ).toBe("projects/acme-gemini-dev/secrets/gak-runtime-key-dev");
    expect(out).not.toContain("04da6b54");
  });

  test("with --outputs lists a vertex.apiKey as a second API key, restricted to aiplatform, and exports its secret", async () => {
    const path = "/tmp/Pulumi.vx.yaml";
    const text = [
      "config:",
      "  gcp:project: acme-gemini-vx",
      "  gemini-access-kit:environment: vx",
      "  gemini-access-kit:target: both",
      "  gemini-access-kit:serviceAccounts:",
      "    runtime:",
      "      impersonators: [group:team@example.com]",
      "  gemini-access-kit:apiKey:",
      "    serviceAccount: runtime",
      "    readers: [group:team@example.com]",
      "  gemini-access-kit:vertex:",
      "    models: [gemini-3.8-pro]",
      "    apiKey:",
      "      serviceAccount: runtime",
      "      readers: [group:team@example.com]",
      "",
    ].join("\n");
    const { code, out } = await plan(["--file", path, "--outputs"], { [path]: text });
    expect(code).toBe(0);
    const outputs = JSON.parse(out) as {
      rotation: { keys: unknown[] };
      vertex: Record<string, unknown>;
      apiKey: unknown;
    };
    expect(outputs.apiKey).toEqual({ boundTo: expect.any(String) as string });
    const account = "gemini-runtime-vx@acme-gemini-vx.iam.gserviceaccount.com";
    expect(outputs.rotation.keys).toEqual([
      {
        kind: "api-key",
        account,
        secret: "projects/acme-gemini-vx/secrets/gemini-api-key-vx",
        project: "acme-gemini-vx",
        keyIdPrefix: "gemini-gemini-vx",
        displayName: "Gemini API (gemini-gemini-vx)",
        service: "generativelanguage.googleapis.com",
      },
      {
        kind: "api-key",
        account,
        secret: "projects/acme-gemini-vx/secrets/gemini-vertex-api-key-vx",
        project: "acme-gemini-vx",
        keyIdPrefix: "gemini-vertex-vx",
        displayName: "Vertex AI (gemini-vertex-vx)",
        service: "aiplatform.googleapis.com",
        model: "gemini-3.8-pro",
      },
    ]);
    // The secret's name is the resource's output, which the plan leaves out as it does apiKey's.
    expect(outputs.vertex).toEqual({
      location: "global",
      models: ["gemini-3.8-pro"],
      apiKey: { boundTo: account },
    });
  });

  test("plans a stack with 50 service accounts, 20 with keys (the most one rotator can be granted), at the same depth", async () => {
    const path = "/tmp/Pulumi.fleet.yaml";
    const accounts = Array.from({ length: 50 }, (_, i) =>
      i < 20
        ? `    svc${i}:\n      createKey: true\n      keyReaders: [group:team@example.com]\n`
        : `    svc${i}:\n      impersonators: [group:team@example.com]\n`,
    ).join("");
    const text = `config:\n  gcp:project: acme-gemini-fleet\n  gemini-access-kit:serviceAccounts:\n${accounts}`;
    const planned = JSON.parse(
      (await plan(["--file", path, "--json"], { [path]: text })).out,
    ) as PlanJson;
    expect(
      planned.resources.filter((r) => r.type === "gcp:serviceaccount/account:Account"),
    ).toHaveLength(50);
    expect(planned.criticalPath.length).toBeLessThanOrEqual(4);
  });

  test("Y1: a stack file whose aliases expand without bound (a billion laughs) is one line naming it, exit 2, in bounded time", async () => {
    const path = "/stacks/Pulumi.bomb.yaml";
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const { code, err } = await plan(["--file", path], { [path]: `${levels.join("\n")}\n` });
    expect(code).toBe(2);
    expect(err).toMatch(
      /^\/stacks\/Pulumi\.bomb\.yaml: .*alias.* \(the file's aliases expand too far to be read\)\./i,
    );
  });

  test("Y13: a stack file that is a link to an endless device, or a folder, is refused before any read, not read until memory runs out", async () => {
    const dir = tempDir("plan");
    symlinkSync("/dev/zero", join(dir, "Pulumi.zero.yaml"));
    const path = join(dir, "Pulumi.zero.yaml");
    let err = "";
    const ctx = commandContext(["--file", path], {
      stdout: () => undefined,
      stderr: (t) => (err += t),
    });
    const code = await runCommand(
      "plan",
      (c) => planMain(c, { root: ROOT, readFile: readTextFile }),
      ctx,
    );
    expect(code).toBe(2);
    expect(err).toBe(`Cannot read ${path} (not a regular file). Check the path.\n`);
    expect(() => readTextFile(dir)).toThrow(expect.objectContaining({ code: "EISDIR" }));
  });

  test("stops with exit 2 and every config problem, listing nothing, each fix naming the file planned", async () => {
    const path = "/stacks/Pulumi.bad.yaml";
    const { code, out, err } = await plan(["--file", path], {
      [path]: "config:\n  gcp:project: Bad_Project\n  gemini-access-kit:keyRotationDays: 400\n",
    });
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(
      /^\/stacks\/Pulumi\.bad\.yaml has 2 problems; nothing was created:\n {2}- \[gcp:project\]/,
    );
    expect(err).toMatch(
      /\nCorrect each in \/stacks\/Pulumi\.bad\.yaml as the line says, then run again\.\n$/,
    );
  });

  test("with --json a config error is one document on stdout with the problems as a list", async () => {
    const path = "/stacks/Pulumi.bad.yaml";
    const { code, out, err } = await plan(["--file", path, "--json"], {
      [path]: "config:\n  gcp:project: Bad_Project\n",
    });
    expect([code, err]).toEqual([2, ""]);
    expect(JSON.parse(out)).toMatchObject({
      ok: false,
      command: "plan",
      error: {
        reason: "CONFIG_INVALID",
        stackFile: path,
        problems: [
          { path: "gcp:project", problem: expect.stringContaining('"Bad_Project" is not allowed') },
        ],
      },
    });
  });

  test("a YAML mistake is one line with the file, line and column, exit 2, never a stack trace", async () => {
    const path = "/stacks/Pulumi.typo.yaml";
    const { code, out, err } = await plan(["--file", path], {
      [path]: "config:\n  gcp:project: acme-gemini-dev\n gemini-access-kit:environment: dev\n",
    });
    expect([code, out]).toEqual([2, ""]);
    expect(err).toBe(
      `${path}:3:1: All mapping items must start at the same column (the file is not valid YAML). Line the entry up with the other entries of its map or list, and close every [ or { that was opened.\n`,
    );
  });

  test("a file that is not a stack file says so instead of naming a missing project", async () => {
    const path = "/Pulumi.other.yaml";
    const { code, err } = await plan(["--file", path], {
      [path]: readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"),
    });
    expect(code).toBe(2);
    expect(err).toContain(
      `${path}: is a Pulumi project file (it has name: and runtime:), not a stack file`,
    );
    expect(err).not.toContain("gcp:project");
  });

  test("refuses a client secret committed as plain text, naming the command that stores it encrypted", async () => {
    const path = "/stacks/Pulumi.leaky.yaml";
    const text = `${readFileSync(join(ROOT, "stacks", "Pulumi.staging.yaml"), "utf8")}  gemini-access-kit:oauthClientJson: '{"installed": {"client_secret": "GOCSPX-committed-by-mistake"}}'\n`;
    const { code, out, err } = await plan(["--file", path], { [path]: text });
    expect([code, out]).toEqual([2, ""]);
    expect(err).toContain(
      "[oauthClientJson] (secret value, not shown) is in the stack file as plain text",
    );
    expect(err).toContain(
      "pulumi config set --secret --stack leaky gemini-access-kit:oauthClientJson < client_secret.json",
    );
    expect(err).not.toContain("GOCSPX-committed-by-mistake");
  });

  test.each([
    [[], "Which stack? Pass --stack NAME (committed: ci, dev, prod, staging)."],
    [
      ["--stack", "qa"],
      "There is no stacks/Pulumi.qa.yaml. Committed stacks: ci, dev, prod, staging.",
    ],
    [
      ["--stack", "x/../../y"],
      '--stack "x/../../y" is not a stack name: Pulumi stack names are 1-100 letters, digits, hyphens, underscores or dots. Pass the name of a file in stacks/ (Pulumi.NAME.yaml), e.g. --stack dev; for a file elsewhere use --file where the command has it.',
    ],
    [
      ["--stack", "dev", "--outputs", "--mermaid"],
      "--outputs prints one JSON document of its own; it takes neither --mermaid nor --json. Drop one of them.",
    ],
    [
      ["--file", "/tmp/config.yaml"],
      "--file /tmp/config.yaml: cannot tell the stack's name from the file name. Pass --stack NAME too, or name the file Pulumi.NAME.yaml.",
    ],
    [
      ["--file", "/nonexistent/Pulumi.qa.yaml"],
      "Cannot read /nonexistent/Pulumi.qa.yaml (ENOENT). Check the path.",
    ],
    [["--stak", "dev"], "Unknown option '--stak'. Run npm run plan -- --help for the options."],
  ])("refuses %j with exit 2 and one line on stderr: %s", async (args, message) => {
    const { code, out, err } = await plan(args);
    expect([code, out, err]).toEqual([2, "", `${message}\n`]);
  });

  test("explains itself with --help, exit codes included", async () => {
    const { code, out } = await plan(["--help"]);
    expect([code, out]).toEqual([0, PLAN_HELP]);
    expect(PLAN_HELP).toContain("No credentials, no network, no Pulumi CLI.");
    expect(PLAN_HELP).toMatch(/Exit codes:\n {2}0 +planned\n {2}1 +an unexpected error/);
  });
});
