/**
 * Adding an environment to a CI stack creates that environment's resources and changes nothing
 * else: the committed CI stack is planned under Pulumi's mocks, then again with one more
 * environment (a new stack file, and its entry under ci.environments, both in memory), and every
 * resource of the other environments and of the shared platform must be the same resource with
 * the same inputs. What the platform shares (the pool, its provider, the key ring, the CI project's
 * APIs and audit configs) does not grow with the number of environments.
 */

import { NAMESPACE, type RawConfig } from "../../src/config/index.ts";
import { parseStackFile, readStackFile } from "../../src/config/stack-file.ts";
import { buildCiStack } from "../../src/program.ts";
import { ciConfig, committedFiles, type Files } from "../helpers/ci-stack.ts";
import { CI_INVOKES } from "../helpers/fake-cloud.ts";
import { runMocked, type RecordedResource } from "../helpers/mocks.ts";
import { environmentText, governing } from "../helpers/shards.ts";
import { ROOT } from "../helpers/verify-cli.ts";

const CI_KEY = `${NAMESPACE}:ci`;

/** The committed CI stack's raw config with `edit` applied to its `ci` map. */
function ciRaw(edit: (ci: Record<string, unknown>) => void): RawConfig {
  const raw = readStackFile(ROOT, "ci").raw;
  const ci = JSON.parse(raw[CI_KEY]!) as Record<string, unknown>;
  edit(ci);
  return { ...raw, [CI_KEY]: JSON.stringify(ci) };
}

/** What a resource is to the engine: its URN, and what it sends for it. */
function identity(r: RecordedResource) {
  return {
    urn: r.urn,
    inputs: r.inputs,
    parent: r.parent,
    dependencies: [...r.dependencies].sort(),
    protect: r.protect,
    aliases: r.aliases,
    importId: r.importId,
  };
}

async function plan(files: Files, raw?: RawConfig): Promise<Map<string, RecordedResource>> {
  const config = ciConfig(files, raw);
  const d = await runMocked(() => buildCiStack(config), { stack: "ci", invokes: CI_INVOKES });
  return new Map(d.resources.map((r) => [r.urn, r]));
}

/** The committed CI stack's plan, and the plan with `name` added from a copy of `from`. */
async function withOneMore(name: string, from: "dev" | "staging", previewed: boolean) {
  const before = await plan(committedFiles());
  const files: Files = {
    ...committedFiles(),
    [name]: parseStackFile(environmentText(name, from), `stacks/Pulumi.${name}.yaml`),
  };
  const after = await plan(
    files,
    ciRaw((ci) => {
      ci.environments = { ...(ci.environments as object), ...governing([name]) };
      if (previewed) ci.previews = [...(ci.previews as string[]), name];
    }),
  );
  return { before, after };
}

describe("applying the CI stack for one new environment", () => {
  test.each([
    // Keyless and not previewed; keyed, with an API key, and previewed.
    ["qa", "staging", false],
    ["sandbox", "dev", true],
  ] as const)(
    "adding %s (%s's copy) leaves every resource of the other environments and of the platform as it was, and adds only its own",
    async (name, from, previewed) => {
      const { before, after } = await withOneMore(name, from, previewed);
      for (const [urn, r] of before) {
        expect(after.has(urn), urn).toBe(true);
        expect(identity(after.get(urn)!)).toEqual(identity(r));
      }
      const added = [...after.values()].filter((r) => !before.has(r.urn));
      expect(added.length).toBeGreaterThan(20);
      // Its own component and everything under it, and nothing else.
      for (const r of added) expect(r.name.startsWith(`ci-${name}`), r.urn).toBe(true);
      expect(added.filter((r) => r.type === "gemini-access-kit:index:GovernedEnvironment")).toEqual(
        [expect.objectContaining({ name: `ci-${name}` })],
      );
      const accounts = added.filter(
        (r) =>
          r.type === "gcp:serviceaccount/account:Account" && r.inputs.project === "acme-gemini-ci",
      );
      expect(accounts.map((r) => r.inputs.accountId).sort()).toEqual(
        [
          `gak-deploy-${name}`,
          ...(previewed ? [`gak-preview-${name}`, `gak-rotate-${name}`] : []),
        ].sort(),
      );
    },
    60_000,
  );

  test("the provider's attribute condition changes only when a CI stack gets its first keyed or first previewed environment", async () => {
    const condition = async (files: Files, raw: RawConfig) => {
      const resources = [...(await plan(files, raw)).values()];
      const provider = resources.find(
        (r) => r.type === "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
      )!;
      return provider.inputs.attributeCondition as string;
    };
    const only = (names: string[], previews: string[]) =>
      ciRaw((ci) => {
        ci.environments = governing(names);
        ci.previews = previews;
      });
    const files = committedFiles();
    const prodOnly = await condition(files, only(["prod"], []));
    // A keyless environment no pull request previews: the condition is the same.
    expect(await condition(files, only(["prod", "staging"], []))).toBe(prodOnly);
    // The first keyed environment admits the rotation workflow, the first previewed one pull requests.
    const keyed = await condition(files, only(["prod", "dev"], []));
    expect(keyed).not.toBe(prodOnly);
    expect(keyed).toContain(".github/workflows/rotate-keys.yml");
    expect(prodOnly).not.toContain("rotate-keys.yml");
    const previewed = await condition(files, only(["prod", "dev"], ["dev"]));
    expect(previewed).toContain("assertion.event_name == 'pull_request'");
    // After that, more environments of any kind leave it as it is.
    expect(await condition(files, only(["prod", "dev", "staging"], ["dev", "staging"]))).toBe(
      previewed,
    );
  }, 60_000);
});
