/**
 * IAM's limits on conditions (src/naming.ts, IAM_CONDITION_LIMITS: 12 logical operators a
 * condition, 20 conditional bindings of one role and member) over any CI stack: whatever number of
 * keyed accounts and API key an environment declares, the config check refuses it, or every binding
 * the CI stack registers is within the limits. The mock runner (test/helpers/mocks.ts) refuses a
 * run past them as Google's setIamPolicy would, so a breach fails the run as well as the assertions.
 */

import fc from "fast-check";
import { formatProblem } from "../../src/config/index.ts";
import { IAM_CONDITION_LIMITS, logicalOperators } from "../../src/naming.ts";
import { buildCiStack } from "../../src/program.ts";
import { checkCi, editedDev } from "../helpers/ci-stack.ts";
import { CI_INVOKES } from "../helpers/fake-cloud.ts";
import { runMocked, type RecordedResource } from "../helpers/mocks.ts";

/** The dev stack with `keyed` accounts that issue keys, and an API key bound to the first when `apiKey`. */
function devWith(keyed: number, apiKey: boolean) {
  return editedDev((c) => {
    const accounts = Object.fromEntries(
      Array.from({ length: Math.max(keyed, 1) }, (_, i) => [
        i === 0 ? "runtime" : `svc${i}`,
        i < keyed
          ? {
              roles: ["roles/serviceusage.serviceUsageConsumer"],
              createKey: true,
              keyReaders: ["group:gemini-dev@example.com"],
            }
          : {
              roles: ["roles/serviceusage.serviceUsageConsumer"],
              impersonators: ["group:gemini-dev@example.com"],
            },
      ]),
    );
    c["gemini-access-kit:serviceAccounts"] = accounts;
    if (apiKey)
      c["gemini-access-kit:apiKey"] = {
        serviceAccount: "runtime",
        readers: ["group:gemini-dev@example.com"],
      };
    else delete c["gemini-access-kit:apiKey"];
  });
}

/** Each conditional binding's operators, and the largest number of bindings of one role and member on one resource. */
function conditionFigures(resources: readonly RecordedResource[]) {
  // The key secrets' bindings: the conditions that grow with what a stack declares.
  const bindings = resources.filter(
    (r) =>
      /IAMMember$/.test(r.type) &&
      (r.inputs.condition as { title?: string } | undefined)?.title?.startsWith("key-secret-") ===
        true,
  );
  const expressions = bindings.map(
    (r) => (r.inputs.condition as { expression: string }).expression,
  );
  const counts = new Map<string, number>();
  for (const r of bindings) {
    const key = JSON.stringify([r.type, r.inputs.project, r.inputs.role, r.inputs.member]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return {
    mostOperators: Math.max(0, ...expressions.map(logicalOperators)),
    mostBindings: Math.max(0, ...counts.values()),
  };
}

describe("IAM's limits on conditions", () => {
  test("counts the logical operators of an expression, not the characters inside its strings", () => {
    expect(logicalOperators("a == 'x' || b.startsWith('y') && !c")).toBe(3);
    expect(logicalOperators("resource.name != 'a||b&&c!'")).toBe(0);
  });

  test("any stack the config check accepts registers conditions within them, whatever keys it issues", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 24 }), fc.boolean(), async (keyed, apiKey) => {
        const { config, problems } = checkCi(devWith(keyed, apiKey));
        const secrets = keyed + (apiKey ? 1 : 0);
        if (config === undefined) {
          expect(secrets).toBeGreaterThan(IAM_CONDITION_LIMITS.bindingsPerRoleAndMember);
          expect(problems.map(formatProblem).join("\n")).toMatch(/IAM allows at most 20/);
          return;
        }
        const d = await runMocked(() => buildCiStack(config), { stack: "ci", invokes: CI_INVOKES });
        const figures = conditionFigures(d.resources);
        expect(figures.mostOperators).toBeLessThanOrEqual(IAM_CONDITION_LIMITS.logicalOperators);
        expect(figures.mostBindings).toBeLessThanOrEqual(
          IAM_CONDITION_LIMITS.bindingsPerRoleAndMember,
        );
      }),
      {
        numRuns: 8,
        examples: [
          [20, false],
          [19, true],
          [7, false],
          [0, true],
        ],
      },
    );
  }, 60_000);

  test("20 key secrets are the most: the rotator gets one binding each, a condition of one operator", async () => {
    const { config } = checkCi(devWith(19, true));
    const d = await runMocked(() => buildCiStack(config!), { stack: "ci", invokes: CI_INVOKES });
    expect(conditionFigures(d.resources)).toEqual({ mostOperators: 1, mostBindings: 20 });
  });

  test("a 21st key secret is refused before any resource, with the limit and the fix", () => {
    const { config, problems } = checkCi(devWith(20, true));
    expect(config).toBeUndefined();
    expect(problems.map(formatProblem)).toContainEqual(
      expect.stringMatching(
        /^\[stacks\/Pulumi\.dev\.yaml serviceAccounts\] "20 accounts with createKey and an apiKey" give 21 key secrets; .*IAM allows at most 20 \(cloud\.google\.com\/iam\/quotas\)\. Give at most 20 accounts createKey: true/,
      ),
    );
  });
});
