import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../src/config/index.ts";

const ROOT = join(import.meta.dirname, "..");
const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
  name: string;
  main: string;
  stackConfigDir: string;
  config: Record<
    string,
    { type?: string; description?: string; secret?: boolean; items?: { type: string } }
  >;
};

describe("Pulumi.yaml", () => {
  test("names the project the config namespace uses, and keeps stack files in stacks/", () => {
    expect(project.name).toBe("gemini-access-kit");
    expect(project.stackConfigDir).toBe("stacks");
    expect(project.main).toBe("src/index.ts");
  });

  test("declares exactly the keys the program reads, each with the program's own description", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
    for (const [key, decl] of Object.entries(CONFIG_KEYS)) {
      expect([key, project.config[key]?.description]).toEqual([key, decl.description]);
    }
  });

  test("types every key Pulumi's schema can type, arrays with their item type, and marks the client file secret", () => {
    for (const [key, decl] of Object.entries(CONFIG_KEYS)) {
      const declared = project.config[key]!;
      if (decl.kind === "object") expect([key, declared.type]).toEqual([key, undefined]);
      else expect([key, declared.type]).toEqual([key, decl.kind]);
      if (decl.kind === "array") expect(declared.items).toEqual({ type: "string" });
      expect([key, declared.secret === true]).toEqual([key, "secret" in decl]);
    }
  });
});

describe("the configuration reference (docs/configuration.md)", () => {
  test("documents every key", () => {
    const reference = readFileSync(join(ROOT, "docs", "configuration.md"), "utf8");
    for (const key of Object.keys(CONFIG_KEYS))
      expect([key, reference.includes(`\`${key}\``)]).toEqual([key, true]);
  });
});

describe("the toolchain", () => {
  test("the suite runs on the Node 22 or newer that npm ci installs, whatever the machine has", () => {
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(22);
  });
});
