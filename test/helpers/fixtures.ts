/** Config fixtures: a valid raw config to vary, and generated OAuth client files (never real ones). */

import { randomBytes } from "node:crypto";
import { parseConfig, type KitConfig, type RawConfig } from "../../src/config";

export const NOW = new Date("2026-11-22T12:00:00Z");
export const PROJECT = "acme-gemini-test";

/** A minimal valid stack: one account with a key, a consent screen, no client. */
export function baseRaw(overrides: Record<string, unknown> = {}): Record<string, string> {
  const values: Record<string, unknown> = {
    "gcp:project": PROJECT,
    "gemini-access-kit:environment": "test",
    "gemini-access-kit:serviceAccounts": {
      runtime: { roles: ["roles/serviceusage.serviceUsageConsumer"], createKey: true, keyReaders: ["group:team@example.com"] },
    },
    "gemini-access-kit:keyRotationStart": "2026-11-01",
    "gemini-access-kit:oauthConsent": { appName: "Test app", supportEmail: "team@example.com", testUsers: ["a@example.com"] },
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** Parses raw config that must be valid; a test fails with the problems otherwise. */
export function mustParse(raw: RawConfig, stack = "test", now = NOW): KitConfig {
  const { config, problems } = parseConfig(raw, { stack, now });
  if (config === undefined) throw new Error(`expected valid config, got:\n${problems.map((p) => `${p.path}: ${p.message}`).join("\n")}`);
  return config;
}

/** A client_secret.json as the console downloads it, with a generated secret. */
export function clientFile(project = PROJECT, change: (installed: Record<string, unknown>) => void = () => undefined): {
  text: string;
  clientId: string;
  clientSecret: string;
} {
  const clientId = `${100000000000 + randomBytes(2).readUInt16BE()}-${randomBytes(16).toString("hex").slice(0, 32)}.apps.googleusercontent.com`;
  const clientSecret = `GOCSPX-${randomBytes(21).toString("base64url")}`;
  const installed: Record<string, unknown> = {
    client_id: clientId,
    project_id: project,
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
    auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
    client_secret: clientSecret,
    redirect_uris: ["http://localhost"],
  };
  change(installed);
  return { text: JSON.stringify({ installed }), clientId, clientSecret };
}
