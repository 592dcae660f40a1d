/**
 * Reads the latest version of a secret the stack wrote (a service-account key, the OAuth client, an
 * API key) with the caller's own credentials: `GET /v1/{secret}/versions/latest:access`.
 */

import type { CallContext } from "./diagnose.ts";
import { Failure } from "../cli/failure.ts";
import { callJson, malformed, type Http } from "./http.ts";
import { record } from "../json.ts";

const SECRET_NAME = /^projects\/[^/]+\/secrets\/[A-Za-z0-9_-]{1,255}$/;

export interface SecretSource {
  /** `projects/P/secrets/S`, as the stack exports it. */
  name: string;
  /** The stack config key whose members may read it, named in the fix when reading is refused. */
  grantKey: string;
}

/** CRC32C (Castagnoli), which Secret Manager returns as `payload.dataCrc32c` to detect corruption. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The secret's latest value as text. */
export async function accessSecret(
  http: Http,
  endpoint: string,
  headers: () => Promise<Record<string, string>>,
  source: SecretSource,
  context: Omit<CallContext, "what" | "service" | "grantKey">,
): Promise<string> {
  if (!SECRET_NAME.test(source.name)) {
    throw new Failure(
      "BAD_INPUT",
      `The stack output names the secret ${JSON.stringify(source.name)}, which is not projects/P/secrets/S.`,
      "Check --outputs is the JSON of `pulumi stack output --json`.",
      2,
    );
  }
  const what = `Read secret ${source.name}`;
  const url = `${endpoint}/v1/${source.name}/versions/latest:access`;
  const body = await callJson(
    http,
    { ...context, what, service: "secretmanager", grantKey: source.grantKey },
    { method: "GET", url, headers: await headers() },
  );
  const payload = record(record(body)?.payload);
  const data = payload?.data;
  if (typeof data !== "string")
    throw malformed(what, new URL(url).origin, 200, "has no payload.data");
  const bytes = Buffer.from(data, "base64");
  const expected = payload?.dataCrc32c;
  if (
    (typeof expected === "string" || typeof expected === "number") &&
    String(expected) !== String(crc32c(bytes))
  ) {
    throw malformed(
      what,
      new URL(url).origin,
      200,
      "has a payload whose CRC32C does not match dataCrc32c",
    );
  }
  return bytes.toString("utf8");
}
