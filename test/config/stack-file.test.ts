/**
 * Reading stack files: every YAML mistake is one Failure with the file, line and column and what to
 * do (never a parser trace or a quoted value), and a file that is not a stack file says so.
 */

import { Failure } from "../../src/cli/failure.ts";
import { parseStackFile } from "../../src/config/stack-file.ts";

const FILE = "stacks/Pulumi.qa.yaml";

function failure(text: string): Failure {
  try {
    parseStackFile(text, FILE);
  } catch (err) {
    if (err instanceof Failure) return err;
    throw err;
  }
  throw new Error("the file was accepted");
}

describe("a stack file that is not valid YAML is one line with its file, line and column", () => {
  test.each([
    [
      "an entry indented less than its siblings",
      "config:\n  gcp:project: acme-gemini-qa\n gemini-access-kit:environment: qa\n",
      `${FILE}:3:1: All mapping items must start at the same column (the file is not valid YAML).`,
      "Line the entry up",
    ],
    [
      "a tab used for indentation",
      "config:\n\tgcp:project: acme-gemini-qa\n",
      `${FILE}:2:1: Tabs are not allowed as indentation (the file is not valid YAML).`,
      "Indent with spaces",
    ],
    [
      "an unclosed bracket",
      "config:\n  gemini-access-kit:secretLocations: [europe-west1, europe-west4\n  gcp:project: acme-gemini-qa\n",
      `${FILE}:3:3: Flow sequence in block collection must be sufficiently indented and end with a ] (the file is not valid YAML).`,
      "close every [ or {",
    ],
    [
      "a key given twice",
      "config:\n  gcp:project: acme-gemini-qa\n  gcp:project: acme-gemini-qa2\n",
      `${FILE}:3:3: Map keys must be unique (the file is not valid YAML).`,
      "Give each key once",
    ],
    [
      "an unclosed quote",
      'config:\n  gcp:project: "acme-gemini-qa\n  gemini-access-kit:environment: qa\n',
      `${FILE}:4:1: Missing closing "quote (the file is not valid YAML).`,
      "Close the quote",
    ],
  ])("%s", (_name, text, message, fix) => {
    const err = failure(text);
    expect([err.reason, err.exitCode, err.message]).toEqual(["STACK_FILE_INVALID", 2, message]);
    expect(err.fix).toContain(fix);
  });

  test("Y8: valid YAML nested too deeply to read says so, not that the YAML is invalid", () => {
    const err = failure(`config:\n  gcp:project: ${"[".repeat(5000)}${"]".repeat(5000)}\n`);
    expect(err.message).toMatch(
      /^stacks\/Pulumi\.qa\.yaml:2:\d+: the file nests too deeply to be read \(valid YAML, but no stack setting is that deep\)\.$/,
    );
    expect(err.message).not.toContain("not valid YAML");
  });

  test("never quotes the text around the mistake, which may be a secret", () => {
    const err = failure(
      'config:\n  gemini-access-kit:oauthClientJson: "{\\"installed\\": {\\"client_secret\\": \\"GOCSPX-leaky\\"}}\n  gcp:project: x\n',
    );
    expect(`${err.message} ${err.fix}`).not.toContain("GOCSPX-leaky");
  });
});

describe("a file that is not a stack file says so", () => {
  test.each([
    [
      "an empty file",
      "",
      "is empty, so it is not a Pulumi stack file (one starts with a config: map)",
    ],
    [
      "a list",
      "- a\n- b\n",
      "holds a list, so it is not a Pulumi stack file (one starts with a config: map)",
    ],
    [
      "the project file",
      "name: gemini-access-kit\nruntime: nodejs\nmain: src/index.ts\n",
      "is a Pulumi project file (it has name: and runtime:), not a stack file",
    ],
    [
      "some other YAML",
      "jobs:\n  build:\n    runs-on: ubuntu-latest\n",
      "has none of config, secretsprovider, encryptionsalt, encryptedkey, environment, so it is not a Pulumi stack file",
    ],
    [
      "a config that is a list",
      "config:\n  - gcp:project\n",
      "has a config: that is not a map of keys to values",
    ],
  ])("%s", (_name, text, message) => {
    const err = failure(text);
    expect([err.reason, err.exitCode]).toEqual(["STACK_FILE_INVALID", 2]);
    expect(err.message).toBe(`${FILE}: ${message}`);
  });
});

test("reads config as Pulumi hands it to a program: strings as they are, other values as JSON, secure values aside", () => {
  const file = parseStackFile(
    "secretsprovider: gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k\nconfig:\n  gcp:project: acme-gemini-qa\n  gemini-access-kit:keyRotationDays: 30\n  gemini-access-kit:oauthClientJson:\n    secure: v1:abc\n",
    FILE,
  );
  expect(file).toEqual({
    raw: { "gcp:project": "acme-gemini-qa", "gemini-access-kit:keyRotationDays": "30" },
    encrypted: ["gemini-access-kit:oauthClientJson"],
    secretsProvider: "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k",
  });
});

test("a key written without a namespace is the kit's, as Pulumi's stack loader files it under the project's name", () => {
  const file = parseStackFile(
    "config:\n  gcp:project: acme-gemini-qa\n  keyRotationDays: 30\n  keyRotationStrat: 2026-11-01\n",
    FILE,
  );
  expect(file.raw).toEqual({
    "gcp:project": "acme-gemini-qa",
    "gemini-access-kit:keyRotationDays": "30",
    "gemini-access-kit:keyRotationStrat": "2026-11-01",
  });
});

test("Y9: merge keys (<<: *defaults) are resolved as Pulumi's reader resolves them", () => {
  const file = parseStackFile(
    "config:\n  gcp:project: acme-gemini-qa\n  gemini-access-kit:serviceAccounts:\n    base: &base\n      roles: [roles/aiplatform.user]\n    runtime:\n      <<: *base\n      displayName: Runtime\n",
    FILE,
  );
  expect(JSON.parse(file.raw["gemini-access-kit:serviceAccounts"]!)).toEqual({
    base: { roles: ["roles/aiplatform.user"] },
    runtime: { roles: ["roles/aiplatform.user"], displayName: "Runtime" },
  });
});
