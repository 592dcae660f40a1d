import * as gcp from "@pulumi/gcp";
import { contentVersion, StoredSecret } from "../../src/components/stored-secret.ts";
import { runMocked } from "../helpers/mocks.ts";

function store(locations: string[]) {
  const api = new gcp.projects.Service("sm", {
    project: "acme-gemini-dev",
    service: "secretmanager.googleapis.com",
  });
  return new StoredSecret("client", {
    project: "acme-gemini-dev",
    secretId: "gak-oauth-client-dev",
    labels: { environment: "dev", "managed-by": "gemini-access-kit", purpose: "oauth-client" },
    locations,
    readers: ["group:devs@example.com", "serviceAccount:app@acme-apps.iam.gserviceaccount.com"],
    versions: { current: "the secret data" },
    secretManagerApi: api,
  }).secretName;
}

describe("StoredSecret", () => {
  test("grants secretAccessor on the secret itself to each listed reader, and nothing on the project", async () => {
    const d = await runMocked(() => store([]));
    const grants = d.ofType("gcp:secretmanager/secretIamMember:SecretIamMember");
    expect(grants.map((g) => [g.inputs.member, g.inputs.role, g.inputs.secretId])).toEqual([
      ["group:devs@example.com", "roles/secretmanager.secretAccessor", "gak-oauth-client-dev"],
      [
        "serviceAccount:app@acme-apps.iam.gserviceaccount.com",
        "roles/secretmanager.secretAccessor",
        "gak-oauth-client-dev",
      ],
    ]);
    expect(d.ofType("gcp:projects/iAMMember:IAMMember")).toHaveLength(0);
  });

  test("labels the secret and replicates it automatically when no locations are given", async () => {
    const d = await runMocked(() => store([]));
    const [secret] = d.ofType("gcp:secretmanager/secret:Secret");
    expect(secret!.inputs).toMatchObject({
      secretId: "gak-oauth-client-dev",
      labels: { environment: "dev", "managed-by": "gemini-access-kit", purpose: "oauth-client" },
      replication: { auto: {} },
    });
    expect(secret!.dependencies).toContain(d.ofType("gcp:projects/service:Service")[0]!.urn);
  });

  test("replicates to exactly the given regions when locations are set", async () => {
    const d = await runMocked(() => store(["europe-west1", "europe-west4"]));
    expect(d.ofType("gcp:secretmanager/secret:Secret")[0]!.inputs.replication).toEqual({
      userManaged: { replicas: [{ location: "europe-west1" }, { location: "europe-west4" }] },
    });
  });

  test("sends version data to the engine write-only and as a secret, never into the state, and exports only the secret's resource name", async () => {
    const d = await runMocked(() => store([]));
    const [version] = d.ofType("gcp:secretmanager/secretVersion:SecretVersion");
    expect(version!.secretInputs).toContain("secretDataWo");
    expect(version!.inputs.secretData).toBeUndefined();
    expect(version!.state.secretDataWo).toBeUndefined();
    expect(d.outputs).toBe("projects/412345678901/secrets/gak-oauth-client-dev");
  });

  test("gives a changed value a new write-only version number, which replaces the version; the same value keeps it", () => {
    expect(contentVersion("a")).toBe(contentVersion("a"));
    expect(contentVersion("a")).not.toBe(contentVersion("b"));
    expect(Number.isInteger(contentVersion("x")) && contentVersion("x") < 2 ** 31).toBe(true);
  });
});
