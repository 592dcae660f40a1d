import { buildCiStack, buildStack } from "../../src/program.ts";
import { parseOutputs } from "../../src/verify/facts.ts";
import { ciConfig, editedDev } from "../helpers/ci-stack.ts";
import { CI_INVOKES } from "../helpers/fake-cloud.ts";
import { baseRaw, mustParse, PROJECT } from "../helpers/fixtures.ts";
import { runMocked, type Deployment, type RecordedResource } from "../helpers/mocks.ts";

const NS = "gemini-access-kit";
const AGENT = "gcp:projects/serviceIdentity:ServiceIdentity";
const SERVICE = "gcp:projects/service:Service";
const PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember";

const vertexGrants = (d: Deployment<unknown>): RecordedResource[] =>
  d.ofType(PROJECT_MEMBER).filter((r) => r.inputs.role === "roles/aiplatform.user");
const aiplatform = (d: Deployment<unknown>): RecordedResource[] =>
  d.ofType(SERVICE).filter((r) => r.inputs.service === "aiplatform.googleapis.com");

describe("a stack that targets Vertex AI", () => {
  test("enables aiplatform, makes its service agent once the API is on, and grants each account aiplatform.user", async () => {
    const config = mustParse(baseRaw({ [`${NS}:target`]: "both" }));
    const d = await runMocked(() => buildStack(config));
    const [api] = aiplatform(d);
    expect(api?.inputs.disableOnDestroy).toBe(false);
    const agents = d.ofType(AGENT);
    expect(agents.map((a) => a.inputs)).toEqual([
      { project: PROJECT, service: "aiplatform.googleapis.com" },
    ]);
    expect(agents[0]!.dependencies).toContain(api!.urn);
    expect(vertexGrants(d).map((r) => r.inputs.member)).toEqual([
      `serviceAccount:${config.accounts[0]!.email}`,
    ]);
  });

  test("a Gemini API stack gets no Vertex API, service agent or Vertex role", async () => {
    const d = await runMocked(() => buildStack(mustParse(baseRaw())));
    expect(aiplatform(d)).toEqual([]);
    expect(d.ofType(AGENT)).toEqual([]);
    expect(vertexGrants(d)).toEqual([]);
  });

  test("for a governed environment the CI stack applies the API, the service agent and the grants, the verify probe's included, and the environment's stack none of them", async () => {
    const files = editedDev((c) => {
      c[`${NS}:target`] = "both";
    });
    const ci = ciConfig(files);
    const dev = ci.environments.find((e) => e.name === "dev")!;
    const d = await runMocked(() => buildCiStack(ci), { stack: "ci", invokes: CI_INVOKES });
    const inDev = (r: RecordedResource) => r.inputs.project === dev.config.project;
    expect(aiplatform(d).filter(inDev)).toHaveLength(1);
    expect(d.ofType(AGENT).filter(inDev)).toHaveLength(1);
    const members = vertexGrants(d)
      .filter(inDev)
      .map((r) => r.inputs.member);
    const runtime = dev.config.accounts.find((a) => a.key === "runtime")!;
    expect(members).toEqual(
      expect.arrayContaining([
        `serviceAccount:${runtime.email}`,
        expect.stringMatching(/^serviceAccount:.*-probe-dev@/),
      ]),
    );
    expect(members).toHaveLength(dev.config.accounts.length + 1);
    const own = await runMocked(() => buildStack(dev.config), { stack: "dev" });
    expect(aiplatform(own)).toEqual([]);
    expect(own.ofType(AGENT)).toEqual([]);
    expect(vertexGrants(own)).toEqual([]);
  });

  test("exports target always and vertex's location and models only for a Vertex target, in the shape verify reads", async () => {
    const vertex = mustParse(
      baseRaw({
        [`${NS}:target`]: "vertex",
        [`${NS}:vertex`]: { location: "eu", models: ["gemini-3.8-pro"] },
      }),
    );
    const d = await runMocked(() => buildStack(vertex));
    expect(d.outputs).toMatchObject({
      target: "vertex",
      vertex: { location: "eu", models: ["gemini-3.8-pro"] },
    });
    expect(parseOutputs(JSON.stringify(d.outputs), "outputs.json")).toMatchObject({
      target: "vertex",
      vertex: { location: "eu", models: ["gemini-3.8-pro"] },
    });
    const gemini = await runMocked(() => buildStack(mustParse(baseRaw())));
    expect(gemini.outputs).toMatchObject({ target: "gemini-api" });
    expect(gemini.outputs.vertex).toBeUndefined();
  });

  test("with vertex.apiKey makes its secret with its readers, grants the bound account aiplatform.expressUser and exports the secret where verify reads it", async () => {
    const readers = ["group:vertex-readers@example.com"];
    const config = mustParse(
      baseRaw({
        [`${NS}:target`]: "vertex",
        [`${NS}:vertex`]: { apiKey: { serviceAccount: "runtime", readers } },
      }),
    );
    const d = await runMocked(() => buildStack(config));
    const secret = d
      .ofType("gcp:secretmanager/secret:Secret")
      .find((r) => r.inputs.secretId === "gemini-vertex-api-key-test");
    expect(secret?.inputs.labels).toMatchObject({ purpose: "vertex-api-key", account: "runtime" });
    const access = d
      .ofType("gcp:secretmanager/secretIamMember:SecretIamMember")
      .filter((r) => r.parent?.includes("vertex-api-key") ?? false)
      .map((r) => [r.inputs.role, r.inputs.member]);
    expect(access).toEqual([["roles/secretmanager.secretAccessor", readers[0]]]);
    const express = d
      .ofType(PROJECT_MEMBER)
      .filter((r) => r.inputs.role === "roles/aiplatform.expressUser")
      .map((r) => r.inputs.member);
    expect(express).toEqual([`serviceAccount:${config.accounts[0]!.email}`]);
    const outputs = parseOutputs(JSON.stringify(d.outputs), "outputs.json");
    expect(outputs.vertex?.apiKey).toMatchObject({
      secret: expect.stringMatching(/\/secrets\/gemini-vertex-api-key-test$/) as string,
      boundTo: config.accounts[0]!.email,
    });
  });
});
