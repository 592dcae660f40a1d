/**
 * The Desktop-client sign-in, end to end: the command prints the address (--no-browser), the test
 * plays the browser against the fake consent screen, and the loopback listener receives the code.
 */

import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { browserFor } from "../helpers/browser.ts";
import { cleanEnv, runCli } from "../helpers/verify-cli.ts";
import { expectNoSecrets, startWorld, type World } from "../helpers/verify-world.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.google.close());

function signIn(cache: string, extra: string[] = []) {
  const browser = browserFor(world.google.env.GEMINI_KIT_OAUTH2_AUTH_URL!);
  const run = runCli(["--auth", "oauth", "--client-file", world.files.client, "--no-browser", "--token-cache", cache, "--json", ...extra], {
    env: cleanEnv(world.google.env),
    onStderr: browser.onStderr,
  });
  return { run, visited: browser.visited };
}

test("signs in once through the loopback flow with PKCE, saves the refresh token 0600, and reuses it", async () => {
  const cache = join(world.dir, "first", "tokens.json");
  const { run, visited } = signIn(cache);
  const first = await run;
  expect(await visited).toBe(200);
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, identity: { kind: "oauth", principal: "user" } });
  expect(statSync(cache).mode & 0o777).toBe(0o600);
  expect(statSync(join(world.dir, "first")).mode & 0o777).toBe(0o700);
  expect(world.google.requestsTo("models").at(-1)!.headers["x-goog-user-project"]).toBe("acme-gemini-dev");

  const authBefore = world.google.requestsTo("auth").length;
  const second = await runCli(["--auth", "oauth", "--client-file", world.files.client, "--no-browser", "--token-cache", cache], { env: cleanEnv(world.google.env) });
  expect(second.code).toBe(0);
  expect(second.stdout).toContain("saved sign-in");
  expect(world.google.requestsTo("auth")).toHaveLength(authBefore);
  expectNoSecrets(world, first.stdout, first.stderr, second.stdout, second.stderr);

  const logout = await runCli(["--logout", "--client-file", world.files.client, "--token-cache", cache], { env: cleanEnv(world.google.env) });
  expect(logout.code).toBe(0);
  expect(logout.stdout).toContain("Signed out");
  expect(JSON.parse(readFileSync(cache, "utf8"))).toEqual({ version: 1, clients: {} });
});

test("a declined consent screen fails with ACCESS_DENIED and names the test-user limit", async () => {
  world.google.state.consent.action = "deny";
  try {
    const { run } = signIn(join(world.dir, "denied.json"));
    const result = await run;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { reason: "ACCESS_DENIED", fix: expect.stringContaining("test users") } });
  } finally {
    world.google.state.consent.action = "approve";
  }
});

test("a consent that leaves out the Gemini scope fails with SCOPE_NOT_GRANTED and saves nothing", async () => {
  world.google.state.consent.grant = (requested) => requested.filter((s) => !s.includes("generative-language"));
  try {
    const cache = join(world.dir, "partial.json");
    const result = await signIn(cache).run;
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { reason: "SCOPE_NOT_GRANTED" } });
    expect(() => statSync(cache)).toThrow();
  } finally {
    world.google.state.consent.grant = undefined;
  }
});

test("an expired saved sign-in (a Testing app's 7-day limit) fails with INVALID_GRANT and is forgotten", async () => {
  const cache = join(world.dir, "expired.json");
  await signIn(cache).run;
  world.google.state.refreshTokens.clear();
  const result = await runCli(["--auth", "oauth", "--client-file", world.files.client, "--no-browser", "--token-cache", cache, "--json"], { env: cleanEnv(world.google.env) });
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout)).toMatchObject({ error: { reason: "INVALID_GRANT", fix: expect.stringContaining("7 days") } });
  expect((JSON.parse(readFileSync(cache, "utf8")) as { clients: object }).clients).toEqual({});
});

test("20 concurrent sign-ins with different clients all land in one intact cache file", async () => {
  const cache = join(world.dir, "shared", "tokens.json");
  const clients = Array.from({ length: 20 }, (_, i) => {
    const client = world.google.addClient("acme-gemini-dev");
    const file = join(world.dir, `client-${i}.json`);
    writeFileSync(file, client.file);
    return { client, file };
  });
  const runs = clients.map(({ file }) => {
    const browser = browserFor(world.google.env.GEMINI_KIT_OAUTH2_AUTH_URL!);
    return runCli(["--auth", "oauth", "--client-file", file, "--no-browser", "--token-cache", cache], { env: cleanEnv(world.google.env), onStderr: browser.onStderr, timeoutMs: 60_000 });
  });
  const results = await Promise.all(runs);
  expect(results.map((r) => r.code)).toEqual(clients.map(() => 0));
  const saved = JSON.parse(readFileSync(cache, "utf8")) as { clients: Record<string, { refreshToken: string }> };
  expect(Object.keys(saved.clients).sort()).toEqual(clients.map(({ client }) => client.clientId).sort());
  expect(statSync(cache).mode & 0o777).toBe(0o600);
}, 90_000);
