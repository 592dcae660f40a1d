/**
 * The dev stack as the rotator finds it in the fake Google: its runtime account, the two key secrets
 * `pulumi up` created (empty), and the rotator's identity (ADC from a key file) holding exactly the
 * rights the CI stack grants it: key admin on the runtime account, the binding of API keys to it,
 * version management on the two secrets (no read), the project's API key rights, and reading its
 * organization policies. One clock,
 * moved by the tests, stamps what Google makes and tells the rotator the time.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redactor } from "../../src/cli/redact.ts";
import { parseRotateArgs } from "../../src/rotate/args.ts";
import { runRotate, type RotateResult } from "../../src/rotate/run.ts";
import { readInputFile } from "../../src/cli/input-file.ts";
import { nodeFetch } from "../../src/google/transport/fetch.ts";
import type { GeneratedKey } from "./google/credentials.ts";
import { startFakeGoogle, type FakeGoogle } from "./google/server.ts";
import { cloudProject, PROJECT_NUMBER, type Route } from "./google/state.ts";
import { CI_PROJECT_APIS, ROTATOR_POLICY_PERMISSIONS } from "../../src/ci/grants.ts";
import { tempDir } from "./temp-dir.ts";

export const PROJECT = "acme-gemini-dev";
export const RUNTIME = `gak-runtime-dev@${PROJECT}.iam.gserviceaccount.com`;
export const ROTATOR = "gak-rotate-dev@acme-gemini-ci.iam.gserviceaccount.com";
export const KEY_SECRET = `projects/${PROJECT}/secrets/gak-runtime-key-dev`;
export const API_KEY_SECRET = `projects/${PROJECT}/secrets/gak-api-key-dev`;
export const START = Date.parse("2026-12-04T03:17:00Z");
export const DAY = 86_400_000;

/** The dev stack's rotation output, as its outputs (and npm run plan -- --outputs) give it. */
export const ROTATION = {
  periodDays: 30,
  unmanagedKeyGraceHours: 24,
  keys: [
    { kind: "service-account-key", account: RUNTIME, secret: KEY_SECRET },
    {
      kind: "api-key",
      account: RUNTIME,
      secret: API_KEY_SECRET,
      project: PROJECT,
      keyIdPrefix: "gak-gemini-dev",
      displayName: "Gemini API (gak-gemini-dev)",
      service: "generativelanguage.googleapis.com",
    },
  ],
};

/** The routes whose calls change something in Google. */
export const CHANGING: Route[] = [
  "iamKeys.create",
  "iamKeys.delete",
  "secret.patch",
  "versions.add",
  "versions.destroy",
  "apiKeys.create",
  "apiKeys.delete",
];

export interface RotateWorld {
  google: FakeGoogle;
  dir: string;
  rotatorKey: GeneratedKey;
  files: { rotator: string; outputs: string };
  /** The shared clock, epoch ms. */
  time: { now: number };
  advance(days: number): void;
  /** Every secret the world holds, for scanning output: key files, private keys, API key strings, tokens. */
  secrets(): string[];
}

export async function startRotateWorld(rotation: unknown = ROTATION): Promise<RotateWorld> {
  const google = await startFakeGoogle();
  const time = { now: START };
  google.state.now = () => time.now;
  const dir = tempDir("rotate");
  google.state.accounts.set(RUNTIME, new Map());
  const rotatorKey = google.addServiceAccount(ROTATOR, "acme-gemini-ci");
  google.state.keyAdmins.set(RUNTIME, new Set([ROTATOR]));
  google.state.keyBinders.set(RUNTIME, new Set([ROTATOR]));
  google.state.apiKeyAdmins.add(ROTATOR);
  // What the rotator reads before it makes a key (ROTATOR_POLICY_PERMISSIONS): no policy set.
  google.state.cloudProjects.set(PROJECT, cloudProject(PROJECT, PROJECT_NUMBER, []));
  // The rotator's own project, which its calls are charged to, enables what the CI stack enables.
  google.state.cloudProjects.set(
    "acme-gemini-ci",
    cloudProject("acme-gemini-ci", "210987654321", CI_PROJECT_APIS),
  );
  google.state.grants.set(ROTATOR, [
    { project: PROJECT, permissions: [...ROTATOR_POLICY_PERMISSIONS] },
  ]);
  for (const name of [KEY_SECRET, API_KEY_SECRET]) {
    google.addSecret(name, undefined, ["group:gemini-dev@example.com"]);
    google.state.secrets.get(name)!.managers.add(ROTATOR);
  }
  const files = { rotator: join(dir, "rotator-adc.json"), outputs: join(dir, "outputs.json") };
  writeFileSync(files.rotator, rotatorKey.file);
  writeFileSync(
    files.outputs,
    JSON.stringify({ project: PROJECT, environment: "dev", rotation }, null, 2),
  );
  const secrets = () => {
    const values: string[] = [...google.state.apiKeys.keys(), ...google.state.tokens.keys()];
    for (const secret of google.state.secrets.values()) {
      for (const v of secret.versions) {
        const text = v.data?.toString("utf8");
        if (text === undefined) continue;
        // The key as stored, as IAM hands it over (privateKeyData, base64), and its private key's lines.
        values.push(text, v.data!.toString("base64"));
        if (text.startsWith("{"))
          values.push(
            ...(JSON.parse(text) as { private_key: string }).private_key
              .split("\n")
              .filter((l) => l.length > 40),
          );
      }
    }
    values.push(
      ...(JSON.parse(rotatorKey.file) as { private_key: string }).private_key
        .split("\n")
        .filter((l) => l.length > 40),
    );
    return values;
  };
  return {
    google,
    dir,
    rotatorKey,
    files,
    time,
    advance: (days) => void (time.now += days * DAY),
    secrets,
  };
}

export interface InProcessRotation {
  result: RotateResult;
  progress: string[];
}

/** Runs the rotate core in this process against the world, its clock the world's (sleeping moves it). */
export async function rotateInProcess(
  world: RotateWorld,
  argv: string[],
  env: Record<string, string> = {},
): Promise<InProcessRotation> {
  const progress: string[] = [];
  const full = {
    METADATA_SERVER_DETECTION: "none",
    HOME: "/nonexistent",
    GOOGLE_APPLICATION_CREDENTIALS: world.files.rotator,
    ...world.google.env,
    ...env,
  };
  // google-auth-library reads these from the process itself, not from the env the core is given.
  const saved = { ...process.env };
  Object.assign(process.env, full);
  try {
    const result = await runRotate(parseRotateArgs(["--outputs", world.files.outputs, ...argv]), {
      fetch: nodeFetch,
      clock: {
        now: () => world.time.now,
        sleep: (ms) => ((world.time.now += ms), Promise.resolve()),
        random: () => 0.5,
      },
      env: full,
      readFile: readInputFile,
      run: () => Promise.reject(new Error("no pulumi in in-process tests")),
      progress: (line) => progress.push(line),
      redactor: new Redactor(),
    });
    return { result, progress };
  } finally {
    process.env = saved;
  }
}

/** The key a version's data is: a key file's private_key_id, or the id of the API key with that string. */
export function heldKey(world: RotateWorld, data: Buffer | undefined): string | undefined {
  const text = data?.toString("utf8");
  if (text?.startsWith("{")) return (JSON.parse(text) as { private_key_id: string }).private_key_id;
  if (text === undefined) return undefined;
  return [...world.google.state.apiKeyRecords.values()].find((k) => k.keyString === text)?.keyId;
}

/** What the secret holds, newest last: each version's number, state, and key id (for a key file) or API key id. */
export function secretVersions(
  world: RotateWorld,
  secret: string,
): { number: number; state: string; holds?: string }[] {
  return world.google.state.secrets.get(secret)!.versions.map((v) => {
    const holds = heldKey(world, v.data);
    return { number: v.number, state: v.state, ...(holds ? { holds } : {}) };
  });
}

/** A ledger entry as the rotator writes it: the key id, `@`, and when it was recorded. */
export function recordedAs(keyId: string | undefined): unknown {
  return expect.stringMatching(new RegExp(`^${keyId ?? "(missing)"}@\\d{4}-\\d\\d-\\d\\dT`));
}
