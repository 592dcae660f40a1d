/**
 * `npm run rotate` as a process, against the fake Google: what it prints (never a key), and what
 * the next run finds after one was killed at the worst moments: between making a key and storing
 * it, and between storing it and recording it.
 */

import { machine } from "../../scripts/machine.ts";
import { rotateMain } from "../../src/rotate/cli.ts";
import { inProcess } from "../helpers/in-process.ts";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { keyIds } from "../helpers/google/iam-keys.ts";
import type { Recorded } from "../helpers/google/state.ts";
import {
  API_KEY_SECRET,
  KEY_SECRET,
  RUNTIME,
  recordedAs,
  rotateInProcess,
  secretVersions,
  startRotateWorld,
  type RotateWorld,
} from "../helpers/rotate-world.ts";
import { fakePulumi } from "../helpers/fake-pulumi.ts";
import { cleanEnv, runScript } from "../helpers/verify-cli.ts";
import { ROTATE_HELP } from "../../src/rotate/args.ts";

/** A dead run's lease (the default proof timeout, 600 s, and 15 minutes), and a minute, in days. */
const LEASE_DAYS = (600 + 15 * 60 + 60) / 86_400;

let world: RotateWorld;
/** How far the test has moved Google's clock past the real one (later). */
let ahead = 0;
beforeEach(async () => {
  world = await startRotateWorld();
  // A child process keeps its own time, so Google's stamps here are the real clock's too, moved on
  // by `later`: the rotator reads Google's time from its answers.
  ahead = 0;
  world.google.state.now = () => Date.now() + ahead;
  world.time.now = Date.now();
  // Real sleeps in a child process: operations are done at the first poll.
  world.google.state.operationPolls = 0;
});
afterEach(() => world.google.close());

/** Moves Google's clock (and the in-process runs' clock) `days` on. */
function later(days: number): void {
  ahead += days * 86_400_000;
  world.advance(days);
}

const env = () =>
  cleanEnv({ ...world.google.env, GOOGLE_APPLICATION_CREDENTIALS: world.files.rotator });
/**
 * The command in this process (see inProcess), with the collaborators its entry gives it but a
 * clock that skips its waits (an API key's operation is polled after half a second) and counts
 * them in its time.
 */
const rotateHere = (argv: string[], environment: Record<string, string>) => {
  let skipped = 0;
  return inProcess(
    "rotate",
    (c) =>
      rotateMain(c, {
        ...machine(),
        clock: {
          now: () => Date.now() + skipped,
          sleep: (ms) => {
            skipped += ms;
            return Promise.resolve();
          },
          random: Math.random,
        },
      }),
    argv,
    environment,
  );
};
/** A run on the world's outputs: a process of its own when the test ends it midway (`onSpawn`). */
const rotate = (args: string[], onSpawn?: (child: ChildProcess) => void) =>
  onSpawn === undefined
    ? rotateHere(["--outputs", world.files.outputs, ...args], env())
    : runScript("rotate", ["--outputs", world.files.outputs, ...args], {
        env: env(),
        onSpawn,
        timeoutMs: 60_000,
      });

/** Ends the run with SIGKILL when the first request matching `when` arrives, which Google then never carries out. */
function killAt(
  route: Recorded["route"],
  when: (r: Recorded) => boolean = () => true,
): (child: ChildProcess) => void {
  return (child) => {
    world.google.state.hooks.set(route as never, async (request) => {
      if (!when(request) || child.exitCode !== null || child.signalCode !== null) return undefined;
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("close", resolve));
      return "drop";
    });
  };
}

describe("npm run rotate", () => {
  test("prints one line per key with its id and action, a summary last, and no key material in text or JSON", async () => {
    const text = await rotate([]);
    expect([text.code, text.stderr.includes("Traceback")]).toEqual([0, false]);
    const [key] = keyIds(world.google.state, RUNTIME);
    expect(text.stdout).toMatch(
      new RegExp(
        `^Keys of .*outputs\\.json, rotated every 30 days, as of \\S+, acting as gak-rotate-dev@acme-gemini-ci\\.iam\\.gserviceaccount\\.com:\\n\\nKey of ${RUNTIME}, in ${KEY_SECRET}\\n  rotated +${key} +v1 +made, proven \\(57 models listed, models/gemini-3\\.8-flash called, first attempt\\), added as the newest version\\n`,
      ),
    );
    expect(text.stdout).toMatch(
      /\nAPI key bound to .*\n {2}rotated +gak-gemini-dev-\d{8}-\d{6} +v1 +made, proven/,
    );
    expect(text.stdout).toMatch(/\n2 keys, 2 rotated, 0 current\.\n$/);
    // A month on, the JSON run makes and proves keys too; then a run whose proofs fail prints its errors.
    later(31);
    const json = await rotate(["--json"]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as {
      ok: boolean;
      keys: { status: string; keys: { action: string }[] }[];
    };
    expect(doc.ok).toBe(true);
    expect(doc.keys.map((k) => [k.status, k.keys.map((l) => l.action)])).toEqual([
      ["rotated", ["rotated", "kept"]],
      ["rotated", ["rotated", "kept"]],
    ]);
    world.google.state.disabled = true;
    // A refusal that may be propagation is tried again until --proof-timeout: one second, no retry.
    later(31);
    const failed = await rotate(["--json", "--proof-timeout", "1"]);
    expect(failed.code).toBe(1);
    const printed = [
      text.stdout,
      text.stderr,
      json.stdout,
      json.stderr,
      failed.stdout,
      failed.stderr,
    ].join("\n");
    const secrets = world.secrets();
    expect(secrets.length).toBeGreaterThan(8);
    for (const secret of secrets)
      expect(
        printed.includes(secret)
          ? `output contains a secret starting ${secret.slice(0, 6)}`
          : "clean",
      ).toBe("clean");
  }, 60_000);

  test("a run killed as it stored a key: after the lease the next run waits while a version may yet show it, then deletes that key as an orphan and makes another", async () => {
    const killed = await rotate([], killAt("versions.add"));
    expect(killed.signal).toBe("SIGKILL");
    const [orphan] = keyIds(world.google.state, RUNTIME);
    expect(orphan).toBeDefined();
    expect(
      JSON.parse(
        world.google.state.secrets.get(KEY_SECRET)!.annotations["gemini-access-kit.pending"]!,
      ),
    ).toMatchObject({ keyId: orphan, existing: [], newestVersion: 0, storing: true });
    // Within the dead run's lease, another run leaves the secret alone: that run might still be at work.
    const early = await rotateInProcess(world, []);
    expect(early.result.keys[0]).toMatchObject({
      status: "failed",
      error: { reason: "ROTATION_UNSAFE" },
    });
    expect(keyIds(world.google.state, RUNTIME)).toEqual([orphan]);
    later(LEASE_DAYS);
    // Adding the version may have taken effect, and Google's reads may not show it for hours.
    const waiting = await rotateInProcess(world, []);
    expect(waiting.result.keys[0]!.status).toBe("waiting");
    expect(waiting.result.keys[0]!.keys.map((l) => [l.action, l.keyId])).toEqual([
      ["waiting", orphan],
    ]);
    expect(keyIds(world.google.state, RUNTIME)).toEqual([orphan]);
    later(0.5);
    const next = await rotateInProcess(world, []);
    expect(next.result.keys[0]!.keys.map((l) => [l.action, l.keyId])).toEqual([
      ["orphan", orphan],
      ["rotated", expect.any(String)],
    ]);
    const [stored] = keyIds(world.google.state, RUNTIME);
    expect(stored).not.toBe(orphan);
    expect(secretVersions(world, KEY_SECRET)).toEqual([
      { number: 1, state: "ENABLED", holds: stored },
    ]);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({
      "gemini-access-kit.v1": recordedAs(stored),
    });
  }, 60_000);

  test("a run killed after storing a key and before recording it: the next run adopts that key, and makes none", async () => {
    const killed = await rotate(
      [],
      killAt("secret.patch", (r) => r.body.includes("gemini-access-kit.v1")),
    );
    expect(killed.signal).toBe("SIGKILL");
    const [key] = keyIds(world.google.state, RUNTIME);
    expect(secretVersions(world, KEY_SECRET)).toEqual([
      { number: 1, state: "ENABLED", holds: key },
    ]);
    later(LEASE_DAYS);
    const next = await rotateInProcess(world, []);
    expect(next.result.keys[0]!.keys.map((l) => [l.action, l.keyId, l.version])).toEqual([
      ["adopted", key, 1],
    ]);
    expect(next.result.keys[0]!.keys[0]!.detail).toMatch(
      /^stored by a run that was interrupted before it recorded it; recorded now; current; the next is due /,
    );
    expect(keyIds(world.google.state, RUNTIME)).toEqual([key]);
    expect(world.google.state.secrets.get(KEY_SECRET)!.annotations).toEqual({
      "gemini-access-kit.v1": recordedAs(key),
    });
  }, 60_000);

  test("an API key run killed after the key was made: the next run deletes it by its annotation and makes another", async () => {
    const killed = await rotate(
      [],
      killAt("versions.add", (r) => r.path.includes("gak-api-key-dev")),
    );
    expect(killed.signal).toBe("SIGKILL");
    const orphan = [...world.google.state.apiKeyRecords.keys()][0]!;
    later(LEASE_DAYS + 0.5);
    const next = await rotateInProcess(world, []);
    expect(next.result.keys[1]!.keys.map((l) => [l.action, l.keyId])).toEqual([
      ["orphan", orphan],
      ["rotated", expect.any(String)],
    ]);
    expect(world.google.state.apiKeyRecords.get(orphan)!.deleteTime).toBeDefined();
    expect(secretVersions(world, API_KEY_SECRET)).toHaveLength(1);
  }, 60_000);

  test("with --stack, reads what to rotate from the stack's outputs through the Pulumi CLI", async () => {
    const outputs = JSON.parse(readFileSync(world.files.outputs, "utf8")) as Record<
      string,
      unknown
    >;
    const pulumi = fakePulumi({
      backend: "gs://acme-gemini-state-dev",
      stacks: { dev: { outputs } },
    });
    const result = await rotateHere(["--stack", "dev", "--json"], {
      ...env(),
      PATH: pulumi.path,
      FAKE_PULUMI_DIR: pulumi.dir,
    });
    expect(result.code).toBe(0);
    expect(pulumi.calls().map((c) => c.args)).toEqual([
      ["stack", "output", "--json", "--stack", "dev"],
    ]);
    expect(JSON.parse(result.stdout) as { source: string; keys: unknown[] }).toMatchObject({
      source: "stack dev",
      keys: [{ status: "rotated" }, { status: "rotated" }],
    });
  }, 60_000);

  test.each([
    [
      [],
      "Which stack? Pass --stack NAME or --outputs FILE. Run npm run rotate -- --help for the options.",
    ],
    [
      ["--stack", "dev", "--outputs", "x.json"],
      "--stack and --outputs both name what to rotate; pass one. Run npm run rotate -- --help for the options.",
    ],
    [
      ["--outputs", "x.json", "--now", "2026-02-30"],
      '--now "2026-02-30" is not an ISO 8601 moment. Pass it as 2026-12-04T03:00:00Z (or a day, 2026-12-04).',
    ],
    [
      ["--outputs", "x.json", "--now", "2027-01-05"],
      "--now applies the policy as of another moment, which only a dry run can: a real run acts on Google's clock, which stamps what it makes. Add --dry-run, or drop --now.",
    ],
    [
      ["--outputs", "x.json", "--auth", "impersonate"],
      "--auth impersonate needs --impersonate EMAIL: the account to act as. Run npm run rotate -- --help for the options.",
    ],
    [
      ["--outputs", "x.json", "--proof-timeout", "0"],
      '--proof-timeout "0" is not a number from 1 to 3600. Run npm run rotate -- --help for the options.',
    ],
    [
      ["--outputs", "/nonexistent/outputs.json"],
      "/nonexistent/outputs.json does not exist. Check the path.",
    ],
  ])(
    "refuses %j with exit 2 and one line: %s",
    async (args, message) => {
      const result = await rotateHere(args, env());
      expect([result.code, result.stdout, result.stderr]).toEqual([2, "", `${message}\n`]);
    },
    60_000,
  );

  test("explains itself with --help, exit codes included", async () => {
    const result = await runScript("rotate", ["--help"], { env: env() });
    expect([result.code, result.stdout]).toEqual([0, ROTATE_HELP]);
    expect(ROTATE_HELP).toMatch(
      /Exit codes:\n {2}0 +every key is current, and every new key proven\n {2}1 +a key could not be rotated or proven/,
    );
  }, 60_000);
});
