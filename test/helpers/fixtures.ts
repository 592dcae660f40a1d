/** Config fixtures: a valid raw config to vary, and generated OAuth client files (never real ones). */

import { parseConfig, type KitConfig, type RawConfig } from "../../src/config/index.ts";
import { desktopClient } from "./google/credentials.ts";

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

/** Parses raw config that must be valid; a test fails with the problems otherwise. */
export function mustParse(raw: RawConfig, stack = "test"): KitConfig {
  const { config, problems } = parseConfig(raw, { stack, secretKeys: SECRET_KEYS });
  if (config === undefined)
    throw new Error(
      `expected valid config, got:\n${problems.map((p) => `${p.path}: ${p.message}`).join("\n")}`,
    );
  return config;
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
