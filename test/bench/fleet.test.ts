/**
 * The fleet benchmark's pure helpers: the fleet it generates is one the CI stack's check accepts,
 * and the figures it reads from plans count what Google counts. The benchmark itself is not run here.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { limitFigures, logicalOperators, type PlannedResource } from "../../bench/fleet/analyse.ts";
import { fleetFiles, type FleetTemplates } from "../../bench/fleet/generate.ts";
import { firstOver, trendOver } from "../../bench/fleet/limits.ts";
import { parseStackFile } from "../../src/config/stack-file.ts";
import { parseWaves } from "../../src/deploy/waves.ts";
import { checkCi, type Files } from "../helpers/ci-stack.ts";

const read = (stack: string) =>
  readFileSync(join(import.meta.dirname, "..", "..", "stacks", `Pulumi.${stack}.yaml`), "utf8");
const templates: FleetTemplates = { dev: read("dev"), staging: read("staging"), ci: read("ci") };

/** The generated environment stack files, as the CI stack's check reads them, and the CI stack's raw config. */
function fleet(n: number): { files: Files; ci: Record<string, string>; waves: string } {
  const generated = fleetFiles(templates, n);
  const files: Files = {};
  for (const [name, text] of Object.entries(generated)) {
    const stack = /^Pulumi\.(e\d{4})\.yaml$/.exec(name)?.[1];
    if (stack !== undefined) files[stack] = parseStackFile(text, `stacks/${name}`);
  }
  const ci = parseStackFile(generated["Pulumi.ci.yaml"]!, "stacks/Pulumi.ci.yaml").raw;
  return { files, ci, waves: generated["deploy-waves.yaml"]! };
}

describe("the generated fleet", () => {
  test("has N environment stacks, each in a project of its own, every 4th keyed like dev and the rest keyless like staging", () => {
    const { files } = fleet(9);
    const stacks = Object.keys(files).sort();
    expect(stacks).toEqual([
      "e0001",
      "e0002",
      "e0003",
      "e0004",
      "e0005",
      "e0006",
      "e0007",
      "e0008",
      "e0009",
    ]);
    const projects = stacks.map((s) => files[s]!.raw["gcp:project"]);
    expect(new Set(projects).size).toBe(9);
    expect(projects[0]).toBe("acme-gemini-e0001");
    const keyed = stacks.filter((s) =>
      files[s]!.raw["gemini-access-kit:serviceAccounts"]!.includes('"createKey":true'),
    );
    expect(keyed).toEqual(["e0001", "e0005", "e0009"]);
    // The template's name is gone from every value: no group or display name still says dev or staging.
    for (const s of stacks)
      expect(Object.values(files[s]!.raw).join(" ")).not.toMatch(/\b(dev|staging)\b/);
  });

  test("passes the CI stack's config check, which governs every environment with accounts of its own", () => {
    const { files, ci } = fleet(3);
    const { config, problems } = checkCi(files, ci);
    expect(problems).toEqual([]);
    expect(config!.environments.map((e) => e.name)).toEqual(["e0001", "e0002", "e0003"]);
    const deployers = config!.environments.map((e) => e.deployer.accountId);
    expect(new Set(deployers).size).toBe(3);
    // Only the keyed one, modelled on dev, has a rotator.
    expect(config!.environments.map((e) => e.rotator !== undefined)).toEqual([true, false, false]);
  });

  test("lists every environment in exactly one wave, the first alone, and the CI stack under admin, as deploy reads it", () => {
    const { files, waves } = fleet(60);
    const order = parseWaves(waves, [...Object.keys(files), "ci"], ["ci"]);
    expect(order.waves.map((w) => w.length)).toEqual([1, 50, 9]);
    expect(order.waves[0]).toEqual(["e0001"]);
    expect(order.admin).toEqual(["ci"]);
    expect(parse(waves)).toHaveProperty("admin", ["ci"]);
  });
});

const resource = (
  over: Partial<PlannedResource> & { urn: string; type: string },
): PlannedResource => ({
  name: over.urn,
  custom: true,
  parent: null,
  dependsOn: [],
  inputs: {},
  ...over,
});

describe("the figures read from a plan", () => {
  test("count every principal on the allow policy it joins, finding a KMS key known only after up through its dependency", () => {
    const key = resource({ urn: "key", type: "gcp:kms/cryptoKey:CryptoKey", name: "state-key" });
    const onKey = (urn: string, member: string) =>
      resource({
        urn,
        type: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        dependsOn: ["key"],
        inputs: { cryptoKeyId: null, role: "roles/cloudkms.cryptoKeyDecrypter", member },
      });
    const onProject = (urn: string, role: string) =>
      resource({
        urn,
        type: "gcp:projects/iAMMember:IAMMember",
        inputs: { project: "p", role, member: "user:a@example.com" },
      });
    const figures = limitFigures([
      key,
      onKey("k1", "user:a@example.com"),
      onKey("k2", "user:b@example.com"),
      onKey("k3", "user:c@example.com"),
      onProject("p1", "roles/viewer"),
      onProject("p2", "roles/browser"),
    ]);
    expect(figures.principals).toEqual({ count: 3, where: "KMS key (resource state-key)" });
  });

  test("count the logical operators of a condition outside its string literals", () => {
    expect(logicalOperators("resource.name == 'a||b&&c' || !(resource.type != \"x\")")).toBe(2);
  });

  test("find the first fleet size past a limit exactly within the measured environments, and by their mean past them", () => {
    expect(firstOver(0, [3, 2, 2, 2], 8)).toEqual({ environments: 4, extrapolated: false });
    expect(firstOver(1, [3, 2], 10)).toEqual({ environments: 4, extrapolated: true });
    expect(firstOver(5, [0, 0], 10)).toBeUndefined();
    expect(
      trendOver(
        [
          { environments: 10, used: 20 },
          { environments: 50, used: 100 },
        ],
        100,
      ),
    ).toBe(51);
    expect(
      trendOver(
        [
          { environments: 1, used: 6 },
          { environments: 50, used: 6 },
        ],
        300,
      ),
    ).toBeUndefined();
  });
});
