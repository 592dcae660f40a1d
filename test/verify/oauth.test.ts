/**
 * The Desktop-client sign-in, end to end: the command prints the address (--no-browser), the test
 * plays the browser against the fake consent screen, and the loopback listener receives the code.
 */

import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { TokenCache } from "../../src/google/identities/token-cache.ts";
import { browserFor } from "../helpers/browser.ts";
import { cleanEnv, runCli } from "../helpers/verify-cli.ts";
import { expectNoSecrets, startWorld, type World } from "../helpers/verify-world.ts";
import { tempDir } from "../helpers/temp-dir.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.google.close());

function signIn(cache: string, extra: string[] = []) {
  const browser = browserFor(world.google.env.GEMINI_KIT_OAUTH2_AUTH_URL!);
  const run = runCli(
    [
      "--auth",
      "oauth",
      "--client-file",
      world.files.client,
      "--no-browser",
      "--token-cache",
      cache,
      "--json",
      ...extra,
    ],
    {
      env: cleanEnv(world.google.env),
      onStderr: browser.onStderr,
    },
  );
  return { run, visited: browser.visited };
}

test("signs in once through the loopback flow with PKCE, saves the refresh token 0600, and reuses it", async () => {
  const cache = join(world.dir, "first", "tokens.json");
  const { run, visited } = signIn(cache);
  const first = await run;
  expect(await visited).toBe(200);
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({
    ok: true,
    identity: { kind: "oauth", principal: "user" },
  });
  expect(statSync(cache).mode & 0o777).toBe(0o600);
  expect(statSync(join(world.dir, "first")).mode & 0o777).toBe(0o700);
  expect(world.google.requestsTo("models").at(-1)!.headers["x-goog-user-project"]).toBe(
    "acme-gemini-dev",
  );

  const authBefore = world.google.requestsTo("auth").length;
  const second = await runCli(
    [
      "--auth",
      "oauth",
      "--client-file",
      world.files.client,
      "--no-browser",
      "--token-cache",
      cache,
    ],
    { env: cleanEnv(world.google.env) },
  );
  expect(second.code).toBe(0);
  expect(second.stdout).toContain("saved sign-in");
  expect(world.google.requestsTo("auth")).toHaveLength(authBefore);
  expectNoSecrets(world, first.stdout, first.stderr, second.stdout, second.stderr);

  const logout = await runCli(
    ["--logout", "--client-file", world.files.client, "--token-cache", cache],
    { env: cleanEnv(world.google.env) },
  );
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
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: { reason: "ACCESS_DENIED", fix: expect.stringContaining("test users") },
    });
  } finally {
    world.google.state.consent.action = "approve";
  }
});

test("a consent that leaves out the Gemini scope fails with SCOPE_NOT_GRANTED and saves nothing", async () => {
  world.google.state.consent.grant = (requested) =>
    requested.filter((s) => !s.includes("generative-language"));
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
  const result = await runCli(
    [
      "--auth",
      "oauth",
      "--client-file",
      world.files.client,
      "--no-browser",
      "--token-cache",
      cache,
      "--json",
    ],
    { env: cleanEnv(world.google.env) },
  );
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout)).toMatchObject({
    error: { reason: "INVALID_GRANT", fix: expect.stringContaining("7 days") },
  });
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
    return runCli(
      ["--auth", "oauth", "--client-file", file, "--no-browser", "--token-cache", cache],
      { env: cleanEnv(world.google.env), onStderr: browser.onStderr, timeoutMs: 60_000 },
    );
  });
  const results = await Promise.all(runs);
  expect(results.map((r) => r.code)).toEqual(clients.map(() => 0));
  const saved = JSON.parse(readFileSync(cache, "utf8")) as {
    clients: Record<string, { refreshToken: string }>;
  };
  expect(Object.keys(saved.clients).sort()).toEqual(
    clients.map(({ client }) => client.clientId).sort(),
  );
  expect(statSync(cache).mode & 0o777).toBe(0o600);
}, 90_000);

describe("a token cache that cannot keep a refresh token safely is refused before the browser opens", () => {
  const refused = async (cache: string, env: Record<string, string> = {}) => {
    const authBefore = world.google.requestsTo("auth").length;
    const result = await runCli(
      [
        "--auth",
        "oauth",
        "--client-file",
        world.files.client,
        "--no-browser",
        "--token-cache",
        cache,
        "--json",
      ],
      { env: cleanEnv({ ...world.google.env, ...env }) },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain("Open this address");
    expect(world.google.requestsTo("auth")).toHaveLength(authBefore);
    return (JSON.parse(result.stdout) as { error: { reason: string; message: string } }).error;
  };

  test("a cache path that is a folder", async () => {
    const cache = join(world.dir, "cache-is-a-folder");
    mkdirSync(cache);
    expect(await refused(cache)).toMatchObject({
      reason: "TOKEN_CACHE_UNUSABLE",
      message: `The token cache ${cache} is a folder.`,
    });
  });

  test("a cache folder that is a file", async () => {
    const file = join(world.dir, "plain-file");
    writeFileSync(file, "");
    expect(await refused(join(file, "tokens.json"))).toMatchObject({
      reason: "TOKEN_CACHE_UNUSABLE",
      message: `The token cache folder ${file} is not a folder.`,
    });
  });

  test.each([[0o775], [0o777], [0o722]])(
    "a cache folder other users may write to (mode %o)",
    async (mode) => {
      const folder = join(world.dir, `shared-${mode.toString(8)}`);
      mkdirSync(folder);
      chmodSync(folder, mode);
      const error = await refused(join(folder, "tokens.json"));
      expect(error.message).toContain(`can be written by other users (mode ${mode.toString(8)})`);
    },
  );

  test("a cache file that is a symbolic link (a planted refresh token is never read)", async () => {
    const folder = join(world.dir, "linked");
    mkdirSync(folder, { mode: 0o700 });
    const planted = join(world.dir, "planted.json");
    writeFileSync(
      planted,
      JSON.stringify({
        version: 1,
        clients: {
          [world.client.clientId]: {
            refreshToken: "1//planted-refresh-token-value",
            scopes: [],
            savedAt: "",
          },
        },
      }),
    );
    symlinkSync(planted, join(folder, "tokens.json"));
    expect((await refused(join(folder, "tokens.json"))).message).toContain("is a symbolic link");
  });

  test("a HOME that does not exist, with no --token-cache", async () => {
    const result = await runCli(
      ["--auth", "oauth", "--client-file", world.files.client, "--no-browser", "--json"],
      { env: { ...cleanEnv(world.google.env), HOME: "/nonexistent-home", XDG_CACHE_HOME: "" } },
    );
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      error: {
        reason: "TOKEN_CACHE_UNUSABLE",
        message: expect.stringContaining(
          "is under /nonexistent-home, which is not an existing folder",
        ),
      },
    });
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? test : test.skip)(
    `a cache folder owned by another user${asRoot ? "" : " (skipped: only root can give a folder to another user)"}`,
    async () => {
      const folder = join(world.dir, "someone-elses");
      mkdirSync(folder, { mode: 0o700 });
      chownSync(folder, 65534, 65534);
      expect((await refused(join(folder, "tokens.json"))).message).toContain(
        "belongs to another user (uid 65534)",
      );
    },
  );

  (asRoot ? test.skip : test)(
    `a read-only cache folder${asRoot ? " (skipped: root writes to read-only folders)" : ""}`,
    async () => {
      const folder = join(world.dir, "read-only");
      mkdirSync(folder, { mode: 0o500 });
      expect((await refused(join(folder, "tokens.json"))).message).toContain(
        "cannot be written (EACCES)",
      );
    },
  );
});

test("a failed write of the cache leaves no temporary file with a refresh token behind", async () => {
  const folder = tempDir("cache");
  const failing = () =>
    Promise.reject(Object.assign(new Error("no space left on device"), { code: "ENOSPC" }));
  const cache = new TokenCache(
    { path: join(folder, "tokens.json"), root: dirname(folder) },
    failing,
  );
  await expect(
    cache.put("client", {
      refreshToken: "1//refresh-token-that-must-not-stay",
      scopes: [],
      savedAt: "",
    }),
  ).rejects.toMatchObject({
    reason: "TOKEN_CACHE_UNUSABLE",
    message: `The token cache ${join(folder, "tokens.json")} could not be written (ENOSPC).`,
  });
  expect(readdirSync(folder)).toEqual([]);
});

test("the sign-in address never goes on a command line: the browser gets a private file that redirects to it", async () => {
  const log = join(world.dir, "browser-log.json");
  const browser = join(world.dir, "fake-browser.cjs");
  // Plays the user's browser: records how it was started, then follows the page's redirect.
  writeFileSync(
    browser,
    `#!${process.execPath}
const fs = require("node:fs");
const { fileURLToPath } = require("node:url");
const page = fileURLToPath(process.argv[2]);
fs.writeFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), mode: fs.statSync(page).mode & 0o777, folderMode: fs.statSync(require("node:path").dirname(page)).mode & 0o777, page }));
const href = /url=([^"]+)"/.exec(fs.readFileSync(page, "utf8"))[1].replace(/&amp;/g, "&");
fetch(href, { redirect: "manual" }).then((r) => fetch(r.headers.get("location")));
`,
    { mode: 0o700 },
  );
  const result = await runCli(
    [
      "--auth",
      "oauth",
      "--client-file",
      world.files.client,
      "--token-cache",
      join(world.dir, "via-browser", "tokens.json"),
      "--json",
    ],
    {
      env: cleanEnv({ ...world.google.env, BROWSER: browser }),
    },
  );
  expect(result.code).toBe(0);
  const seen = JSON.parse(readFileSync(log, "utf8")) as {
    argv: string[];
    mode: number;
    folderMode: number;
    page: string;
  };
  expect(seen.argv).toHaveLength(1);
  expect(seen.argv[0]).toMatch(/^file:\/\/\/.+\/sign-in\.html$/);
  expect(seen.argv.join(" ")).not.toMatch(/state=|code_challenge|client_id/);
  expect([seen.mode, seen.folderMode]).toEqual([0o600, 0o700]);
  expect(existsSync(seen.page)).toBe(false);
  expectNoSecrets(world, result.stdout, result.stderr);
});

test("A16: Ctrl-C while the user signs in ends the command with 130 and removes the private sign-in page", async () => {
  const log = join(world.dir, "browser-log-ctrl-c.txt");
  const browser = join(world.dir, "idle-browser.cjs");
  // A browser that records the page and does nothing more: the user has not signed in yet.
  writeFileSync(
    browser,
    `#!${process.execPath}
require("node:fs").writeFileSync(${JSON.stringify(log)}, require("node:url").fileURLToPath(process.argv[2]));
`,
    { mode: 0o700 },
  );
  let page = "";
  const result = await runCli(
    [
      "--auth",
      "oauth",
      "--client-file",
      world.files.client,
      "--token-cache",
      join(world.dir, "ctrl-c", "tokens.json"),
    ],
    {
      env: cleanEnv({ ...world.google.env, BROWSER: browser }),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!existsSync(log)) return;
          clearInterval(poll);
          page = readFileSync(log, "utf8");
          expect(existsSync(page)).toBe(true);
          child.kill("SIGINT");
        }, 50);
      },
    },
  );
  expect(result.code).toBe(130);
  expect(page).not.toBe("");
  expect(existsSync(dirname(page))).toBe(false);
  expect(result.stderr).toContain("verify was stopped (SIGINT) before it finished.");
}, 60_000);

test("A17: Ctrl-C with --json still prints one JSON document, reason INTERRUPTED, exit 130", async () => {
  // The models listing never answers: the command is waiting on Google when it is stopped.
  world.google.state.hooks.set("models", () => new Promise(() => undefined));
  const before = world.google.requestsTo("models").length;
  try {
    const result = await runCli(["--key-file", world.files.runtimeKey, "--json"], {
      env: cleanEnv(world.google.env),
      onStderr: () => undefined,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (world.google.requestsTo("models").length === before) return;
          clearInterval(poll);
          child.kill("SIGINT");
        }, 50);
      },
    });
    expect(result.code).toBe(130);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      command: "verify",
      error: {
        reason: "INTERRUPTED",
        message: "verify was stopped (SIGINT) before it finished.",
        fix: "Run it again: it changes nothing it has not finished.",
      },
    });
  } finally {
    world.google.state.hooks.delete("models");
  }
}, 60_000);
