/**
 * Config fixtures: a valid raw config to vary, the one way to parse config that must be valid, and
 * generated OAuth client files (never real ones).
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCiConfig } from "../../src/config/ci.ts";
import {
  formatProblem,
  parseConfig,
  type KitConfig,
  type Problem,
  type RawConfig,
} from "../../src/config/index.ts";
import { readStackFile, stackReader } from "../../src/config/stack-file.ts";
import type { CiConfig } from "../../src/config/types.ts";
import { desktopClient } from "./google/credentials.ts";

const ROOT = join(import.meta.dirname, "..", "..");

/** The keys Pulumi holds as secrets in the tests' stacks: the client file, set with --secret. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["gemini-access-kit:oauthClientJson"]);
export const PROJECT = "acme-gemini-test";

/** A minimal valid stack: one account with a key, a consent screen, no client. */
export function baseRaw(overrides: Record<string, unknown> = {}): Record<string, string> {
  const values: Record<string, unknown> = {
    "gcp:project": PROJECT,
    "gemini-access-kit:environment": "test",
    "gemini-access-kit:serviceAccounts": {
      runtime: {
        roles: ["roles/serviceusage.serviceUsageConsumer"],
        createKey: true,
        keyReaders: ["group:team@example.com"],
      },
    },
    "gemini-access-kit:oauthConsent": {
      appName: "Test app",
      supportEmail: "team@example.com",
      testUsers: ["a@example.com"],
    },
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** The config a parse that must succeed returned; the test fails with every problem otherwise. */
function orFail<T>(result: { config?: T; problems: readonly Problem[] }, what: string): T {
  if (result.config === undefined)
    throw new Error(
      `expected ${what} to be valid, got:\n${result.problems.map(formatProblem).join("\n")}`,
    );
  return result.config;
}

/** Parses raw config that must be valid; a test fails with the problems otherwise. */
export function mustParse(raw: RawConfig, stack = "test"): KitConfig {
  return orFail(parseConfig(raw, { stack, secretKeys: SECRET_KEYS }), `the ${stack} config`);
}

/** The config of a committed environment stack (stacks/Pulumi.STACK.yaml), which must be valid. */
export function committedStack(stack: string): KitConfig {
  return mustParse(readStackFile(ROOT, stack).raw, stack);
}

/** The committed CI stack's config (stacks/Pulumi.ci.yaml), which must be valid. */
export function committedCiStack(): CiConfig {
  const readStack = stackReader(ROOT, (path) => readFileSync(path, "utf8"));
  const result = parseCiConfig(readStackFile(ROOT, "ci").raw, {
    stack: "ci",
    secretKeys: SECRET_KEYS,
    readStack,
  });
  return orFail(result, "stacks/Pulumi.ci.yaml");
}

/** A client_secret.json as the console downloads it, with a generated secret. */
export function clientFile(
  project = PROJECT,
  change: (installed: Record<string, unknown>) => void = () => undefined,
): {
  text: string;
  clientId: string;
  clientSecret: string;
} {
  const client = desktopClient(project);
  const { installed } = JSON.parse(client.file) as { installed: Record<string, unknown> };
  change(installed);
  return {
    text: JSON.stringify({ installed }),
    clientId: client.clientId,
    clientSecret: client.clientSecret,
  };
}
