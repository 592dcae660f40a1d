/**
 * A service account with a key: from a key file, or from the secret that holds it, read with the
 * caller's ADC. The key is checked before use, and its token request honours
 * GEMINI_KIT_OAUTH2_TOKEN_URL through the rewriting transporter.
 */

// The JWT client's own module, not the package index: the index loads every client the library
// has (AWS, external accounts, ...), which costs this path about 30 ms of its start-up budget. The
// path is not the package's public interface: package.json pins the version exactly, and
// test/google/deep-import.test.ts checks it is the class the package exports.
import { JWT } from "google-auth-library/build/src/auth/jwtclient.js";
import { createPrivateKey, type KeyObject } from "node:crypto";
import { badInput, Failure } from "../../cli/failure.ts";
import { jsonInput } from "../../cli/input-file.ts";
import { record } from "../../json.ts";
import type { SecretSource } from "../apis/secret-manager.ts";
import { tokenCaller, transport, type Caller, type IdentityDeps } from "./caller.ts";

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string;
  projectId: string;
}

const KEY_FIX =
  "Use the JSON key Google issued for the service account (the stack's key secret holds it).";

/** Checks a key file's text; every message names fields, never the key. */
export function parseKeyFile(text: string, source: string): ServiceAccountKey {
  const parsed = jsonInput(text, source, KEY_FIX);
  const key = record(parsed) ?? {};
  if (key.type !== "service_account") {
    const type = typeof key.type === "string" ? `"${key.type}"` : "missing";
    throw badInput(
      `${source} is not a service-account key: its "type" is ${type}, not "service_account".`,
      KEY_FIX,
    );
  }
  const missing = ["client_email", "private_key", "private_key_id", "project_id"].filter(
    (f) => typeof key[f] !== "string" || key[f] === "",
  );
  if (missing.length > 0) throw badInput(`${source} lacks ${missing.join(", ")}.`, KEY_FIX);
  const privateKey = key.private_key as string;
  checkPrivateKey(privateKey, source);
  return {
    clientEmail: key.client_email as string,
    privateKey,
    privateKeyId: key.private_key_id as string,
    projectId: key.project_id as string,
  };
}

/**
 * Google's key files hold a 2048-bit RSA key as PKCS#8 PEM (`BEGIN PRIVATE KEY`). Anything else is
 * named here, from the key itself, before it can fail later as a signing error that looks like a
 * network problem. Messages describe the key, never quote it.
 */
function checkPrivateKey(pem: string, source: string): void {
  const invalid = (what: string, fix = KEY_FIX) =>
    new Failure("KEY_INVALID", `${source}: private_key ${what}.`, fix, 2);
  if (/-{5}BEGIN RSA PRIVATE KEY-{5}/.test(pem)) {
    throw invalid(
      "is a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY), not the PKCS#8 key (BEGIN PRIVATE KEY) Google's key files hold",
      "Use the JSON key file exactly as Google issued it; the stack's key secret holds one.",
    );
  }
  const begin = /-{5}BEGIN ([A-Z ]*)-{5}/.exec(pem);
  if (begin === null) throw invalid("is not a PEM key (no BEGIN line)");
  if (begin[1] !== "PRIVATE KEY") throw invalid(`is a PEM "${begin[1]}", not a private key`);
  if (!/-{5}END PRIVATE KEY-{5}/.test(pem))
    throw invalid("is cut short: its PEM has no END PRIVATE KEY line");
  let parsed: KeyObject;
  try {
    parsed = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw invalid(
      "is damaged: its PEM does not decode to a private key (a line may be missing or changed)",
    );
  }
  if (parsed.asymmetricKeyType !== "rsa") {
    throw invalid(
      `is an ${String(parsed.asymmetricKeyType).toUpperCase()} key; service-account keys are RSA (Google signs and checks RS256)`,
    );
  }
}

/** Where the key is: a file the user names, or the secret a stack keeps it in. */
export type KeySource = { keyFile: string } | { secret: SecretSource };

/** The service account a consumer with a key runs as. */
export async function serviceAccountCaller(deps: IdentityDeps, from: KeySource): Promise<Caller> {
  let text: string;
  let source: string;
  if ("keyFile" in from) {
    source = `key file ${from.keyFile}`;
    text = await deps.readFile(from.keyFile);
  } else {
    source = `secret ${from.secret.name}`;
    // Loaded here: a key file needs no ADC, and ADC's module loads the whole of the library.
    text = await (await import("./adc.ts")).readWithAdc(deps, from.secret, "service-account");
  }
  const { caller, keyId } = keyFileCaller(deps, text, source);
  // The verify report names no key, so even the key's id (not a secret: keys.list shows it) stays out of it.
  deps.redactor.add(keyId);
  return caller;
}

/**
 * The account a key file's text authenticates as, the file checked first. The file and its private
 * key are known to the redactor before anything can print them.
 */
export function keyFileCaller(
  deps: Pick<IdentityDeps, "http" | "endpoints" | "redactor" | "scopes" | "project">,
  text: string,
  source: string,
): { caller: Caller; keyId: string } {
  deps.redactor.add(text);
  const key = parseKeyFile(text, source);
  deps.redactor.add(key.privateKey);
  const client = new JWT({
    email: key.clientEmail,
    key: key.privateKey,
    keyId: key.privateKeyId,
    scopes: deps.scopes,
    transporterOptions: transport(deps),
  });
  const caller = tokenCaller(
    client,
    {
      kind: "service-account",
      principal: key.clientEmail,
      source,
      project: deps.project ?? key.projectId,
    },
    deps,
    { identity: "service-account", what: `Get a token for ${key.clientEmail}`, user: false },
  );
  return { caller, keyId: key.privateKeyId };
}
