import { parseInstalledClient } from "../../src/oauth/client.ts";
import { clientFile, PROJECT } from "../helpers/fixtures.ts";

describe("parseInstalledClient", () => {
  test("accepts a Desktop client file as the console downloads it", () => {
    const file = clientFile();
    const { client, problems } = parseInstalledClient(file.text, PROJECT);
    expect(problems).toEqual([]);
    expect(client).toMatchObject({
      clientId: file.clientId,
      projectId: PROJECT,
      redirectUris: ["http://localhost"],
    });
  });

  test.each([["http://127.0.0.1:8085/"], ["http://[::1]"], ["http://localhost:53682/callback"]])(
    "accepts the loopback redirect %s",
    (uri) => {
      const file = clientFile(PROJECT, (i) => {
        i.redirect_uris = [uri];
      });
      expect(parseInstalledClient(file.text, PROJECT).problems).toEqual([]);
    },
  );

  test.each([
    ["urn:ietf:wg:oauth:2.0:oob"],
    ["https://example.com/callback"],
    ["http://evil.example.com"],
  ])("refuses the non-loopback redirect %s", (uri) => {
    const file = clientFile(PROJECT, (i) => {
      i.redirect_uris = [uri];
    });
    expect(parseInstalledClient(file.text, PROJECT).problems.map((p) => p.field)).toEqual([
      "installed.redirect_uris[0]",
    ]);
  });

  test("refuses a service-account key file with a message that says what it is", () => {
    const { problems } = parseInstalledClient(
      JSON.stringify({ type: "service_account", private_key_id: "x" }),
    );
    expect(problems[0]?.message).toBe(
      'is a "service_account" credential file, not an OAuth client file',
    );
  });

  test("checks the client id's shape and the secret's presence", () => {
    const file = clientFile(PROJECT, (i) => {
      i.client_id = "123.apps.example.com";
      delete i.client_secret;
    });
    const fields = parseInstalledClient(file.text, PROJECT).problems.map((p) => p.field);
    expect(fields).toEqual(["installed.client_id", "installed.client_secret"]);
  });

  test("a file downloaded after the client was made, which lacks the secret, is fixed by adding a new secret, not by downloading again", () => {
    const file = clientFile(PROJECT, (i) => {
      delete i.client_secret;
    });
    const [problem] = parseInstalledClient(file.text, PROJECT).problems;
    expect(problem).toMatchObject({
      field: "installed.client_secret",
      fix: expect.stringContaining("add a new secret"),
    });
    expect(problem!.fix).not.toMatch(/^Download the client again/);
  });

  test("without an expected project, any project id is accepted", () => {
    expect(parseInstalledClient(clientFile("some-other-project").text).problems).toEqual([]);
  });
});
