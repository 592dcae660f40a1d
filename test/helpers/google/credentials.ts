/**
 * Throwaway credentials for the fake Google: generated per test run, never committed. The shapes
 * are the files Google issues (a service-account key, a Desktop client, an authorized_user ADC file,
 * a Workload Identity Federation file) and the strings it hands out (API keys, tokens).
 */

import { generateKeyPairSync, randomBytes } from "node:crypto";

const alnum = (n: number): string =>
  randomBytes(n * 2)
    .toString("base64url")
    .replace(/[-_]/g, "")
    .slice(0, n);

export interface GeneratedKey {
  email: string;
  keyId: string;
  publicKeyPem: string;
  /** The key file's text, as `gcloud iam service-accounts keys create` writes it. */
  file: string;
}

export function serviceAccountKey(email: string, project: string): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyId = randomBytes(20).toString("hex");
  const file = JSON.stringify(
    {
      type: "service_account",
      project_id: project,
      private_key_id: keyId,
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: email,
      client_id: String(100000000000000000000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: "https://oauth2.googleapis.com/token",
    },
    null,
    2,
  );
  return {
    email,
    keyId,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) as string,
    file,
  };
}

export interface GeneratedClient {
  clientId: string;
  clientSecret: string;
  /** `client_secret.json` for a Desktop app. */
  file: string;
}

export function desktopClient(project: string): GeneratedClient {
  const clientId = `${randomBytes(6).readUIntBE(0, 6)}-${alnum(32).toLowerCase()}.apps.googleusercontent.com`;
  const clientSecret = ["GOCSPX", alnum(28)].join("-");
  const file = JSON.stringify({
    installed: {
      client_id: clientId,
      project_id: project,
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: "https://oauth2.googleapis.com/token",
      auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
      client_secret: clientSecret,
      redirect_uris: ["http://localhost"],
    },
  });
  return { clientId, clientSecret, file };
}

export const apiKeyString = (): string => ["AI", "za", alnum(35)].join("");
export const accessToken = (): string => ["ya", "29.", alnum(60)].join("");
export const refreshToken = (): string => ["1", "//", alnum(60)].join("");
export const code = (): string => `4/${alnum(40)}`;

/** An `authorized_user` ADC file, as `gcloud auth application-default login` writes it. */
export function authorizedUserFile(
  client: GeneratedClient,
  token: string,
  quotaProject?: string,
): string {
  return JSON.stringify({
    type: "authorized_user",
    client_id: client.clientId,
    client_secret: client.clientSecret,
    refresh_token: token,
    ...(quotaProject === undefined ? {} : { quota_project_id: quotaProject }),
  });
}

/** A Workload Identity Federation file reading its subject token from a file, as CI writes it. */
export function externalAccountFile(
  stsUrl: string,
  subjectTokenFile: string,
  impersonate?: string,
): string {
  return JSON.stringify({
    type: "external_account",
    audience:
      "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/github",
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    token_url: stsUrl,
    credential_source: { file: subjectTokenFile },
    ...(impersonate === undefined
      ? {}
      : {
          service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${impersonate}:generateAccessToken`,
        }),
  });
}
