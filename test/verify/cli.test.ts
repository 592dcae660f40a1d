/** The command line itself: help, usage errors, bad input files, endpoint variables, exit codes. */

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { endpointsFromEnv } from "../../src/verify/endpoints.ts";
import { Redactor } from "../../src/verify/redact.ts";
import { crc32c } from "../../src/verify/secrets.ts";
import { apiKeyString, accessToken } from "../helpers/google/credentials.ts";
import { cleanEnv, ROOT, runCli } from "../helpers/verify-cli.ts";

test("`npm run verify -- --help` prints the options and exits 0", () => {
  const out = execFileSync("npm", ["run", "-s", "verify", "--", "--help"], { cwd: ROOT, encoding: "utf8", env: cleanEnv() });
  expect(out).toContain("Usage: npm run verify -- [options]");
  expect(out).toContain("Exit codes: 0 verified, 1 a check failed, 2 usage or input error.");
});

test.each([
  [["--bogus"], "Unknown option '--bogus'"],
  [["--auth", "password"], '--auth "password" is not one of service-account, oauth, adc, impersonate, api-key.'],
  [["--stack", "dev", "--outputs", "o.json"], "--stack and --outputs both name the stack's facts; pass one."],
  [["--wait", "soon"], '--wait "soon" is not a number of seconds.'],
  [["--retries", "99"], '--retries "99" is not a whole number from 0 to 10.'],
  [["share-tuned-model", "tunedModels/m1", "--grantee-type", "EVERYONE", "--email", "a@b.co"], "--grantee-type EVERYONE takes no --email."],
  [["share-tuned-model", "tunedModels/m1", "--grantee-type", "USER"], "--grantee-type USER needs --email with an e-mail address."],
  [["--key-file", "/nonexistent/key.json"], "/nonexistent/key.json does not exist."],
])("usage error %j exits 2 with one clear line", async (args, message) => {
  const result = await runCli(args, { env: cleanEnv() });
  expect(result.code).toBe(2);
  expect(result.stdout).toContain(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
});

test("a malformed key file is one message and its fix, exit 2, never a stack trace or the file's contents", async () => {
  const env = cleanEnv();
  const file = join(env.HOME!, "broken.json");
  const secret = apiKeyString();
  writeFileSync(file, `{"type": "service_account", "private_key": "${secret}"`);
  const result = await runCli(["--key-file", file], { env });
  expect(result.code).toBe(2);
  expect(result.stdout.trim().split("\n")).toHaveLength(3);
  expect(result.stdout).toContain(`FAILED (BAD_INPUT)`);
  expect(result.stdout).toContain("is not valid JSON.");
  expect(result.stdout + result.stderr).not.toContain(secret);
});

test("no credentials at all is NO_CREDENTIALS with the login command, exit 1", async () => {
  const result = await runCli(["--json"], { env: cleanEnv() });
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { reason: "NO_CREDENTIALS", fix: expect.stringContaining("gcloud auth application-default login") } });
});

test("endpoint variables must be http(s) URLs", () => {
  expect(() => endpointsFromEnv({ GOOGLE_GEMINI_BASE_URL: "generativelanguage" })).toThrow('GOOGLE_GEMINI_BASE_URL="generativelanguage" is not a URL.');
  expect(endpointsFromEnv({ GEMINI_KIT_OAUTH2_TOKEN_URL: "https://psc.example/token/" }).oauth2Token).toBe("https://psc.example/token");
});

test("the redactor removes remembered values and anything shaped like a Google credential", () => {
  const redactor = new Redactor();
  redactor.add("s3cret-value-xyz");
  const token = accessToken();
  expect(redactor.redact(`a s3cret-value-xyz b ${token} c ${apiKeyString()}`)).toBe("a [redacted] b [redacted] c [redacted]");
});

test("CRC32C matches the Castagnoli check value, so corrupted secret payloads are caught", () => {
  expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
});
