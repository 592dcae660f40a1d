import { ProjectApis } from "../../src/components/apis.ts";
import { runMocked } from "../helpers/mocks.ts";

const services = [
  "generativelanguage.googleapis.com",
  "secretmanager.googleapis.com",
  "iam.googleapis.com",
];

describe("ProjectApis", () => {
  test("enables each API as its own resource and never disables it on destroy", async () => {
    const d = await runMocked(
      () => new ProjectApis("apis", { project: "acme-gemini-dev", services }).enabled,
    );
    const enabled = d.ofType("gcp:projects/service:Service");
    expect(enabled.map((r) => r.inputs.service).sort()).toEqual([...services].sort());
    for (const r of enabled) {
      expect(r.inputs).toMatchObject({
        project: "acme-gemini-dev",
        disableOnDestroy: false,
        disableDependentServices: false,
      });
    }
    expect([...d.outputs].sort()).toEqual([...services].sort());
  });

  test("hands out the resource of one API for dependsOn, and refuses one it does not enable", async () => {
    await runMocked(() => {
      const apis = new ProjectApis("apis", { project: "acme-gemini-dev", services });
      expect(apis.api("iam.googleapis.com")).toBeDefined();
      expect(() => apis.api("apikeys.googleapis.com")).toThrow(
        "apikeys.googleapis.com is not among the enabled APIs",
      );
      return apis.enabled;
    });
  });
});
