/**
 * `npm run e2e`'s orchestration, with every program it starts and every call it makes to Google
 * stood in for (./world.ts): the steps in order in both modes, the clean-up a failure at each step
 * runs, --keep-on-failure, Ctrl-C, the run's own homes, and the retries while IAM settles.
 */

import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { parse } from "yaml";
import type { StepName } from "../../src/e2e/steps.ts";
import {
  ADC_FILE,
  e2e,
  e2eWorld,
  NODE,
  PASSPHRASE_BYTE,
  PULUMI_BIN,
  ran,
  type World,
} from "./world.ts";

const CREATE = ["--parent", "folders/123", "--billing-account", "01A2B3-C4D5E6-F7A8B9", "--json"];
const ADOPT = ["--project", "acme-e2e-sandbox", "--json"];
const STACK = "gak-e2e-abcdef";

/** Each program the run started (and each call to Google), as a short line. */
function programs(world: World): string[] {
  return world.calls.map((c) => {
    if (c.what === "verify") return `verify ${c.args[c.args.indexOf("--auth") + 1]}`;
    if (c.what === "rotate") return c.args.includes("--dry-run") ? "rotate --dry-run" : "rotate";
    return c.what;
  });
}

const MAIN = [
  "bootstrap",
  "preflight",
  "deploy",
  "pulumi preview",
  "verify impersonate",
  "verify adc",
  "rotate",
  "verify service-account",
  "verify api-key",
  "rotate",
  "rotate --dry-run",
];

describe("the steps, in order", () => {
  test("create mode: bootstrap, preflight, up, an empty preview, verify as impersonate and adc, rotate, verify as the key and the API key, a rotation that changes nothing, one due a period later, destroy all but the project, delete the project", async () => {
    const world = e2eWorld();
    const result = await e2e(CREATE, world);
    expect(result.code).toBe(0);
    expect(programs(world)).toEqual([
      "pulumi version",
      ...MAIN,
      "pulumi stack",
      "pulumi destroy",
      "google.deleteProject",
    ]);
    expect(ran(result.stdout).map((s) => `${s.step} ${s.status}`)).toEqual([
      "prepare ok",
      "bootstrap ok",
      "preflight ok",
      "up ok",
      "preview ok",
      "verify-impersonate ok",
      "verify-adc ok",
      "rotate ok",
      "verify-service-account ok",
      "verify-api-key ok",
      "rotate-again ok",
      "rotate-next-period ok",
      "destroy ok",
      "delete-project ok",
    ]);
    const doc = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      ok: true,
      command: "e2e",
      mode: "create",
      runId: STACK,
      project: STACK,
      stack: STACK,
    });
    expect(world.calls.find((c) => c.what === "google.deleteProject")!.args).toEqual([STACK]);
  });

  test("adopt mode: the same steps in the named project, then destroy and the deletion of the rotator's API keys; the project stays", async () => {
    const world = e2eWorld();
    const result = await e2e(ADOPT, world);
    expect(result.code).toBe(0);
    expect(programs(world)).toEqual([
      "pulumi version",
      ...MAIN,
      "pulumi destroy",
      "google.deleteApiKeys",
    ]);
    expect(world.calls.find((c) => c.what === "google.deleteApiKeys")!.args).toEqual([
      "acme-e2e-sandbox",
      "gak-gemini-e2e-abcdef",
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      mode: "adopt",
      project: "acme-e2e-sandbox",
    });
  });

  test("each step runs the command it names, as a process of the kit's copy: the stack's own flags, JSON read back", async () => {
    const world = e2eWorld();
    await e2e(CREATE, world);
    const line = (c: World["calls"][number]) =>
      c.program === NODE.path
        ? `${c.what} ${c.args.slice(NODE.flags.length + 1).join(" ")}`
        : `${c.program} ${c.args.join(" ")}`;
    const lines = world.calls.map(line);
    expect(lines).toEqual(
      expect.arrayContaining([
        `bootstrap --stack ${STACK} --backend file://${world.calls[1]!.env!.PULUMI_BACKEND_URL!.slice("file://".length)} --secrets-provider passphrase --json`,
        `preflight --stack ${STACK} --json`,
        `deploy --stack ${STACK} --skip-preflight --no-verify --json`,
        `pulumi preview --stack ${STACK} --expect-no-changes --diff --non-interactive --color never`,
        `verify --stack ${STACK} --auth impersonate --probe --wait 300 --json`,
        `verify --stack ${STACK} --auth adc --probe --wait 300 --json`,
        `verify --stack ${STACK} --auth service-account --probe --wait 300 --json`,
        `verify --stack ${STACK} --auth api-key --probe --wait 300 --json`,
        `rotate --stack ${STACK} --json`,
        // One hour after the latest moment a key of the first rotation falls due.
        `rotate --stack ${STACK} --dry-run --now 2027-01-01T09:00:00.000Z --json`,
        `pulumi stack export --stack ${STACK}`,
      ]),
    );
    const destroy = lines.find((l) => l.startsWith("pulumi destroy"))!;
    expect(destroy).toBe(
      `pulumi destroy --stack ${STACK} --yes --skip-preview --non-interactive --color never --exclude urn:pulumi:s::gemini-access-kit::pulumi:providers:gcp::default --exclude urn:pulumi:s::gemini-access-kit::gcp:organizations/project:Project::kit-project`,
    );
    for (const c of world.calls.filter((c) => c.program === NODE.path))
      expect(c.args.slice(0, NODE.flags.length)).toEqual(NODE.flags);
  });

  test("the stack file: the run's project made under the parent and labelled, one keyed account with an API key, the caller its impersonator and reader", async () => {
    const world = e2eWorld();
    await e2e(CREATE, world);
    const config = (parse(world.stackFile!) as { config: Record<string, unknown> }).config;
    const member = "serviceAccount:e2e-runner@ci-project.iam.gserviceaccount.com";
    expect(config).toMatchObject({
      "gcp:project": STACK,
      "gcp:defaultLabels": { "gemini-access-kit-e2e": STACK },
      "gemini-access-kit:foundation": "stack",
      "gemini-access-kit:project": {
        create: {
          parent: "folders/123",
          billingAccount: "01A2B3-C4D5E6-F7A8B9",
          labels: { "gemini-access-kit-e2e": STACK },
        },
      },
      "gemini-access-kit:serviceAccounts": {
        runtime: { createKey: true, impersonators: [member], keyReaders: [member] },
      },
      "gemini-access-kit:apiKey": { serviceAccount: "runtime", readers: [member] },
    });
  });
});

describe("no step touches the user's home, logins or state", () => {
  test("every program runs in the run's copy with a home, Pulumi home, gcloud folder and file:// backend of its own, ADC named explicitly, the Pulumi CLI's own folder first on PATH and its plugins linked", async () => {
    const world = e2eWorld();
    const result = await e2e(CREATE, world);
    expect(result.code).toBe(0);
    const steps = world.calls.filter(
      (c) => c.program === NODE.path || (c.program === "pulumi" && c.args[0] !== "version"),
    );
    expect(steps.length).toBeGreaterThan(10);
    const root = world.deps.tempRoot;
    for (const c of steps) {
      const env = c.env!;
      for (const key of [
        "HOME",
        "PULUMI_HOME",
        "CLOUDSDK_CONFIG",
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
      ]) {
        expect(env[key]!.startsWith(`${root}/${STACK}-`)).toBe(true);
        expect(env[key]!.startsWith(homedir())).toBe(false);
      }
      expect(env.PULUMI_BACKEND_URL).toMatch(new RegExp(`^file://${root}/${STACK}-[^/]+/state$`));
      expect(env.GOOGLE_APPLICATION_CREDENTIALS).toBe(ADC_FILE);
      expect(env.PATH).toBe(`${PULUMI_BIN}:/usr/bin:/bin`);
      expect(env.PULUMI_CONFIG_PASSPHRASE).toBe(
        Buffer.alloc(32, PASSPHRASE_BYTE).toString("base64url"),
      );
      expect(c.cwd).toMatch(new RegExp(`^${root}/${STACK}-[^/]+/project$`));
      // None may hold the run, and its clean-up, for ever.
      expect(c.timeoutMs).toBe(45 * 60_000);
    }
    // Of the user's Pulumi home, only the plugin binaries are used.
    expect(world.pluginsLink).toBe(world.userPlugins);
    // Only the checks before the run read the machine as it is: is there a Pulumi CLI.
    expect(
      world.calls.filter((c) => c.env === undefined && c.program !== "google").map((c) => c.what),
    ).toEqual(["pulumi version"]);
  });

  test("the run's folder is removed once nothing is left to clean up, and the passphrase is never printed", async () => {
    const world = e2eWorld();
    const result = await e2e(CREATE, world);
    expect(readdirSync(world.deps.tempRoot)).toEqual([]);
    const passphrase = Buffer.alloc(32, PASSPHRASE_BYTE).toString("base64url");
    expect(result.stdout + result.stderr).not.toContain(passphrase);
  });
});

/** What a failure at each step leaves to clean up, by mode. */
const BEFORE_UP: StepName[] = ["prepare", "bootstrap", "preflight"];
const BEFORE_KEYS: StepName[] = ["up", "preview", "verify-impersonate", "verify-adc"];
const AFTER_KEYS: StepName[] = [
  "rotate",
  "verify-service-account",
  "verify-api-key",
  "rotate-again",
  "rotate-next-period",
];

function expectedCleanup(mode: "create" | "adopt", step: StepName): string[] {
  if (BEFORE_UP.includes(step)) return [];
  if (mode === "create") return ["destroy", "delete-project"];
  return BEFORE_KEYS.includes(step) ? ["destroy"] : ["destroy", "delete-api-keys"];
}

describe("a failure at any step stops the run, runs exactly the clean-up that applies, and exits 1 naming the step", () => {
  const cases = [...BEFORE_UP, ...BEFORE_KEYS, ...AFTER_KEYS].flatMap((step) =>
    (["create", "adopt"] as const).map((mode) => [step, mode] as const),
  );
  test.each(cases)("%s fails (%s mode)", async (step, mode) => {
    const world = e2eWorld({ fail: { step } });
    const result = await e2e(mode === "create" ? CREATE : ADOPT, world);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as {
      ok: boolean;
      failedStep: string;
      steps: { step: string; status: string; message: string }[];
    };
    expect(doc.ok).toBe(false);
    expect(doc.failedStep).toBe(step);
    const steps = ran(result.stdout);
    const at = steps.findIndex((s) => s.step === step);
    expect(steps[at]).toEqual({ step, status: "failed" });
    expect(steps.slice(at + 1).map((s) => s.step)).toEqual(expectedCleanup(mode, step));
    expect(steps.slice(at + 1).every((s) => s.status === "ok")).toBe(true);
    expect(doc.steps.find((s) => s.step === step)!.message).toMatch(/planted failure/);
    // Nothing is left behind: the run's folder goes too.
    expect(readdirSync(world.deps.tempRoot)).toEqual([]);
  });

  test("the text report names the failed step and its reason, under the table of every step", async () => {
    const world = e2eWorld({ fail: { step: "verify-api-key", reason: "API_KEY_SERVICE_BLOCKED" } });
    const result = await e2e(
      ADOPT.filter((a) => a !== "--json"),
      world,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^verify-api-key {10}FAILED {3}\d+s +API_KEY_SERVICE_BLOCKED: planted failure of verify\./m,
    );
    expect(result.stdout).toMatch(/^rotate-again {12}not run  0s {5}verify-api-key failed$/m);
    expect(result.stdout).toContain(
      "Failed at verify-api-key (API_KEY_SERVICE_BLOCKED): API_KEY_SERVICE_BLOCKED: planted failure of verify.",
    );
    expect(result.stdout).toContain(
      "The clean-up steps that applied ran; the run left nothing behind.",
    );
    expect(result.stderr).toMatch(
      /^\[e2e\] verify-api-key FAILED \(\d+s\): API_KEY_SERVICE_BLOCKED/m,
    );
  });

  test.each([
    ["destroy", "create", ["destroy failed", "delete-project ok"]],
    ["delete-project", "create", ["destroy ok", "delete-project failed"]],
    ["destroy", "adopt", ["destroy failed", "delete-api-keys ok"]],
    ["delete-api-keys", "adopt", ["destroy ok", "delete-api-keys failed"]],
  ] as const)(
    "a clean-up step that fails (%s, %s mode) does not stop the others; the run exits 1 and keeps its folder, saying how to finish",
    async (step, mode, tail) => {
      const world = e2eWorld({ fail: { step } });
      const result = await e2e(mode === "create" ? CREATE.slice(0, -1) : ADOPT.slice(0, -1), world);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`Clean-up step ${step} failed:`);
      expect(result.stdout).toMatch(
        /The run's folder is kept: \S+ \(its state, passphrase and copy of the kit\)/,
      );
      expect(result.stdout).toContain(`npm exec -- pulumi destroy --stack ${STACK}`);
      const json = await e2e(mode === "create" ? CREATE : ADOPT, e2eWorld({ fail: { step } }));
      expect(
        ran(json.stdout)
          .slice(-2)
          .map((s) => `${s.step} ${s.status}`),
      ).toEqual(tail);
      expect(readdirSync(world.deps.tempRoot)).toHaveLength(1);
    },
  );
});

test("a command's message of several lines is one line in the progress and the report", async () => {
  const listed = {
    exitCode: 2,
    stdout: JSON.stringify({
      ok: false,
      error: {
        reason: "CONFIG_INVALID",
        message: "stacks/Pulumi.x.yaml has 2 problems:\n  - [a] one\n  - [b] two",
        fix: "Correct them.",
      },
    }),
    stderr: "",
  };
  const world = e2eWorld({ verify: { impersonate: [listed] } });
  const result = await e2e(CREATE, world);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(
    "[e2e] verify-impersonate FAILED (0s): CONFIG_INVALID: stacks/Pulumi.x.yaml has 2 problems: - [a] one - [b] two Correct them.\n",
  );
  const doc = JSON.parse(result.stdout) as { steps: { step: string; message: string }[] };
  expect(doc.steps.find((s) => s.step === "verify-impersonate")!.message).not.toContain("\n");
});

describe("--keep-on-failure", () => {
  test("a failure runs no clean-up and keeps the run's folder, with its state and passphrase, saying how to destroy and delete later", async () => {
    const world = e2eWorld({ fail: { step: "verify-impersonate" } });
    const result = await e2e([...CREATE, "--keep-on-failure"], world);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as {
      keptWorkspace: string;
      steps: { step: string; status: string; message: string }[];
    };
    expect(programs(world)).not.toContain("pulumi destroy");
    expect(programs(world)).not.toContain("google.deleteProject");
    expect(doc.steps.slice(-2)).toEqual([
      { step: "destroy", status: "not run", seconds: 0, message: "kept (--keep-on-failure)" },
      {
        step: "delete-project",
        status: "not run",
        seconds: 0,
        message: "kept (--keep-on-failure)",
      },
    ]);
    expect(existsSync(`${doc.keptWorkspace}/state`)).toBe(true);
    expect(existsSync(`${doc.keptWorkspace}/passphrase`)).toBe(true);
    expect(existsSync(`${doc.keptWorkspace}/project/stacks/Pulumi.${STACK}.yaml`)).toBe(true);
  });

  test("a run that passes cleans up all the same", async () => {
    const world = e2eWorld();
    const result = await e2e([...CREATE, "--keep-on-failure"], world);
    expect(result.code).toBe(0);
    expect(programs(world)).toEqual(
      expect.arrayContaining(["pulumi destroy", "google.deleteProject"]),
    );
    expect(readdirSync(world.deps.tempRoot)).toEqual([]);
  });
});

describe("while IAM settles", () => {
  const refused = (reason: string) => ({
    exitCode: 1,
    stdout: JSON.stringify({ ok: false, error: { reason, message: "refused.", fix: "Grant it." } }),
    stderr: "",
  });

  test("a verify refused for a reason a grant made moments ago explains is tried again every 30 s, and passes once the grant has reached Google's servers", async () => {
    const world = e2eWorld({
      verify: { impersonate: [refused("IMPERSONATION_DENIED"), refused("IMPERSONATION_DENIED")] },
    });
    const result = await e2e(CREATE, world);
    expect(result.code).toBe(0);
    expect(programs(world).filter((p) => p === "verify impersonate")).toHaveLength(3);
    expect(result.stderr).toMatch(
      /verify-impersonate: IMPERSONATION_DENIED, as a grant or API made moments ago may be for a few minutes; trying again in 30s/,
    );
  });

  test("it fails once --settle has passed, and a refusal no grant explains fails at once", async () => {
    const many = Array.from({ length: 50 }, () => refused("SECRET_PERMISSION_DENIED"));
    const world = e2eWorld({ verify: { "service-account": many } });
    const result = await e2e([...CREATE, "--settle", "60"], world);
    expect(result.code).toBe(1);
    // The first try, then one at 30 s and one at 60 s.
    expect(programs(world).filter((p) => p === "verify service-account")).toHaveLength(3);
    const once = e2eWorld({ verify: { adc: [refused("UNAUTHENTICATED")] } });
    expect((await e2e(CREATE, once)).code).toBe(1);
    expect(programs(once).filter((p) => p === "verify adc")).toHaveLength(1);
  });

  test("verify as ADC is skipped, not failed, when the credentials carry no Gemini scope (a login with gcloud's own client)", async () => {
    const world = e2eWorld({ verify: { adc: [refused("ACCESS_TOKEN_SCOPE_INSUFFICIENT")] } });
    const result = await e2e(CREATE, world);
    expect(result.code).toBe(0);
    expect(ran(result.stdout).find((s) => s.step === "verify-adc")).toEqual({
      step: "verify-adc",
      status: "skipped",
    });
  });
});

describe("Ctrl-C", () => {
  test("stops the step running, starts no other, runs the clean-up, and exits 130", async () => {
    const world = e2eWorld({
      onCall: (call, w) => {
        if (call.what === "deploy") w.interrupt();
      },
    });
    const result = await e2e(CREATE, world);
    expect(result.code).toBe(130);
    const doc = JSON.parse(result.stdout) as { interrupted: boolean; failedStep: string };
    expect(doc).toMatchObject({ interrupted: true, failedStep: "up" });
    expect(programs(world).slice(-4)).toEqual([
      "deploy",
      "pulumi stack",
      "pulumi destroy",
      "google.deleteProject",
    ]);
    expect(result.stderr).toContain(
      "Interrupted: stopping the running step; the clean-up steps run next",
    );
  });

  test("a second Ctrl-C stops the clean-up too, which keeps the run's folder", async () => {
    const world = e2eWorld({
      onCall: (call, w) => {
        if (call.what === "deploy" || call.what === "pulumi stack") w.interrupt();
      },
    });
    const result = await e2e(CREATE, world);
    expect(result.code).toBe(130);
    const doc = JSON.parse(result.stdout) as {
      keptWorkspace?: string;
      steps: { step: string; status: string }[];
    };
    expect(doc.steps.slice(-2).map((s) => s.status)).toEqual(["failed", "not run"]);
    expect(doc.keptWorkspace).toBeDefined();
  });
});
