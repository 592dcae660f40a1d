/**
 * A provisioned stack as the fake Google sees it: the runtime account with a key in its secret, a
 * Desktop client in its secret, an API key in its secret, the caller (a CI account via ADC) allowed
 * to read them and to impersonate the runtime account; plus the stack outputs file pointing at it all.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GeneratedClient, GeneratedKey } from "./google/credentials.ts";
import { startFakeGoogle, type FakeGoogle } from "./google/server.ts";
import { tempDir } from "./temp-dir.ts";

export const PROJECT = "acme-gemini-dev";
export const RUNTIME = `gak-runtime-dev@${PROJECT}.iam.gserviceaccount.com`;
export const CALLER = `deployer@${PROJECT}.iam.gserviceaccount.com`;
export const SECRETS = {
  key: `projects/${PROJECT}/secrets/gak-runtime-key-dev`,
  client: `projects/${PROJECT}/secrets/gak-oauth-client-dev`,
  apiKey: `projects/${PROJECT}/secrets/gak-api-key-dev`,
};

export interface World {
  google: FakeGoogle;
  dir: string;
  runtimeKey: GeneratedKey;
  callerKey: GeneratedKey;
  client: GeneratedClient;
  apiKey: string;
  /** Files: the runtime key, the caller's ADC key, the client file, the stack outputs. */
  files: { runtimeKey: string; callerKey: string; client: string; outputs: string };
  /** Every secret value the world holds, for scanning output. */
  secrets: () => string[];
}

export async function startWorld(): Promise<World> {
  const google = await startFakeGoogle();
  const dir = tempDir("verify");
  const runtimeKey = google.addServiceAccount(RUNTIME, PROJECT);
  const callerKey = google.addServiceAccount(CALLER, PROJECT);
  const client = google.addClient(PROJECT);
  const apiKey = google.addApiKey();
  google.addSecret(SECRETS.key, runtimeKey.file, [CALLER]);
  google.addSecret(SECRETS.client, client.file, [CALLER]);
  google.addSecret(SECRETS.apiKey, apiKey, [CALLER]);
  google.state.impersonators.set(RUNTIME, new Set([CALLER]));
  google.state.userProjects.add(PROJECT);
  const outputs = {
    project: PROJECT,
    environment: "dev",
    enabledApis: ["generativelanguage.googleapis.com"],
    serviceAccounts: { runtime: { email: RUNTIME, keySecret: SECRETS.key } },
    oauthClient: { status: "stored", clientId: client.clientId, secret: SECRETS.client },
    apiKey: {
      keyName: `projects/${PROJECT}/locations/global/keys/gak-gemini-dev`,
      secret: SECRETS.apiKey,
      boundTo: RUNTIME,
    },
    manualSteps: [],
    verifyCommand: "npm run verify -- --stack dev",
  };
  const files = {
    runtimeKey: join(dir, "runtime-key.json"),
    callerKey: join(dir, "caller-adc.json"),
    client: join(dir, "client_secret.json"),
    outputs: join(dir, "outputs.json"),
  };
  writeFileSync(files.runtimeKey, runtimeKey.file);
  writeFileSync(files.callerKey, callerKey.file);
  writeFileSync(files.client, client.file);
  writeFileSync(files.outputs, JSON.stringify(outputs, null, 2));
  const secrets = () => {
    const values = [
      client.clientSecret,
      apiKey,
      ...google.state.tokens.keys(),
      ...google.state.refreshTokens.keys(),
    ];
    for (const key of [runtimeKey, callerKey]) {
      const parsed = JSON.parse(key.file) as { private_key: string; private_key_id: string };
      values.push(
        parsed.private_key_id,
        ...parsed.private_key.split("\n").filter((l) => l.length > 40),
      );
    }
    return values;
  };
  return { google, dir, runtimeKey, callerKey, client, apiKey, files, secrets };
}

/** Fails with the secret's first characters if any output contains one. */
export function expectNoSecrets(world: World, ...outputs: string[]): void {
  const text = outputs.join("\n");
  for (const secret of world.secrets()) {
    if (text.includes(secret))
      throw new Error(`output contains a secret value starting ${secret.slice(0, 6)}...`);
  }
}
