/**
 * The documentation's sample output is the current code's real output: every block marked
 * `<!-- sample: NAME -->` in README.md or docs/*.md is produced here by running the code, and must
 * match to the character. And every relative link in those pages names a file that exists.
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { commandContext, runCommand, type MainContext } from "../src/cli/main.ts";
import { preflightOutcome } from "../src/deploy/preflight-outcome.ts";
import type { DeploySummary } from "../src/deploy/run.ts";
import { formatSummary } from "../src/deploy/summary.ts";
import { planMain } from "../src/plan/cli.ts";
import { formatPreflightText } from "../src/preflight/report.ts";
import { entryAlarms } from "../src/rotate/alarms.ts";
import type { KeyLine } from "../src/rotate/procedure.ts";
import { formatRotateText } from "../src/rotate/report.ts";
import { parseVerifyArgs } from "../src/verify/args.ts";
import { ROOT } from "./helpers/verify-cli.ts";
import { preflightInProcess, startPreflightWorld } from "./helpers/preflight-world.ts";

/** Runs a command's main in this process; returns what it printed on stdout and stderr together. */
async function printed(
  command: string,
  argv: string[],
  main: (ctx: MainContext) => Promise<number>,
): Promise<string> {
  let text = "";
  const ctx = commandContext(argv, { stdout: (t) => (text += t), stderr: (t) => (text += t) });
  await runCommand(command, main, ctx);
  return text;
}

const plan = (argv: string[], files: Record<string, string>) =>
  printed("plan", argv, (ctx) =>
    planMain(ctx, { root: ROOT, readFile: (path) => files[path] ?? readFileSync(path, "utf8") }),
  );

const prod = () => readFileSync(join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8");

/** Each sample's producer: the command and input the page describes next to it. */
const SAMPLES: Record<string, () => Promise<string>> = {
  "config-problems": () =>
    plan(["--file", "stacks/Pulumi.prod.yaml"], {
      "stacks/Pulumi.prod.yaml": prod()
        .replace(
          "  gemini-access-kit:environment: prod\n",
          "  gemini-access-kit:environment: production-europe-west\n",
        )
        .replace(
          "gemini-access-kit:oauthClientRequired: true",
          "gemini-acess-kit:oauthClientRequired: true",
        ),
    }),
  "yaml-error": () =>
    plan(["--file", "stacks/Pulumi.prod.yaml"], {
      "stacks/Pulumi.prod.yaml": prod().replace("  gcp:project:", "\tgcp:project:"),
    }),
  "two-identities": () =>
    printed(
      "verify",
      [
        "--key-file",
        "runtime.json",
        "--impersonate",
        "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
      ],
      (ctx) => {
        parseVerifyArgs(ctx.argv);
        return Promise.resolve(0);
      },
    ),
  "deploy-summary": () => {
    const deployer = "gak-deploy-staging@acme-gemini-ci.iam.gserviceaccount.com";
    const staging = preflightOutcome(
      1,
      JSON.stringify({
        ok: false,
        counts: { pass: 9, warn: 0, fail: 1 },
        checks: [
          {
            id: "permissions",
            project: "acme-gemini-staging",
            status: "fail",
            summary: `${deployer} lacks 1 permission that up of this stack needs in acme-gemini-staging: iam.serviceAccounts.create.`,
            fix: "CI's deployer holds exactly these through the CI stack: have an administrator deploy it (npm run deploy -- --stack ci), or run as an identity that holds them.",
          },
        ],
      }),
      "",
    );
    const summary: DeploySummary = {
      ok: false,
      interrupted: false,
      exitCode: 1,
      stacks: [
        {
          stack: "dev",
          command: "up",
          result: "ok",
          ok: true,
          changes: { create: 2, update: 1, same: 50 },
          errors: [],
          seconds: 48,
          preflight: preflightOutcome(
            0,
            JSON.stringify({
              ok: true,
              counts: { pass: 9, warn: 1, fail: 0 },
              checks: new Array(10).fill({}),
            }),
            "",
          ),
          verify: {
            ok: true,
            message:
              "57 models listed, models/gemini-3.8-flash called as gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
          },
        },
        {
          stack: "staging",
          command: "up",
          result: "failed",
          ok: false,
          preflight: staging,
          errors: staging.failures,
          seconds: 3,
        },
        {
          stack: "prod",
          command: "up",
          result: "skipped",
          ok: false,
          errors: [
            "Not started: staging failed in an earlier wave (--keep-going runs the later waves anyway).",
          ],
          seconds: 0,
        },
      ],
    };
    return Promise.resolve(formatSummary(summary));
  },
  "preflight-report": async () => {
    // The dev stack as CI's deployer, in an organization that blocks key creation, with an old
    // unrestricted API key in the project.
    const world = await startPreflightWorld();
    try {
      world.policy("iam.disableServiceAccountKeyCreation", { rules: [{ enforce: true }] });
      const now = "2025-03-02T10:00:00Z";
      world.google.state.apiKeyRecords.set("legacy-maps", {
        keyId: "legacy-maps",
        uid: "legacy-maps",
        displayName: "Maps (2023)",
        keyString: "",
        createTime: now,
        updateTime: now,
        annotations: {},
        refusalsLeft: 0,
      });
      return formatPreflightText((await preflightInProcess(world, ["--stack", "dev"])).result);
    } finally {
      await world.google.close();
    }
  },
  "rotate-report": () => {
    const entry = {
      kind: "service-account-key" as const,
      account: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
      secret: "projects/acme-gemini-dev/secrets/gak-runtime-key-dev",
    };
    const keys: KeyLine[] = [
      {
        action: "rotated",
        keyId: "8f3c2a0d6b1e4f597a2c0d9e8b7a6f5e4d3c2b1a",
        version: 3,
        detail:
          "made, proven (57 models listed, models/gemini-3.8-flash called, 3 attempts in 14 s), added as the newest version",
      },
      {
        action: "kept",
        keyId: "2b9e7d4c1a0f8e6d5c4b3a29180f7e6d5c4b3a2f",
        version: 2,
        detail: "previous; valid until the next rotation, due 2027-02-02",
      },
      {
        action: "pruned",
        keyId: "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0",
        version: 1,
        detail: "older than the previous key; deleted, its version destroyed",
      },
      {
        action: "unmanaged",
        keyId: "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f",
        createdAt: "2027-01-02T16:40:11Z",
        alarm: "UNMANAGED_KEY",
        detail:
          "not made by the rotator (made 2027-01-02T16:40:11Z); left alone until 2027-01-03T16:40:11.000Z (the 24 h grace period), then deleted; --prune deletes it sooner",
      },
    ];
    return Promise.resolve(
      formatRotateText({
        ok: false,
        command: "rotate",
        source: "stack dev",
        periodDays: 30,
        unmanagedKeyGraceHours: 24,
        now: "2027-01-03T04:17:02.000Z",
        dryRun: false,
        exitCode: 1,
        caller: "gak-rotate-dev@acme-gemini-ci.iam.gserviceaccount.com",
        keys: [
          {
            ...entry,
            status: "rotated",
            keys,
            alarms: entryAlarms(entry, keys, "2027-02-02T04:17:01.000Z"),
          },
        ],
      }),
    );
  },
};

/** The documentation: README.md and every Markdown page in docs/, by path from the root. */
const PAGES = new Map(
  [
    "README.md",
    ...readdirSync(join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => `docs/${f}`),
  ].map((page) => [page, readFileSync(join(ROOT, page), "utf8")]),
);

/** Every `<!-- sample: NAME -->` marker, with its page and the text block that follows it, if any. */
const markers = [...PAGES].flatMap(([page, text]) =>
  [...text.matchAll(/<!-- sample: (\S+) -->\n(?:```text\n([\s\S]*?)```)?/g)].map((m) => ({
    page,
    name: m[1]!,
    text: m[2],
  })),
);

describe("the documentation's sample output", () => {
  test("every marked sample is followed by a text block", () => {
    expect(markers.filter((m) => m.text === undefined).map((m) => `${m.page}: ${m.name}`)).toEqual(
      [],
    );
  });

  test("every sample is marked exactly once across the README and docs/", () => {
    const pages = (name: string) => markers.filter((m) => m.name === name).map((m) => m.page);
    const repeated = [...new Set(markers.map((m) => m.name))]
      .filter((name) => pages(name).length > 1)
      .map((name) => `${name} in ${pages(name).join(", ")}`);
    expect(repeated).toEqual([]);
  });

  test("has a producer here for every marked sample, and a sample for every producer", () => {
    expect([...new Set(markers.map((m) => m.name))].sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  test.each(Object.keys(SAMPLES))("%s is what the code prints", async (name) => {
    const shown = markers.find((m) => m.name === name);
    expect(shown, `no page marks the sample ${name}`).toBeDefined();
    expect(shown!.text, `${shown!.page}, sample ${name}`).toBe(await SAMPLES[name]!());
  });
});

/** The target of every inline Markdown link `[text](target)` outside code, with its page. */
function links(page: string, text: string): { page: string; target: string }[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({ page, target: m[1]! }));
}

/** The anchors of a Markdown page's headings, as GitHub makes them. */
function anchors(text: string): Set<string> {
  const prose = text.replace(/^```[\s\S]*?^```/gm, "");
  return new Set(
    [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, "")
        .replace(/ /g, "-"),
    ),
  );
}

describe("the documentation's links", () => {
  const relative = [...PAGES]
    .flatMap(([page, text]) => links(page, text))
    .filter(({ target }) => !/^(https?|mailto):/.test(target));

  test("every relative link in the README and docs/ points to a file that exists", () => {
    const broken = relative
      .filter(({ target }) => !target.startsWith("#"))
      .filter(({ page, target }) => !existsSync(join(ROOT, dirname(page), target.split("#")[0]!)))
      .map(({ page, target }) => `${page}: ${target}`);
    expect(broken).toEqual([]);
  });

  test("every link to a section of a page names a heading that page has", () => {
    const broken = relative
      .filter(({ target }) => target.includes("#"))
      .filter(({ page, target }) => {
        const [file, anchor] = target.split("#") as [string, string];
        const path = file === "" ? page : join(dirname(page), file);
        if (!path.endsWith(".md") || !existsSync(join(ROOT, path))) return false;
        return !anchors(readFileSync(join(ROOT, path), "utf8")).has(anchor);
      })
      .map(({ page, target }) => `${page}: ${target}`);
    expect(broken).toEqual([]);
  });
});

describe("the README's security claims", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## What is proven, and where"));
  const rows = section
    .slice(0, section.indexOf("\n## ", 4))
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| claim") && !l.startsWith("|---"));

  test("each names a test file, and each test it quotes is in that file", () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) {
      const cell = row.split(" | ").pop()!;
      const cited = [...cell.matchAll(/\]\(([^)]+)\)((?:[^[;|])*)/g)];
      expect([row, cited.length > 0]).toEqual([row, true]);
      for (const [, file, after] of cited) {
        const text = readFileSync(join(ROOT, file!), "utf8");
        for (const [, name] of after!.matchAll(/"([^"]+)"/g))
          expect([file, name, text.includes(name!)]).toEqual([file, name, true]);
      }
    }
  });
});

/** `SHOW_SAMPLES=1 npm run test:unit -- test/readme.test.ts` prints each sample, to paste into its page. */
if (process.env.SHOW_SAMPLES) {
  test("prints the samples", async () => {
    for (const [name, make] of Object.entries(SAMPLES))
      process.stdout.write(`<!-- sample: ${name} -->\n\`\`\`text\n${await make()}\`\`\`\n\n`);
  });
}
