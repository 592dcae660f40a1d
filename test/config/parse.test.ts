import { formatProblem, parseConfig } from "../../src/config/index.ts";
import { baseRaw, clientFile, mustParse, PROJECT, SECRET_KEYS } from "../helpers/fixtures.ts";

const NS = "gemini-access-kit";

describe("parseConfig", () => {
  test("derives every id from prefix, key and environment, and applies the documented defaults", () => {
    const config = mustParse(baseRaw());
    expect(config.namePrefix).toBe("gemini");
    expect(config.accounts).toEqual([
      expect.objectContaining({
        key: "runtime",
        accountId: "gemini-runtime-test",
        email: `gemini-runtime-test@${PROJECT}.iam.gserviceaccount.com`,
        displayName: "Gemini runtime (test)",
        keySecretId: "gemini-runtime-key-test",
        keyReaders: ["group:team@example.com"],
      }),
    ]);
    expect(config.rotationDays).toBe(45);
    expect(config.unmanagedKeyGraceHours).toBe(24);
    expect(config.secretLocations).toEqual([]);
    expect(config.oauth?.consent.audience).toBe("External");
    expect(config.oauth?.consent.scopes).toEqual([
      "https://www.googleapis.com/auth/cloud-platform",
      "https://www.googleapis.com/auth/generative-language.retriever",
    ]);
  });

  test("enables the Gemini API and the APIs the kit calls, API Keys only when a key is requested", () => {
    const without = mustParse(baseRaw());
    expect(without.apis).not.toContain("apikeys.googleapis.com");
    expect(without.apis).toEqual(
      expect.arrayContaining([
        "generativelanguage.googleapis.com",
        "secretmanager.googleapis.com",
        "iam.googleapis.com",
        "iamcredentials.googleapis.com",
      ]),
    );
    const withKey = mustParse(
      baseRaw({
        [`${NS}:apiKey`]: { serviceAccount: "runtime", readers: ["group:team@example.com"] },
      }),
    );
    expect(withKey.apis).toContain("apikeys.googleapis.com");
    expect(withKey.apiKey).toMatchObject({
      keyId: "gemini-gemini-test",
      accountEmail: withKey.accounts[0]!.email,
    });
  });

  test("a stack's environment defaults to the stack name", () => {
    const config = mustParse(baseRaw({ [`${NS}:environment`]: undefined }), "staging");
    expect(config.environment).toBe("staging");
    expect(config.accounts[0]!.accountId).toBe("gemini-runtime-staging");
  });

  test("account:KEY members resolve to the e-mail of that stack account", () => {
    const config = mustParse(
      baseRaw({
        [`${NS}:serviceAccounts`]: {
          runtime: { createKey: true, keyReaders: ["account:app"] },
          app: { impersonators: ["user:dev@example.com"] },
        },
      }),
    );
    const runtime = config.accounts.find((a) => a.key === "runtime")!;
    expect(runtime.keyReaders).toEqual([
      `serviceAccount:gemini-app-test@${PROJECT}.iam.gserviceaccount.com`,
    ]);
  });

  test("the order of accounts in the stack file does not change the result", () => {
    const a = { createKey: true, keyReaders: ["group:a@example.com"] };
    const b = { roles: ["roles/aiplatform.user"] };
    const one = mustParse(baseRaw({ [`${NS}:serviceAccounts`]: { alpha: a, beta: b } }));
    const two = mustParse(baseRaw({ [`${NS}:serviceAccounts`]: { beta: b, alpha: a } }));
    expect(two).toEqual(one);
  });

  test("reports every problem at once, not just the first", () => {
    const { problems } = parseConfig(
      baseRaw({
        "gcp:project": "X",
        [`${NS}:keyRotationDays`]: "365",
        [`${NS}:serviceAccounts`]: { runtime: { roles: ["roles/owner"] } },
      }),
      { stack: "test", secretKeys: SECRET_KEYS },
    );
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        "gcp:project",
        "keyRotationDays",
        "serviceAccounts.runtime.roles[0]",
      ]),
    );
  });

  test("accepts a valid Desktop client file and keeps its id, not its secret, in view", () => {
    const file = clientFile();
    const config = mustParse(
      baseRaw({
        [`${NS}:oauthClientJson`]: file.text,
        [`${NS}:oauthClientReaders`]: ["group:team@example.com"],
      }),
    );
    expect(config.oauth?.client?.clientId).toBe(file.clientId);
    expect(config.oauth?.client?.json).toBe(file.text);
  });

  test("never puts the client secret into a problem message, whatever is wrong with the file", () => {
    const file = clientFile("other-project", (installed) => {
      installed.redirect_uris = ["urn:ietf:wg:oauth:2.0:oob"];
      installed.client_id = "not-a-client-id";
    });
    const { problems } = parseConfig(baseRaw({ [`${NS}:oauthClientJson`]: file.text }), {
      stack: "test",
      secretKeys: SECRET_KEYS,
    });
    const text = problems.map(formatProblem).join("\n");
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect(text).toContain("installed.redirect_uris[0]");
    expect(text).not.toContain(file.clientSecret);
    expect(text).not.toContain(file.text);
  });

  test("a file that is not JSON is reported without echoing its content", () => {
    const pasted = clientFile().clientSecret;
    const { problems } = parseConfig(baseRaw({ [`${NS}:oauthClientJson`]: pasted }), {
      stack: "test",
      secretKeys: SECRET_KEYS,
    });
    const text = problems.map(formatProblem).join("\n");
    expect(text).toContain("[oauthClientJson: (file)] (secret value, not shown) is not valid JSON");
    expect(text).not.toContain(pasted);
  });
});
