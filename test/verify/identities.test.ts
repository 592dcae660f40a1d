/**
 * Every identity, end to end: the real command as a child process, the real google-auth-library,
 * against the fake Google on 127.0.0.1. Every output is scanned for the world's secret values.
 */

import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { authorizedUserFile, externalAccountFile } from "../helpers/google/credentials.ts";
import { cleanEnv, type CliResult } from "../helpers/verify-cli.ts";
import { verifyCommand } from "../helpers/verify-run.ts";
import {
  CALLER,
  expectNoSecrets,
  PROJECT,
  RUNTIME,
  SECRETS,
  startWorld,
  type World,
} from "../helpers/verify-world.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.google.close());
beforeEach(() => {
  world.google.state.requests.length = 0;
});

/**
 * Runs the command (in this process) with the caller's ADC set to the deployer key, and checks no
 * secret leaked.
 */
async function verify(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = await verifyCommand(
    args,
    cleanEnv({
      ...world.google.env,
      GOOGLE_APPLICATION_CREDENTIALS: world.files.callerKey,
      ...env,
    }),
  );
  expectNoSecrets(world, result.stdout, result.stderr);
  return result;
}

function json(
  result: CliResult,
): Record<string, unknown> & { identity: Record<string, string>; models: unknown[] } {
  return JSON.parse(result.stdout) as Record<string, unknown> & {
    identity: Record<string, string>;
    models: unknown[];
  };
}

test("a service-account key file gets a token from the configured token endpoint and lists every model", async () => {
  const result = await verify(["--auth", "service-account", "--key-file", world.files.runtimeKey]);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(
    /\nVerified: service-account gak-runtime-dev@[^\n]+\n {2}credential {2}key file [^\n]+\n {2}project {5}acme-gemini-dev\n {2}models {6}57\n$/,
  );
  expect(result.stdout).toContain("models      57");
  const token = world.google.requestsTo("token");
  expect(token).toHaveLength(1);
  expect(new URLSearchParams(token[0]!.body).get("grant_type")).toBe(
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
  );
  expect(world.google.requestsTo("models").map((r) => r.query.pageToken ?? "")).toEqual([
    "",
    expect.any(String),
  ]);
});

test("the stack's key is read from its secret with the caller's ADC, then used as the runtime account", async () => {
  const result = await verify(["--outputs", world.files.outputs, "--json"]);
  expect(result.code).toBe(0);
  const body = json(result);
  expect(body.identity).toMatchObject({
    kind: "service-account",
    principal: RUNTIME,
    source: `secret ${SECRETS.key}`,
  });
  expect(body.models).toHaveLength(57);
  expect(world.google.requestsTo("secrets").map((r) => r.path)).toEqual([
    `/v1/${SECRETS.key}/versions/latest:access`,
  ]);
});

test("impersonation gets the runtime account's token from IAM Credentials without any key", async () => {
  const result = await verify([
    "--outputs",
    world.files.outputs,
    "--auth",
    "impersonate",
    "--json",
  ]);
  expect(result.code).toBe(0);
  expect(json(result).identity).toMatchObject({ kind: "impersonate", principal: RUNTIME });
  const [call] = world.google.requestsTo("iamcredentials");
  expect(call!.path).toBe(
    `/v1/projects/-/serviceAccounts/${encodeURIComponent(RUNTIME)}:generateAccessToken`,
  );
  expect(JSON.parse(call!.body)).toMatchObject({
    lifetime: "3600s",
    scope: expect.arrayContaining([
      "https://www.googleapis.com/auth/generative-language.retriever",
    ]),
  });
  expect(world.google.requestsTo("secrets")).toHaveLength(0);
});

test("the stack's API key is read from its secret and sent only in the x-goog-api-key header", async () => {
  const result = await verify(["--outputs", world.files.outputs, "--auth", "api-key"]);
  expect(result.code).toBe(0);
  for (const request of world.google.requestsTo("models")) {
    expect(request.headers["x-goog-api-key"]).toBe(world.apiKey);
    expect(request.headers.authorization).toBeUndefined();
    expect(request.query.key).toBeUndefined();
  }
});

test("without a stack, the API key comes from GEMINI_API_KEY", async () => {
  const result = await verify(["--auth", "api-key", "--json"], { GEMINI_API_KEY: world.apiKey });
  expect(result.code).toBe(0);
  expect(json(result).identity).toMatchObject({
    kind: "api-key",
    source: "environment variable GEMINI_API_KEY",
  });
});

test("ADC from an authorized_user file sends its quota project as x-goog-user-project", async () => {
  const refresh = world.google.addRefreshToken(world.client.clientId, "dev@example.com", [
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/generative-language.retriever",
  ]);
  const file = join(world.dir, "adc-user.json");
  writeFileSync(file, authorizedUserFile(world.client, refresh, PROJECT));
  const result = await verify(["--auth", "adc", "--json"], {
    GOOGLE_APPLICATION_CREDENTIALS: file,
  });
  expect(result.code).toBe(0);
  expect(json(result).identity).toMatchObject({ kind: "adc", principal: "user" });
  expect(world.google.requestsTo("models")[0]!.headers["x-goog-user-project"]).toBe(PROJECT);
});

test("ADC from a Workload Identity Federation file exchanges the CI token at STS and impersonates the account", async () => {
  const subject = join(world.dir, "oidc-token");
  writeFileSync(subject, "header.payload.signature");
  const federated =
    "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/subject/repo:acme/infra";
  world.google.state.federated.set("header.payload.signature", federated);
  world.google.state.impersonators.get(RUNTIME)!.add(federated);
  const file = join(world.dir, "wif.json");
  writeFileSync(file, externalAccountFile(`${world.google.url}/sts/v1/token`, subject, RUNTIME));
  const result = await verify(["--auth", "adc", "--project", PROJECT, "--json"], {
    GOOGLE_APPLICATION_CREDENTIALS: file,
  });
  expect(result.code).toBe(0);
  expect(json(result).identity).toMatchObject({ kind: "adc", principal: RUNTIME });
  expect(world.google.requestsTo("sts")).toHaveLength(1);
  expect(world.google.requestsTo("iamcredentials")).toHaveLength(1);
});

test("--stack reads the outputs through the pulumi CLI on PATH", async () => {
  const bin = join(world.dir, "bin");
  mkdirSync(bin, { recursive: true });
  // A stand-in for the Pulumi CLI that answers `pulumi stack output --json --stack dev` from a file.
  writeFileSync(
    join(bin, "pulumi"),
    `#!/bin/sh\n[ "$*" = "stack output --json --stack dev" ] || { echo "unexpected: $*" >&2; exit 3; }\ncat '${world.files.outputs}'\n`,
    { mode: 0o755 },
  );
  const result = await verify(["--stack", "dev", "--auth", "impersonate"], {
    PATH: `${bin}:${process.env.PATH}`,
  });
  expect(result.code).toBe(0);
  expect(result.stderr).toContain("Reading the outputs of stack dev");
  const failing = await verify(["--stack", "prod"], { PATH: `${bin}:${process.env.PATH}` });
  expect(failing.code).toBe(2);
  expect(failing.stderr).toContain(
    "pulumi stack output --stack prod failed: unexpected: stack output --json --stack prod",
  );
});

test("a missing Pulumi CLI is a usage error that points at --outputs", async () => {
  const result = await verify(["--stack", "dev"], { PATH: "/nonexistent" });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("--outputs FILE");
});

test("share-tuned-model creates the permission the quickstart's REST appendix does", async () => {
  world.google.state.tunedModels.push({
    name: "tunedModels/my-model-abc123",
    displayName: "my model",
    state: "ACTIVE",
  });
  const result = await verify([
    "share-tuned-model",
    "tunedModels/my-model-abc123",
    "--grantee-type",
    "USER",
    "--email",
    "ana@example.com",
    "--role",
    "READER",
    "--key-file",
    world.files.runtimeKey,
    "--json",
  ]);
  expect(result.code).toBe(0);
  expect(JSON.parse(world.google.requestsTo("permissions")[0]!.body)).toEqual({
    granteeType: "USER",
    emailAddress: "ana@example.com",
    role: "READER",
  });
  expect(JSON.parse(result.stdout)).toMatchObject({
    ok: true,
    permission: { name: "tunedModels/my-model-abc123/permissions/p1" },
  });
});

test("--tuned lists tuned models with a tuning scope", async () => {
  const result = await verify(["--key-file", world.files.runtimeKey, "--tuned"]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("tunedModels/my-model-abc123");
});

test("the caller's key file is the one being used, not left readable by others: outputs never echo it", async () => {
  const result = await verify(["--key-file", world.files.callerKey, "--json"]);
  expect(result.code).toBe(0);
  expect(json(result).identity.principal).toBe(CALLER);
  expect(statSync(world.files.callerKey).isFile()).toBe(true);
});
