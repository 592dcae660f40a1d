import { formatProblem, parseConfig } from "../../src/config/index.ts";
import { checkCi, editedDev } from "../helpers/ci-stack.ts";
import { baseRaw, mustParse, PROJECT, SECRET_KEYS } from "../helpers/fixtures.ts";

const NS = "gemini-access-kit";

function problems(overrides: Record<string, unknown>): string[] {
  return parseConfig(baseRaw(overrides), { stack: "test", secretKeys: SECRET_KEYS }).problems.map(
    formatProblem,
  );
}

describe("target and vertex", () => {
  test("a stack without target makes the Gemini API ready as before: no Vertex API, role or settings", () => {
    const config = mustParse(baseRaw());
    expect(config.target).toBe("gemini-api");
    expect(config.vertex).toBeUndefined();
    expect(config.apis).not.toContain("aiplatform.googleapis.com");
    expect(config.accounts[0]!.roles).toEqual(["roles/serviceusage.serviceUsageConsumer"]);
  });

  test("a Vertex target enables aiplatform, grants every account aiplatform.user and defaults to the global location", () => {
    const config = mustParse(baseRaw({ [`${NS}:target`]: "both" }));
    expect(config.target).toBe("both");
    expect(config.vertex).toEqual({ location: "global", models: [] });
    expect(config.apis).toContain("aiplatform.googleapis.com");
    expect(config.apis).toContain("generativelanguage.googleapis.com");
    expect(config.apis).toEqual([...config.apis].sort());
    expect(config.accounts[0]!.roles).toEqual([
      "roles/serviceusage.serviceUsageConsumer",
      "roles/aiplatform.user",
    ]);
  });

  test("an account that already names aiplatform.user is granted it once", () => {
    const config = mustParse(
      baseRaw({
        [`${NS}:target`]: "vertex",
        [`${NS}:serviceAccounts`]: {
          runtime: { roles: ["roles/aiplatform.user"], keyReaders: [], createKey: false },
        },
      }),
    );
    expect(config.accounts[0]!.roles).toEqual(["roles/aiplatform.user"]);
  });

  test("keeps the location and the models the stack names", () => {
    const config = mustParse(
      baseRaw({
        [`${NS}:target`]: "vertex",
        [`${NS}:vertex`]: {
          location: "europe-west4",
          models: ["gemini-3.8-flash", "gemini-3.8-pro"],
        },
      }),
    );
    expect(config.vertex).toEqual({
      location: "europe-west4",
      models: ["gemini-3.8-flash", "gemini-3.8-pro"],
    });
  });

  test("an unknown target is one problem that lists the three", () => {
    expect(problems({ [`${NS}:target`]: "vertex-ai" })).toEqual([
      `[target] "vertex-ai" is not one of gemini-api, vertex, both. Set gemini-api (the Gemini API, the default), vertex (Vertex AI) or both.`,
    ]);
  });

  test("vertex without a Vertex target is refused, saying to set target", () => {
    const [only, ...rest] = problems({ [`${NS}:vertex`]: { location: "global" } });
    expect(rest).toEqual([]);
    expect(only).toMatch(/^\[vertex\] .* is set, but target is gemini-api \(the default\)/);
    expect(only).toContain("Set gemini-access-kit:target to vertex or both");
    expect(problems({ [`${NS}:target`]: "gemini-api", [`${NS}:vertex`]: {} })).toHaveLength(1);
  });

  test("each bad location, model, duplicate or unknown field is one problem of its own", () => {
    expect(
      problems({
        [`${NS}:target`]: "both",
        [`${NS}:vertex`]: {
          location: "Europe",
          models: [
            "gemini-3.8-flash",
            "publishers/google/models/gemini-3.8-pro:predict",
            "gemini-3.8-flash",
          ],
          region: "us",
        },
      }),
    ).toEqual([
      expect.stringMatching(/^\[vertex.region\]/),
      `[vertex.location] "Europe" is not a Vertex location; Google allows global, us, eu or a region such as europe-west4. Set global (the default, and Google's advice against 429s), us, eu or a region.`,
      `[vertex.models[1]] "publishers/google/models/gemini-3.8-pro:predict" is not a model id; Google names a model like gemini-3.8-flash (lowercase letters, digits, . _ @ -). Write gemini-3.8-pro.`,
      `[vertex.models[2]] "gemini-3.8-flash" is listed twice. Remove the duplicate.`,
    ]);
  });

  test("more models than vertexai.allowedModels can hold is one problem", () => {
    const models = Array.from({ length: 501 }, (_, i) => `model-${i}`);
    expect(problems({ [`${NS}:target`]: "vertex", [`${NS}:vertex`]: { models } })).toEqual([
      expect.stringMatching(/^\[vertex.models\] "501 models" are more than the 500 values/),
    ]);
  });

  test("a governed Vertex stack's accounts may hold aiplatform.user without the CI stack listing it", () => {
    const raw = baseRaw({
      [`${NS}:target`]: "vertex",
      [`${NS}:foundation`]: "ci",
      [`${NS}:serviceAccounts`]: {
        runtime: { roles: ["roles/aiplatform.user"], createKey: false },
      },
    });
    const governing = { grantable: new Set<string>(), ciStackFile: "stacks/Pulumi.ci.yaml" };
    const result = parseConfig(raw, { stack: "test", secretKeys: SECRET_KEYS, governing });
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.config?.project).toBe(PROJECT);
    const gemini = parseConfig(
      { ...raw, [`${NS}:target`]: "gemini-api" },
      { stack: "test", secretKeys: SECRET_KEYS, governing },
    );
    expect(gemini.problems.map((p) => p.path)).toEqual(["serviceAccounts.runtime.roles[0]"]);
  });

  test("a Vertex-only stack leaves the Gemini API out unless extraApis lists it", () => {
    const only = mustParse(baseRaw({ [`${NS}:target`]: "vertex" }));
    expect(only.apis).toContain("aiplatform.googleapis.com");
    expect(only.apis).not.toContain("generativelanguage.googleapis.com");
    const listed = mustParse(
      baseRaw({
        [`${NS}:target`]: "vertex",
        [`${NS}:extraApis`]: ["generativelanguage.googleapis.com"],
      }),
    );
    expect(listed.apis).toContain("generativelanguage.googleapis.com");
  });

  test("a Vertex-only stack refuses apiKey, a Gemini API key, in one problem that says to set both", () => {
    const found = problems({
      [`${NS}:target`]: "vertex",
      [`${NS}:apiKey`]: { serviceAccount: "runtime", readers: ["group:team@example.com"] },
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\[apiKey\] .* makes a Gemini API key, but target is vertex/);
    expect(found[0]).toContain("Set target to both");
    expect(
      mustParse(
        baseRaw({
          [`${NS}:target`]: "both",
          [`${NS}:apiKey`]: { serviceAccount: "runtime", readers: ["group:team@example.com"] },
        }),
      ).apiKey,
    ).toBeDefined();
  });
});

describe("vertex.apiKey, an API key for Vertex AI express mode", () => {
  const READERS = ["group:team@example.com"];
  const vertexKey = (apiKey: unknown, target = "vertex") =>
    baseRaw({ [`${NS}:target`]: target, [`${NS}:vertex`]: { apiKey } });

  test("gives the key its own ids and secret, restricts it to aiplatform and grants its account aiplatform.expressUser", () => {
    const config = mustParse(vertexKey({ serviceAccount: "runtime", readers: READERS }));
    const runtime = config.accounts.find((a) => a.key === "runtime")!;
    expect(config.vertex?.apiKey).toEqual({
      keyId: "gemini-vertex-test",
      displayName: "Vertex AI (gemini-vertex-test)",
      accountKey: "runtime",
      accountEmail: runtime.email,
      readers: READERS,
      secretId: "gemini-vertex-api-key-test",
      service: "aiplatform.googleapis.com",
    });
    expect(runtime.roles).toEqual([
      "roles/serviceusage.serviceUsageConsumer",
      "roles/aiplatform.user",
      "roles/aiplatform.expressUser",
    ]);
    expect(config.apis).toContain("apikeys.googleapis.com");
    expect(config.apiKey).toBeUndefined();
  });

  test("the Gemini API key stays restricted to generativelanguage beside it, with a secret of its own", () => {
    const config = mustParse(
      baseRaw({
        [`${NS}:target`]: "both",
        [`${NS}:apiKey`]: { serviceAccount: "runtime", readers: READERS },
        [`${NS}:vertex`]: { apiKey: { serviceAccount: "runtime", readers: READERS } },
      }),
    );
    expect(config.apiKey).toMatchObject({
      secretId: "gemini-api-key-test",
      service: "generativelanguage.googleapis.com",
    });
    expect(config.vertex?.apiKey?.secretId).toBe("gemini-vertex-api-key-test");
  });

  test("is checked like apiKey: an unknown account, no readers, an unknown field and a long name are each one problem at its path", () => {
    const found = problems({
      [`${NS}:target`]: "both",
      [`${NS}:vertex`]: {
        apiKey: { serviceAccount: "nobody", readers: [], displayName: "x".repeat(64), other: 1 },
      },
    });
    expect(found.map((f) => f.slice(0, f.indexOf("]") + 1))).toEqual([
      "[vertex.apiKey.other]",
      "[vertex.apiKey.serviceAccount]",
      "[vertex.apiKey.readers]",
      "[vertex.apiKey.displayName]",
    ]);
    expect(found[1]).toContain("roles/aiplatform.expressUser");
  });

  test("is refused with a Gemini API target, as all of vertex is", () => {
    const found = problems({
      [`${NS}:vertex`]: { apiKey: { serviceAccount: "runtime", readers: READERS } },
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\[vertex\] .* is set, but target is gemini-api/);
  });

  test("counts toward the 20 key secrets one rotator can be granted", () => {
    const account = { createKey: true, keyReaders: READERS };
    const accounts = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`a${i}`, account]));
    const raw = (vertex: unknown) =>
      baseRaw({
        [`${NS}:target`]: "both",
        [`${NS}:serviceAccounts`]: accounts,
        [`${NS}:apiKey`]: { serviceAccount: "a0", readers: READERS },
        [`${NS}:vertex`]: vertex,
      });
    expect(mustParse(raw(undefined)).vertex?.apiKey).toBeUndefined();
    const found = parseConfig(raw({ apiKey: { serviceAccount: "a1", readers: READERS } }), {
      stack: "test",
      secretKeys: SECRET_KEYS,
    }).problems.map(formatProblem);
    expect(found).toEqual([
      expect.stringMatching(
        /^\[serviceAccounts\] "19 accounts with createKey and an apiKey and a vertex.apiKey" give 21 key secrets/,
      ),
    ]);
  });
});

describe("the CI stack's check of a governed Vertex environment", () => {
  test("accepts roles/aiplatform.user on an account though ci.grantableRoles does not list it, as the kit grants it anyway", () => {
    const files = editedDev((c) => {
      c[`${NS}:target`] = "both";
      const accounts = c[`${NS}:serviceAccounts`] as Record<string, { roles: string[] }>;
      accounts.runtime!.roles.push("roles/aiplatform.user");
    });
    const { config, problems: found } = checkCi(files);
    expect(config?.grantableRoles).not.toContain("roles/aiplatform.user");
    expect(found.map(formatProblem)).toEqual([]);
    const dev = config!.environments.find((e) => e.name === "dev")!;
    expect(dev.config.accounts.find((a) => a.key === "runtime")!.roles).toEqual([
      "roles/serviceusage.serviceUsageConsumer",
      "roles/aiplatform.user",
    ]);
  });

  test("accepts the kit's roles/aiplatform.expressUser for a vertex.apiKey's account without grantableRoles", () => {
    const files = editedDev((c) => {
      c[`${NS}:target`] = "both";
      c[`${NS}:vertex`] = {
        ...(c[`${NS}:vertex`] as object),
        apiKey: { serviceAccount: "runtime", readers: ["group:gemini-dev@example.com"] },
      };
    });
    const { config, problems: found } = checkCi(files);
    expect(found.map(formatProblem)).toEqual([]);
    expect(config?.grantableRoles).not.toContain("roles/aiplatform.expressUser");
    const dev = config!.environments.find((e) => e.name === "dev")!;
    expect(dev.config.accounts.find((a) => a.key === "runtime")!.roles).toContain(
      "roles/aiplatform.expressUser",
    );
  });

  test("still refuses it for a Gemini API environment that does not list it in grantableRoles", () => {
    const files = editedDev((c) => {
      c[`${NS}:target`] = "gemini-api";
      delete c[`${NS}:vertex`];
      const accounts = c[`${NS}:serviceAccounts`] as Record<string, { roles: string[] }>;
      accounts.runtime!.roles.push("roles/aiplatform.user");
    });
    expect(checkCi(files).problems.map((p) => p.path)).toEqual([
      "stacks/Pulumi.dev.yaml serviceAccounts.runtime.roles[1]",
    ]);
  });
});
