/**
 * An admin plane of several CI stacks: each CI stack's check refuses more environments than its CI
 * project's service-account quota holds, counting exactly the accounts it would make, and refuses
 * what it would share with another committed CI stack; an environment's own check refuses being
 * governed by two. Stack files are written in memory, as committed files would be.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCiConfig } from "../../src/config/ci.ts";
import { ciServiceAccounts } from "../../src/config/ci-shards.ts";
import { checkAnyStack } from "../../src/config/any-stack.ts";
import { committedCi, isPreviewed } from "../../src/config/committed-ci.ts";
import { ConfigError, formatProblem, NAMESPACE } from "../../src/config/index.ts";
import type { StackReader } from "../../src/config/stack-file.ts";
import { FLEET_LIMITS } from "../../src/naming.ts";
import { buildCiStack } from "../../src/program.ts";
import { CI_INVOKES } from "../helpers/fake-cloud.ts";
import { runMocked } from "../helpers/mocks.ts";
import { ROOT } from "../helpers/verify-cli.ts";
import {
  ciText,
  committedTexts,
  environmentText,
  governing,
  memoryReader,
  numbered,
  type StackTexts,
} from "../helpers/shards.ts";

/** The CI stack `stack`'s check, reading every file through `reader`. */
function checkCiStack(reader: StackReader, stack: string) {
  const file = reader(stack)!;
  return parseCiConfig(file.raw, {
    stack,
    secretKeys: new Set(file.encrypted),
    readStack: reader,
  });
}

const lines = (result: { problems: Parameters<typeof formatProblem>[0][] }) =>
  result.problems.map(formatProblem);

/** An environment's own check, as under its pulumi up: its problems as lines. */
function checkEnvironment(reader: StackReader, stack: string, raw = reader(stack)!.raw): string[] {
  try {
    checkAnyStack(raw, { stack, secretKeys: new Set(), readStack: reader });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
}

/** `count` environments copied from dev (deployer, previewer and rotator each), under one CI stack. */
function fleet(count: number, ci: Record<string, unknown> = {}): StackTexts {
  const names = numbered(count);
  return {
    ...Object.fromEntries(names.map((n) => [n, environmentText(n)])),
    ci: ciText({ ci: { environments: governing(names), previews: names, ...ci } }),
  };
}

/** The committed files and a second CI stack, ci-eu, in its own project, governing eu-dev and eu-prod. */
function twoShards(eu: { project?: string; ci?: Record<string, unknown> } = {}): StackTexts {
  return {
    ...committedTexts(),
    "eu-dev": environmentText("eu-dev"),
    "eu-prod": environmentText("eu-prod", "staging"),
    "ci-eu": ciText({
      project: eu.project ?? "acme-gemini-ci-eu",
      ci: {
        stateBucketPrefix: "acme-gemini-eu-state",
        environments: governing(["eu-dev", "eu-prod"]),
        previews: ["eu-dev"],
        ...eu.ci,
      },
    }),
  };
}

describe("a CI stack holds as many environments as its CI project's service-account quota", () => {
  test("33 environments with a deployer, previewer and rotator each need 99 accounts, within IAM's default of 100", () => {
    const { config, problems } = checkCiStack(memoryReader(fleet(33)), "ci");
    expect(problems.map(formatProblem)).toEqual([]);
    expect(ciServiceAccounts(config!.environments)).toEqual({
      deployers: 33,
      previewers: 33,
      rotators: 33,
      total: 99,
    });
  });

  test.each([34, 40])(
    "%i such environments are refused before any resource, with the count, the limit, its source and the fix",
    (count) => {
      const result = checkCiStack(memoryReader(fleet(count)), "ci");
      expect(result.config).toBeUndefined();
      expect(lines(result)).toEqual([
        `[ci.environments] "${count} environments (${count} previewed, ${count} with keys)" need ${count * 3} service accounts in the CI project acme-gemini-ci (${count} deployers, ${count} previewers for ci.previews, ${count} rotators for stacks that declare keys); its quota is 100 (ci.serviceAccountQuota; IAM's default is 100 a project, cloud.google.com/iam/quotas), so the up would fail partway once it is reached. Move environments to another CI stack, a stack file of its own that sets gemini-access-kit:ci in a CI project of its own (docs/ci.md, "Many environments: limits and shards"), until this one needs at most 100; or, if acme-gemini-ci's quota was raised, set ci.serviceAccountQuota to it.`,
      ]);
    },
  );

  test("the default is IAM's documented quota", () => {
    expect(FLEET_LIMITS.serviceAccountsPerProject).toMatchObject({ value: 100, kind: "quota" });
    expect(FLEET_LIMITS.serviceAccountsPerProject.source).toContain(
      "https://cloud.google.com/iam/quotas",
    );
  });

  test("what counts is the accounts the stack makes: 34 keyless environments no pull request previews fit", () => {
    const names = numbered(34);
    const texts = {
      ...Object.fromEntries(names.map((n) => [n, environmentText(n, "staging")])),
      ci: ciText({ ci: { environments: governing(names), previews: [] } }),
    };
    const { config, problems } = checkCiStack(memoryReader(texts), "ci");
    expect(problems.map(formatProblem)).toEqual([]);
    expect(ciServiceAccounts(config!.environments).total).toBe(34);
  });

  test("ci.serviceAccountQuota admits more where the CI project's quota was raised, and must be a whole number", () => {
    expect(
      lines(checkCiStack(memoryReader(fleet(34, { serviceAccountQuota: 102 })), "ci")),
    ).toEqual([]);
    expect(
      lines(checkCiStack(memoryReader(fleet(34, { serviceAccountQuota: 101 })), "ci"))[0],
    ).toContain("need 102 service accounts");
    expect(
      lines(checkCiStack(memoryReader(fleet(1, { serviceAccountQuota: "lots" })), "ci")),
    ).toEqual([
      `[ci.serviceAccountQuota] "lots" is not a whole number of service accounts of at least 1. Set the CI project's service-account quota (IAM's default is 100), or leave it out.`,
    ]);
  });

  test.each([
    [
      "the committed CI stack",
      committedTexts(),
      { deployers: 3, previewers: 2, rotators: 1, total: 6 },
    ],
    [
      "a fleet of 7 keyed, previewed environments",
      fleet(7),
      { deployers: 7, previewers: 7, rotators: 7, total: 21 },
    ],
  ])(
    "the count for %s is exactly the service accounts the program registers in the CI project",
    async (_what, texts, expected) => {
      const { config } = checkCiStack(memoryReader(texts), "ci");
      expect(ciServiceAccounts(config!.environments)).toEqual(expected);
      const d = await runMocked(() => buildCiStack(config!), { stack: "ci", invokes: CI_INVOKES });
      const inCiProject = d
        .ofType("gcp:serviceaccount/account:Account")
        .filter((r) => r.inputs.project === config!.project);
      expect(inCiProject).toHaveLength(expected.total);
    },
    30_000,
  );
});

describe("several CI stacks, each in its own CI project, governing their own environments", () => {
  test("a second committed CI stack passes its check and leaves the first's unchanged", () => {
    const reader = memoryReader(twoShards());
    const eu = checkCiStack(reader, "ci-eu");
    expect(lines(eu)).toEqual([]);
    expect(eu.config!.environments.map((e) => e.name)).toEqual(["eu-dev", "eu-prod"]);
    expect(eu.config!.environments[0]!.deployer.email).toBe(
      "gak-deploy-eu-dev@acme-gemini-ci-eu.iam.gserviceaccount.com",
    );
    expect(lines(checkCiStack(reader, "ci"))).toEqual([]);
  });

  test("an environment's own check reads the CI stack that governs it: its pool, its previews", () => {
    const reader = memoryReader(twoShards());
    expect(committedCi(reader, "eu-dev")).toEqual({
      stackFile: "stacks/Pulumi.ci-eu.yaml",
      poolId: "gak-github",
      previews: ["eu-dev"],
    });
    expect(committedCi(reader, "dev")?.stackFile).toBe("stacks/Pulumi.ci.yaml");
    expect(committedCi(reader)?.stackFile).toBe("stacks/Pulumi.ci.yaml");
    expect([isPreviewed("eu-dev", reader), isPreviewed("eu-prod", reader)]).toEqual([true, false]);
    for (const stack of ["eu-dev", "eu-prod", "dev", "staging"])
      expect(checkEnvironment(reader, stack)).toEqual([]);
    const client = `${NAMESPACE}:oauthClientJson`;
    const file = reader("eu-dev")!;
    let found: string[] = [];
    try {
      checkAnyStack(
        { ...file.raw, [client]: "{}" },
        { stack: "eu-dev", secretKeys: new Set([client]), encrypted: [client], readStack: reader },
      );
    } catch (err) {
      found = (err as ConfigError).problems.map(formatProblem);
    }
    expect(found).toContainEqual(
      expect.stringContaining(
        "and pull requests preview eu-dev (ci.previews in stacks/Pulumi.ci-eu.yaml)",
      ),
    );
  });

  test("an environment two CI stacks list is refused by both and by its own check, naming both files", () => {
    const reader = memoryReader(
      twoShards({ ci: { environments: governing(["eu-dev", "eu-prod", "staging"]) } }),
    );
    expect(lines(checkCiStack(reader, "ci"))).toEqual([
      `[ci.environments.staging] "staging" is also governed by stacks/Pulumi.ci-eu.yaml: each CI stack would create its foundation, CI accounts and state bucket, and each one's up would undo the other's. Keep staging under ci.environments in one CI stack file: remove it from stacks/Pulumi.ci.yaml or from stacks/Pulumi.ci-eu.yaml.`,
    ]);
    expect(lines(checkCiStack(reader, "ci-eu"))).toEqual([
      `[ci.environments.staging] "staging" is also governed by stacks/Pulumi.ci.yaml: each CI stack would create its foundation, CI accounts and state bucket, and each one's up would undo the other's. Keep staging under ci.environments in one CI stack file: remove it from stacks/Pulumi.ci-eu.yaml or from stacks/Pulumi.ci.yaml.`,
    ]);
    expect(checkEnvironment(reader, "staging")).toEqual([
      `[foundation] "ci" is applied by 2 CI stacks: stacks/Pulumi.ci.yaml and stacks/Pulumi.ci-eu.yaml each list staging under ci.environments, so each would create its foundation, CI accounts and state bucket, and each one's up would undo the other's. Keep staging under ci.environments in one CI stack file: remove it from all but one of stacks/Pulumi.ci.yaml, stacks/Pulumi.ci-eu.yaml.`,
    ]);
  });

  test("two CI stacks in one CI project are refused, naming the pool both would make", () => {
    const reader = memoryReader(twoShards({ project: "acme-gemini-ci" }));
    expect(lines(checkCiStack(reader, "ci-eu"))).toEqual([
      `[gcp:project] "acme-gemini-ci" is also the CI project of stacks/Pulumi.ci.yaml: two CI stacks in one project share its service-account quota, its key ring and its pool ids, and each one's up would change what the other made, and both name the pool gak-github, which a project holds once. Give each CI stack a CI project of its own: change gcp:project in stacks/Pulumi.ci-eu.yaml or stacks/Pulumi.ci.yaml.`,
    ]);
  });

  test.each([
    ["the same prefix", "acme-gemini-state", true],
    ["a prefix the other starts, followed by a hyphen", "acme-gemini-state-eu", true],
    ["a prefix that starts the other's without a hyphen after it", "acme-gemini-stateeu", false],
    ["a prefix of its own", "acme-gemini-eu-state", false],
  ])(
    "a state bucket prefix of %s is refused only when bucket names could meet",
    (_what, prefix, refused) => {
      const reader = memoryReader(twoShards({ ci: { stateBucketPrefix: prefix } }));
      const found = lines(checkCiStack(reader, "ci-eu"));
      if (!refused) return expect(found).toEqual([]);
      expect(found).toEqual([
        `[ci.stateBucketPrefix] "${prefix}" meets stacks/Pulumi.ci.yaml's "acme-gemini-state": state buckets are <stateBucketPrefix>-<environment>, so the two CI stacks could name the same bucket. Give each CI stack a prefix that neither equals nor starts the other's followed by a hyphen: change ci.stateBucketPrefix in stacks/Pulumi.ci-eu.yaml or stacks/Pulumi.ci.yaml.`,
      ]);
    },
  );

  test("a GitHub environment another CI stack's job runs in is refused: either job could act as the other's account", () => {
    const reader = memoryReader(
      twoShards({
        ci: { environments: { "eu-dev": { githubEnvironment: "dev" }, "eu-prod": {} } },
      }),
    );
    expect(lines(checkCiStack(reader, "ci-eu"))).toEqual([
      `[ci.environments.eu-dev.githubEnvironment] "dev" is also the GitHub environment of dev's deploy job in stacks/Pulumi.ci.yaml: each job's trust is told apart by its GitHub environment, so either job could act as the other's account. Give every environment's deploy and rotation jobs GitHub environments of their own, across CI stacks too.`,
      `[ci.environments.eu-dev.rotationEnvironment] "dev-rotation" is also the GitHub environment of dev's rotation job in stacks/Pulumi.ci.yaml: each job's trust is told apart by its GitHub environment, so either job could act as the other's account. Give every environment's deploy and rotation jobs GitHub environments of their own, across CI stacks too.`,
    ]);
  });

  test("an environment in the project of another CI stack's environment is refused", () => {
    const texts = twoShards();
    texts["eu-prod"] = texts["eu-prod"]!.replace("acme-gemini-eu-prod", "acme-gemini-prod");
    expect(lines(checkCiStack(memoryReader(texts), "ci-eu"))).toEqual([
      expect.stringMatching(
        /^\[ci\.environments\.eu-prod\] "acme-gemini-prod" is also the project of prod, which stacks\/Pulumi\.ci\.yaml governs: .*Give each environment a project of its own: change gcp:project in stacks\/Pulumi\.eu-prod\.yaml or stacks\/Pulumi\.prod\.yaml\.$/,
      ),
    ]);
  });

  test("an environment in another CI stack's CI project is refused", () => {
    const texts = twoShards();
    texts["eu-prod"] = texts["eu-prod"]!.replace("acme-gemini-eu-prod", "acme-gemini-ci");
    expect(lines(checkCiStack(memoryReader(texts), "ci-eu"))).toEqual([
      `[ci.environments.eu-prod] "acme-gemini-ci" deploys to the CI project of stacks/Pulumi.ci.yaml; CI's accounts and state must live apart from what CI deploys. Deploy eu-prod to a project of its own (gcp:project in stacks/Pulumi.eu-prod.yaml).`,
    ]);
  });

  test("no member list may name another CI stack's pool, which admits the repository's jobs too", () => {
    const texts = twoShards({ ci: { poolId: "actions-eu" } });
    const member =
      "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/actions-eu/attribute.repository/acme/gemini-platform";
    texts.dev = texts.dev!.replace(
      "keyReaders:\n        - group:gemini-dev@example.com",
      `keyReaders:\n        - ${member}`,
    );
    const reader = memoryReader(texts);
    const expected = `is in the CI stack's workload identity pool actions-eu (ci.poolId in stacks/Pulumi.ci-eu.yaml)`;
    expect(checkEnvironment(reader, "dev")).toEqual([expect.stringContaining(expected)]);
    expect(lines(checkCiStack(reader, "ci"))).toEqual([expect.stringContaining(expected)]);
  });
});

describe("docs/ci.md's limits table", () => {
  const doc = readFileSync(join(ROOT, "docs", "ci.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Many environments: limits and shards"));
  const rows = section.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Google's"));

  test.each(Object.entries(FLEET_LIMITS))(
    "states %s with naming.ts's value, kind and every source it cites",
    (_name, limit) => {
      const urls = limit.source.match(/https:\/\/[^\s;)]+/g)!;
      const value = limit.value.toLocaleString("en-US");
      const cells = rows
        .filter((r) => urls.every((u) => r.includes(u)))
        .map((r) => r.split(" | "))
        .filter((c) => c[1] === value || c[1]!.startsWith(`${value} `));
      expect(cells.map((c) => c[2])).toEqual([limit.kind]);
    },
  );

  test("shows the quota refusal exactly as the check prints it for 34 environments", () => {
    const [line] = lines(checkCiStack(memoryReader(fleet(34)), "ci"));
    expect(section).toContain(`\n${line!}\n`);
  });
});
