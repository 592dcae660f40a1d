import { oauthSteps, type ConsentScreen } from "../../src/oauth/consent.ts";

const external: ConsentScreen = {
  appName: "Acme Gemini (dev)",
  supportEmail: "platform@example.com",
  audience: "External",
  testUsers: ["alice@example.com", "bob@example.com"],
  scopes: ["https://www.googleapis.com/auth/generative-language.retriever"],
  developerContacts: ["platform@example.com"],
};

describe("the manual OAuth steps", () => {
  test("link to the stack's own project and spell out every consent-screen setting", () => {
    const [consent] = oauthSteps({
      project: "acme-gemini-dev",
      stack: "dev",
      consent: external,
      clientId: undefined,
    });
    expect(consent!.url).toBe(
      "https://console.cloud.google.com/auth/overview?project=acme-gemini-dev",
    );
    const text = consent!.instructions.join("\n");
    expect(text).toContain('App name "Acme Gemini (dev)"');
    expect(text).toContain("alice@example.com, bob@example.com");
    expect(text).toContain("https://www.googleapis.com/auth/generative-language.retriever");
  });

  test("state the Testing-status limits for an External app: 100 test users, refresh tokens that expire after 7 days", () => {
    const [consent] = oauthSteps({
      project: "p-123456",
      stack: "dev",
      consent: external,
      clientId: undefined,
    });
    expect(consent!.instructions.join("\n")).toMatch(
      /at most 100 test users.*expire 7 days after consent/,
    );
  });

  test("an Internal app has no test-user step", () => {
    const [consent] = oauthSteps({
      project: "p-123456",
      stack: "prod",
      consent: { ...external, audience: "Internal", testUsers: [] },
      clientId: undefined,
    });
    expect(consent!.instructions.join("\n")).not.toContain("Test users");
  });

  test("the client step is pending with the exact command until the client is stored, then done", () => {
    const pending = oauthSteps({
      project: "p-123456",
      stack: "prod",
      consent: external,
      clientId: undefined,
    })[1]!;
    expect(pending.status).toBe("pending");
    expect(pending.url).toBe(
      "https://console.cloud.google.com/auth/clients/create?project=p-123456",
    );
    expect(pending.instructions).toContain(
      "From this project's folder: pulumi config set --secret --stack prod gemini-access-kit:oauthClientJson < client_secret.json",
    );
    const done = oauthSteps({
      project: "p-123456",
      stack: "prod",
      consent: external,
      clientId: "1-a.apps.googleusercontent.com",
    })[1]!;
    expect(done.status).toBe("done");
    expect(done.title).toContain("1-a.apps.googleusercontent.com");
  });
});
