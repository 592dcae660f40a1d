/**
 * What a live run is called and what it writes: ids within Google's limits, a stack file the kit's
 * own config check accepts, and what destroy leaves to the project's deletion.
 */

import { parseConfig } from "../../src/config/parse.ts";
import { parseStackFile } from "../../src/config/stack-file.ts";
import { projectKeep } from "../../src/e2e/destroy.ts";
import { parseWaves } from "../../src/deploy/waves.ts";
import { E2E_LABEL, runNames, stackFileText, wavesFileText } from "../../src/e2e/names.ts";
import { ACCOUNT_ID, LABEL_VALUE, PROJECT_ID } from "../../src/naming.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("a run's names", () => {
  test("the run id is gak-e2e- and six letters or digits: a project id Google accepts (6-30) and a label value", () => {
    for (const b of [bytes(0, 0, 0, 0, 0, 0), bytes(35, 36, 255, 128, 7, 200)]) {
      const n = runNames(b);
      expect(n.runId).toMatch(/^gak-e2e-[a-z0-9]{6}$/);
      expect(PROJECT_ID.pattern.test(n.runId)).toBe(true);
      expect(LABEL_VALUE.pattern.test(n.runId)).toBe(true);
      expect(n.stack).toBe(n.runId);
    }
    expect(runNames(bytes(0, 1, 2, 3, 4, 5)).runId).toBe("gak-e2e-abcdef");
    expect(runNames(bytes(26, 27, 28, 29, 30, 31)).runId).toBe("gak-e2e-012345");
  });

  test("two runs of different bytes never share a stack, environment or API key prefix", () => {
    const a = runNames(bytes(1, 2, 3, 4, 5, 6));
    const b = runNames(bytes(1, 2, 3, 4, 5, 7));
    expect(a.stack).not.toBe(b.stack);
    expect(a.environment).not.toBe(b.environment);
    expect(a.apiKeyPrefix("p-1234")).not.toBe(b.apiKeyPrefix("p-1234"));
    expect(a.apiKeyPrefix("p-1234")).toBe("gak-gemini-e2e-bcdefg");
  });
});

describe("the stack file a run writes", () => {
  const names = runNames(bytes(0, 1, 2, 3, 4, 5));
  const member = "user:ana@example.com";
  const create = stackFileText({
    names,
    source: { create: { parent: "folders/123", billingAccount: "01A2B3-C4D5E6-F7A8B9" } },
    region: "europe-west1",
    member,
  });
  const adopt = stackFileText({
    names,
    source: { adopt: { project: "acme-e2e-sandbox" } },
    member,
  });

  test("create mode: a solo stack in the run's own project, which it makes under the parent, linked to the billing account and labelled with the run id", () => {
    const { raw } = parseStackFile(create, "stacks/Pulumi.gak-e2e-abcdef.yaml");
    expect(raw["gcp:project"]).toBe("gak-e2e-abcdef");
    expect(raw["gcp:region"]).toBe("europe-west1");
    expect(JSON.parse(raw["gemini-access-kit:project"]!)).toEqual({
      create: {
        parent: "folders/123",
        billingAccount: "01A2B3-C4D5E6-F7A8B9",
        labels: { [E2E_LABEL]: "gak-e2e-abcdef" },
      },
    });
    expect(JSON.parse(raw["gcp:defaultLabels"]!)).toEqual({ [E2E_LABEL]: "gak-e2e-abcdef" });
    expect(raw["gemini-access-kit:foundation"]).toBe("stack");
  });

  test("adopt mode: the project named, adopted, with the same label on what the kit labels", () => {
    const { raw } = parseStackFile(adopt, "stacks/Pulumi.gak-e2e-abcdef.yaml");
    expect(raw["gcp:project"]).toBe("acme-e2e-sandbox");
    expect(JSON.parse(raw["gemini-access-kit:project"]!)).toEqual({ adopt: {} });
    expect(JSON.parse(raw["gcp:defaultLabels"]!)).toEqual({ [E2E_LABEL]: "gak-e2e-abcdef" });
    expect(raw["gcp:region"]).toBeUndefined();
  });

  test.each([
    ["create", create],
    ["adopt", adopt],
  ])(
    "%s mode: the kit's config check accepts everything else in it: one keyed account and an API key, the caller its impersonator and the reader of both secrets, every id within Google's limits",
    (_mode, text) => {
      const { raw } = parseStackFile(text, "stacks/Pulumi.gak-e2e-abcdef.yaml");
      // project: is the project-vending setting, checked where it is read.
      const rest = Object.fromEntries(
        Object.entries(raw).filter(([key]) => key !== "gemini-access-kit:project"),
      );
      const { config, problems } = parseConfig(rest, {
        stack: names.stack,
        secretKeys: new Set(),
      });
      expect(problems).toEqual([]);
      const account = config!.accounts.find((a) => a.key === "runtime")!;
      expect(ACCOUNT_ID.pattern.test(account.accountId)).toBe(true);
      expect(account.accountId).toBe("gak-runtime-e2e-abcdef");
      expect(account.createKey).toBe(true);
      expect(account.impersonators).toEqual([member]);
      expect(account.keyReaders).toEqual([member]);
      expect(config!.apiKey?.readers).toEqual([member]);
      expect(config!.apiKey?.keyId).toBe(names.apiKeyPrefix(config!.project));
    },
  );
});

test("the copy's deploy order holds the run's stack alone, as deploy reads it", () => {
  const n = runNames(bytes(0, 1, 2, 3, 4, 5));
  expect(parseWaves(wavesFileText(n), [n.stack], [])).toEqual({ waves: [[n.stack]], admin: [] });
});

describe("what destroy leaves to the project's deletion in create mode", () => {
  const stack = "urn:pulumi:gak-e2e-abcdef::gemini-access-kit";
  const provider = `${stack}::pulumi:providers:gcp::default_9_37_0`;
  const kit = `${stack}::gemini-access-kit:index:Kit::kit`;
  const project = `${stack}::gemini-access-kit:index:Kit$gcp:organizations/project:Project::kit-project`;
  const service = `${stack}::gemini-access-kit:index:Kit$gcp:projects/service:Service::kit-api-gemini`;
  const account = `${stack}::gemini-access-kit:index:Kit$gcp:serviceaccount/account:Account::kit-runtime`;
  const exported = (resources: Record<string, unknown>[]) =>
    JSON.stringify({ version: 3, deployment: { manifest: {}, resources } });

  test("the project, its parents and its provider are excluded; what depends on it is destroyed", () => {
    const keep = projectKeep(
      exported([
        {
          urn: `${stack}::pulumi:pulumi:Stack::gemini-access-kit-gak-e2e-abcdef`,
          type: "pulumi:pulumi:Stack",
        },
        { urn: provider, type: "pulumi:providers:gcp" },
        {
          urn: kit,
          type: "gemini-access-kit:index:Kit",
          parent: `${stack}::pulumi:pulumi:Stack::gemini-access-kit-gak-e2e-abcdef`,
        },
        {
          urn: project,
          type: "gcp:organizations/project:Project",
          parent: kit,
          provider: `${provider}::0f1e`,
        },
        {
          urn: service,
          type: "gcp:projects/service:Service",
          parent: kit,
          provider: `${provider}::0f1e`,
          dependencies: [project],
        },
        {
          urn: account,
          type: "gcp:serviceaccount/account:Account",
          parent: kit,
          propertyDependencies: { project: [project] },
        },
      ]),
    );
    expect(keep).toEqual({
      projects: 1,
      exclude: [
        `${stack}::pulumi:pulumi:Stack::gemini-access-kit-gak-e2e-abcdef`,
        provider,
        kit,
        project,
      ],
    });
  });

  test("a state without the project (up failed before making it) excludes nothing", () => {
    expect(projectKeep(exported([{ urn: service, type: "gcp:projects/service:Service" }]))).toEqual(
      {
        projects: 0,
        exclude: [],
      },
    );
  });

  test("an export that is not one is not guessed at", () => {
    expect(projectKeep("error: no stack")).toBeUndefined();
    expect(projectKeep('{"version":3}')).toBeUndefined();
  });
});
