/**
 * What Google Cloud would return for each resource the kit creates, shaped as the gcp provider
 * returns it. Key material is generated per resource (a throwaway RSA key, a random API key string)
 * so tests can search every output and log for it.
 */

import { generateKeyPairSync, randomBytes } from "node:crypto";

export const PROJECT_NUMBER = "412345678901";
let rsaPem: string | undefined;

/** One RSA key per test process: generating is slow, and uniqueness comes from the key id and email. */
function throwawayPem(): string {
  rsaPem ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;
  return rsaPem;
}

/** A service-account key file as IAM returns it, for the account `accountName` names. */
function fakeKeyFile(email: string, project: string): { json: string; keyId: string } {
  const keyId = randomBytes(20).toString("hex");
  const json = JSON.stringify(
    {
      type: "service_account",
      project_id: project,
      private_key_id: keyId,
      private_key: throwawayPem(),
      client_email: email,
      client_id: String(100000000000000000000n + BigInt(`0x${keyId.slice(0, 12)}`)),
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: "https://oauth2.googleapis.com/token",
    },
    null,
    2,
  );
  return { json, keyId };
}

/** A string shaped like a Google API key, generated, never a real one. */
function fakeApiKeyString(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const tail = Array.from(randomBytes(35), (b) => alphabet[b % alphabet.length]).join("");
  return `AIza${tail}`;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export interface FakeState {
  id: string;
  state: Record<string, unknown>;
  /** Secret values this resource's state holds, in every form a leak could take. */
  secrets: string[];
}

/** What the CI stack looks up: `gcp.organizations.getProject` answers with the project's number. */
export const CI_INVOKES = {
  "gcp:organizations/getProject:getProject": (inputs: Record<string, unknown>) => ({
    projectId: inputs.projectId,
    number: PROJECT_NUMBER,
  }),
};

/**
 * Write-only inputs, which the provider never keeps in the state (@pulumi/gcp secretmanager
 * SecretVersion: "All arguments marked as write-only values will not be stored in the state").
 */
const WRITE_ONLY: Record<string, string[]> = {
  "gcp:secretmanager/secretVersion:SecretVersion": ["secretDataWo"],
};

/** The provider's state for one new resource of `type`. */
export function fakeState(type: string, name: string, given: Record<string, unknown>): FakeState {
  const inputs = Object.fromEntries(
    Object.entries(given).filter(([k]) => !(WRITE_ONLY[type] ?? []).includes(k)),
  );
  const project = str(inputs.project);
  switch (type) {
    case "gcp:projects/service:Service":
      return { id: `${project}/${str(inputs.service)}`, state: inputs, secrets: [] };
    case "gcp:serviceaccount/account:Account": {
      const email = `${str(inputs.accountId)}@${project}.iam.gserviceaccount.com`;
      const id = `projects/${project}/serviceAccounts/${email}`;
      return {
        id,
        state: {
          ...inputs,
          email,
          name: id,
          member: `serviceAccount:${email}`,
          uniqueId: "1" + name.length,
        },
        secrets: [],
      };
    }
    case "gcp:serviceaccount/key:Key": {
      const accountName = str(inputs.serviceAccountId);
      const email = accountName.split("/").pop() ?? "";
      const accountProject = accountName.split("/")[1] ?? "";
      const { json, keyId } = fakeKeyFile(email, accountProject);
      const privateKey = Buffer.from(json).toString("base64");
      const id = `${accountName}/keys/${keyId}`;
      return {
        id,
        state: { ...inputs, name: id, privateKey, publicKey: "" },
        secrets: [json, privateKey, keyId],
      };
    }
    case "gcp:secretmanager/secret:Secret": {
      const id = `projects/${project}/secrets/${str(inputs.secretId)}`;
      return {
        id,
        state: { ...inputs, name: `projects/${PROJECT_NUMBER}/secrets/${str(inputs.secretId)}` },
        secrets: [],
      };
    }
    case "gcp:secretmanager/secretVersion:SecretVersion": {
      const id = `${str(inputs.secret)}/versions/${name.length}`;
      return { id, state: { ...inputs, name: id, version: String(name.length) }, secrets: [] };
    }
    case "gcp:projects/apiKey:ApiKey": {
      const keyString = fakeApiKeyString();
      const id = `projects/${project}/locations/global/keys/${str(inputs.name)}`;
      return { id, state: { ...inputs, keyString, uid: name }, secrets: [keyString] };
    }
    case "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": {
      const id = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${str(inputs.workloadIdentityPoolId)}`;
      return { id, state: { ...inputs, name: id, state: "ACTIVE" }, secrets: [] };
    }
    case "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": {
      const pool = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${str(inputs.workloadIdentityPoolId)}`;
      const id = `${pool}/providers/${str(inputs.workloadIdentityPoolProviderId)}`;
      return { id, state: { ...inputs, name: id, state: "ACTIVE" }, secrets: [] };
    }
    case "gcp:projects/iAMCustomRole:IAMCustomRole": {
      const id = `projects/${project}/roles/${str(inputs.roleId)}`;
      return { id, state: { ...inputs, name: id }, secrets: [] };
    }
    case "gcp:kms/keyRing:KeyRing": {
      const id = `projects/${project}/locations/${str(inputs.location)}/keyRings/${str(inputs.name)}`;
      return { id, state: inputs, secrets: [] };
    }
    case "gcp:kms/cryptoKey:CryptoKey": {
      const id = `${str(inputs.keyRing)}/cryptoKeys/${str(inputs.name)}`;
      return { id, state: inputs, secrets: [] };
    }
    case "gcp:organizations/project:Project":
      // The number Google gives it; an adopted project keeps its own, which the test's lookup gives too.
      return {
        id: `projects/${str(inputs.projectId)}`,
        state: { ...inputs, number: PROJECT_NUMBER },
        secrets: [],
      };
    case "gcp:projects/serviceIdentity:ServiceIdentity": {
      // Service agents are named service-NUMBER@gcp-sa-SERVICE (iam/docs/service-agents).
      const service = str(inputs.service).replace(/\.googleapis\.com$/, "");
      const email = `service-${PROJECT_NUMBER}@gcp-sa-${service}.iam.gserviceaccount.com`;
      return {
        id: `projects/${project}/services/${str(inputs.service)}`,
        state: { ...inputs, email, member: `serviceAccount:${email}` },
        secrets: [],
      };
    }
    case "gcp:storage/bucket:Bucket":
      return {
        id: str(inputs.name),
        state: { ...inputs, url: `gs://${str(inputs.name)}` },
        secrets: [],
      };
    default:
      return { id: `${name}-id`, state: inputs, secrets: [] };
  }
}
