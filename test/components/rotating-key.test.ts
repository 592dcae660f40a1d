import * as gcp from "@pulumi/gcp";
import { decodeKeyFile, RotatingKey } from "../../src/components/rotating-key";
import { keySlots } from "../../src/rotation";
import { runMocked } from "../helpers/mocks";

const ACCOUNT = "projects/acme-gemini-dev/serviceAccounts/gak-runtime-dev@acme-gemini-dev.iam.gserviceaccount.com";

function rotatingKey(period: number) {
  const api = new gcp.projects.Service("sm", { project: "acme-gemini-dev", service: "secretmanager.googleapis.com" });
  return new RotatingKey("runtime-key", {
    accountName: ACCOUNT,
    slots: keySlots(period),
    secret: {
      project: "acme-gemini-dev", secretId: "gak-runtime-key-dev", labels: { environment: "dev" }, locations: [],
      readers: ["group:devs@example.com"], secretManagerApi: api,
    },
  }).secretName;
}

describe("RotatingKey", () => {
  test("a new stack issues one key and writes it, decoded, to the secret", async () => {
    const d = await runMocked(() => rotatingKey(0));
    const keys = d.ofType("gcp:serviceaccount/key:Key");
    const versions = d.ofType("gcp:secretmanager/secretVersion:SecretVersion");
    expect(keys).toHaveLength(1);
    expect(keys[0]!.inputs).toEqual({ serviceAccountId: ACCOUNT, keepers: { period: "0" } });
    expect(versions).toHaveLength(1);
    const stored = versions[0]!.inputs.secretData as string;
    expect(stored).toBe(decodeKeyFile(keys[0]!.state.privateKey as string));
    const keyFile = JSON.parse(stored) as { type: string; client_email: string };
    expect(keyFile.type).toBe("service_account");
    expect(keyFile.client_email).toContain("gak-runtime-dev@");
  });

  test("in a later period both the current and the previous key exist, each in its own version of one secret", async () => {
    const d = await runMocked(() => rotatingKey(3));
    const keys = d.ofType("gcp:serviceaccount/key:Key");
    expect(keys.map((k) => [k.name, (k.inputs.keepers as Record<string, string>).period])).toEqual([
      ["runtime-key-a", "2"],
      ["runtime-key-b", "3"],
    ]);
    const versions = d.ofType("gcp:secretmanager/secretVersion:SecretVersion");
    expect(versions.map((v) => v.name)).toEqual(["runtime-key-store-version-a", "runtime-key-store-version-b"]);
    expect(d.ofType("gcp:secretmanager/secret:Secret")).toHaveLength(1);
    for (const key of keys) {
      const json = decodeKeyFile(key.state.privateKey as string);
      expect(versions.some((v) => v.inputs.secretData === json && v.secretInputs.includes("secretData"))).toBe(true);
    }
  });

  test("the key file never appears in the component's outputs", async () => {
    const d = await runMocked(() => rotatingKey(1));
    const exported = JSON.stringify(d.outputs);
    for (const secret of d.generatedSecrets) expect(exported).not.toContain(secret);
  });
});
