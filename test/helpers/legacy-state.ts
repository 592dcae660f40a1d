/**
 * The dev stack's state as an earlier kit left it, in the shape `pulumi stack export` prints
 * (apitype.UntypedDeployment of a DeploymentV3: resources with urn, custom, id, type, inputs,
 * outputs, parent, dependencies, propertyDependencies; secret values as Pulumi's envelope, the
 * secret signature and a ciphertext, pkg/resource/stack/deployment.go). It is built from what the
 * current program registers, with the components the earlier kit had in place of KeySecret
 * (RotatingKey, GeminiApiKey; their code is in the repository's history) and what they held: two
 * key slots, `-a` and `-b`, each written to a version of the key secret, and the API key written to
 * the API key secret's version `current` (src/components/rotating-key.ts and api-key.ts before the
 * CI stack existed).
 */

import { randomBytes } from "node:crypto";
import type { RecordedResource } from "../../src/offline-plan/record.ts";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const KIT = "gemini-access-kit:index:";

const encrypted = () => ({
  [SECRET_SIG]: SECRET,
  ciphertext: `v1:${randomBytes(24).toString("base64")}:${randomBytes(96).toString("base64")}`,
});

/** The earlier kit's component type of a KeySecret, by its name. */
function legacyType(name: string): string {
  return name.startsWith("gemini-api-key") ? `${KIT}GeminiApiKey` : `${KIT}RotatingKey`;
}

/** A URN of the current program as the earlier kit's program made it. */
export function legacyUrn(urn: string): string {
  const name = urn.split("::").pop()!;
  return urn.replace(`${KIT}KeySecret`, legacyType(name));
}

export interface LegacyKeys {
  project: string;
  projectNumber: string;
  account: string;
  /** The key ids of slots a and b, and the versions that hold them. */
  slots: { a: { keyId: string; version: number }; b: { keyId: string; version: number } };
  apiKey: { keyId: string; version: number };
}

type StateResource = Record<string, unknown> & { urn: string };

/** The state export: the current program's resources, legacy-typed, plus the keys and versions the earlier kit held. */
export function legacyExport(
  current: RecordedResource[],
  keys: LegacyKeys,
): { version: 3; deployment: { manifest: unknown; resources: StateResource[] } } {
  const stack = `urn:pulumi:dev::gemini-access-kit::pulumi:pulumi:Stack::gemini-access-kit-dev`;
  const provider = "urn:pulumi:dev::gemini-access-kit::pulumi:providers:gcp::default_9_37_0";
  const resources: StateResource[] = [
    { urn: stack, custom: false, type: "pulumi:pulumi:Stack" },
    {
      urn: provider,
      custom: true,
      id: "7f0b9c1e-provider",
      type: "pulumi:providers:gcp",
      parent: stack,
    },
  ];
  for (const r of current) {
    resources.push({
      urn: legacyUrn(r.urn),
      custom: r.custom,
      type: r.custom ? r.type : r.type.replace(`${KIT}KeySecret`, legacyType(r.name)),
      ...(r.custom ? { id: `id-of-${r.name}`, provider: `${provider}::7f0b9c1e-provider` } : {}),
      inputs: {},
      outputs: {},
      parent: r.parent === "" ? stack : legacyUrn(r.parent),
      dependencies: r.dependencies.map(legacyUrn),
    });
  }
  const find = (suffix: string) => resources.find((r) => r.urn.endsWith(suffix))!.urn;
  const keyComponent = find(`${KIT}RotatingKey::gemini-runtime-key`);
  const apiComponent = find(`${KIT}GeminiApiKey::gemini-api-key`);
  const add = (
    parent: string,
    type: string,
    name: string,
    id: string,
    outputs: Record<string, unknown>,
    deps: Record<string, string[]> = {},
  ) => {
    const urn = `${parent.split("::").slice(0, 2).join("::")}::${parent.split("::")[2]!}$${type}::${name}`;
    resources.push({
      urn,
      custom: true,
      id,
      type,
      parent,
      provider: `${provider}::7f0b9c1e-provider`,
      inputs: {},
      outputs,
      dependencies: [...new Set(Object.values(deps).flat())],
      propertyDependencies: deps,
    });
    return urn;
  };
  const secretName = (id: string) => `projects/${keys.projectNumber}/secrets/${id}`;
  for (const slot of ["a", "b"] as const) {
    const { keyId, version } = keys.slots[slot];
    const name = `projects/${keys.project}/serviceAccounts/${keys.account}/keys/${keyId}`;
    const key = add(
      keyComponent,
      "gcp:serviceaccount/key:Key",
      `gemini-runtime-key-${slot}`,
      name,
      { name, privateKey: encrypted(), keepers: { period: slot === "a" ? "0" : "1" } },
    );
    const store = find(`${KIT}StoredSecret::gemini-runtime-key-store`);
    add(
      store,
      "gcp:secretmanager/secretVersion:SecretVersion",
      `gemini-runtime-key-store-version-${slot}`,
      `${secretName("gak-runtime-key-dev")}/versions/${version}`,
      {
        name: `${secretName("gak-runtime-key-dev")}/versions/${version}`,
        version: String(version),
        secretData: encrypted(),
        enabled: true,
      },
      { secret: [find("secret:Secret::gemini-runtime-key-store-secret")], secretData: [key] },
    );
  }
  const apiId = `projects/${keys.project}/locations/global/keys/${keys.apiKey.keyId}`;
  const apiKey = add(apiComponent, "gcp:projects/apiKey:ApiKey", "gemini-api-key-key", apiId, {
    name: keys.apiKey.keyId,
    keyString: encrypted(),
    serviceAccountEmail: keys.account,
  });
  add(
    find(`${KIT}StoredSecret::gemini-api-key-store`),
    "gcp:secretmanager/secretVersion:SecretVersion",
    "gemini-api-key-store-version-current",
    `${secretName("gak-api-key-dev")}/versions/${keys.apiKey.version}`,
    {
      name: `${secretName("gak-api-key-dev")}/versions/${keys.apiKey.version}`,
      version: String(keys.apiKey.version),
      secretData: encrypted(),
      enabled: true,
    },
    { secret: [find("secret:Secret::gemini-api-key-store-secret")], secretData: [apiKey] },
  );
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-11-02T10:00:00Z", magic: "", version: "v3.265.0" },
      resources,
    },
  };
}
