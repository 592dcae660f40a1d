import * as gcp from "@pulumi/gcp";
import { GeminiApiKey } from "../../src/components/api-key";
import { runMocked } from "../helpers/mocks";

function apiKey() {
  const apikeys = new gcp.projects.Service("apikeys", { project: "acme-gemini-dev", service: "apikeys.googleapis.com" });
  const sm = new gcp.projects.Service("sm", { project: "acme-gemini-dev", service: "secretmanager.googleapis.com" });
  const key = new GeminiApiKey("api-key", {
    project: "acme-gemini-dev", keyId: "gak-gemini-dev", displayName: "Gemini API (dev)",
    accountEmail: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com", apiKeysApi: apikeys,
    secret: {
      project: "acme-gemini-dev", secretId: "gak-api-key-dev", labels: { environment: "dev" }, locations: [],
      readers: ["group:devs@example.com"], secretManagerApi: sm,
    },
  });
  return { keyName: key.keyName, secret: key.secretName };
}

describe("GeminiApiKey", () => {
  test("restricts the key to the Gemini API and binds it to the service account", async () => {
    const d = await runMocked(apiKey);
    const [key] = d.ofType("gcp:projects/apiKey:ApiKey");
    expect(key!.inputs).toMatchObject({
      name: "gak-gemini-dev",
      serviceAccountEmail: "gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com",
      restrictions: { apiTargets: [{ service: "generativelanguage.googleapis.com" }] },
    });
    expect(key!.dependencies).toContain(d.resources.find((r) => r.name === "apikeys")!.urn);
  });

  test("routes the key string into its own secret, and exports names only", async () => {
    const d = await runMocked(apiKey);
    const [version] = d.ofType("gcp:secretmanager/secretVersion:SecretVersion");
    const [keyString] = d.generatedSecrets;
    expect(version!.inputs.secretData).toBe(keyString);
    expect(version!.secretInputs).toContain("secretData");
    expect(d.outputs).toEqual({
      keyName: "projects/acme-gemini-dev/locations/global/keys/gak-gemini-dev",
      secret: "projects/412345678901/secrets/gak-api-key-dev",
    });
    expect(JSON.stringify(d.outputs)).not.toContain(keyString!);
  });
});
