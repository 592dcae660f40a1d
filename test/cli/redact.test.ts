import { generateKeyPairSync, randomBytes } from "node:crypto";
import { Redactor } from "../../src/cli/redact.ts";

/** A throwaway key file's private part, made here so no fixture holds one. */
const keyFile = () =>
  JSON.stringify({
    type: "service_account",
    private_key_id: randomBytes(20).toString("hex"),
    private_key: generateKeyPairSync("rsa", {
      modulusLength: 1024,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    }).privateKey,
  });

describe("the redactor", () => {
  test("removes a secret it was given, as is and in the base64 forms a payload takes", () => {
    const r = new Redactor();
    const secret = keyFile();
    r.add(secret);
    const b64 = Buffer.from(secret).toString("base64");
    const url = Buffer.from(secret).toString("base64url");
    expect(r.redact(`as is ${secret}`)).toBe("as is [redacted]");
    expect(r.redact(`{"payload":{"data":"${b64}"}}`)).not.toContain(b64.replace(/=+$/, ""));
    expect(r.redact(`data=${url}`)).toBe("data=[redacted]");
  });

  test("the check can fail: a value it was not given passes, in any form", () => {
    const r = new Redactor();
    r.add(keyFile());
    const other = randomBytes(30).toString("hex");
    expect(r.redact(Buffer.from(other).toString("base64"))).toBe(
      Buffer.from(other).toString("base64"),
    );
  });

  test("short values are not remembered, so ordinary words survive", () => {
    const r = new Redactor();
    r.add("abc");
    expect(r.redact("abc and YWJj")).toBe("abc and YWJj");
  });
});
