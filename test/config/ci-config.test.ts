/**
 * The CI stack's config check: the committed CI stack resolves to the identities, state and trust CI
 * runs with, and each mistake in it, or in an environment stack it governs, is one problem naming the
 * key, the value, what is allowed and what to do. Inputs are the committed files, edited in memory.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatProblem, NAMESPACE, type Problem, type RawConfig } from "../../src/config/index.ts";
import { parseCiConfig } from "../../src/config/ci.ts";
import { parseStackFile, stackReader, type StackFile } from "../../src/config/stack-file.ts";
import { SECRET_KEYS } from "../helpers/fixtures.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const CI_KEY = `${NAMESPACE}:ci`;
const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

const text = (stack: string) => readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");
const stackFile = (stack: string, yaml = text(stack)): StackFile =>
  parseStackFile(yaml, `stacks/Pulumi.${stack}.yaml`);
const CI = stackFile("ci");
const committedCi = JSON.parse(CI.raw[CI_KEY]!) as {
  repository: string;
  repositoryId: string;
  repositoryOwnerId: string;
  stateBucketPrefix: string;
  previews: string[];
};

/** The committed CI stack's raw config with its `ci` object changed by `edit`. */
function ciRaw(edit: (ci: Record<string, unknown>) => void): RawConfig {
  const ci = JSON.parse(CI.raw[CI_KEY]!) as Record<string, unknown>;
  edit(ci);
  return { ...CI.raw, [CI_KEY]: JSON.stringify(ci) };
}

/** An environment's committed file with some of its raw values replaced (undefined removes one). */
function envWith(stack: string, values: Record<string, string | undefined>): StackFile {
  const file = stackFile(stack);
  const raw: Record<string, string> = { ...file.raw };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete raw[key];
    else raw[key] = value;
  }
  return { ...file, raw };
}

/** Checks `raw` against the committed environment files, with `files` in place of some of them. */
function check(raw: RawConfig, files: Record<string, StackFile> = {}) {
  const stacks = new Map<string, StackFile>(ENVIRONMENTS.map((s) => [s, stackFile(s)]));
  for (const [name, file] of Object.entries(files)) stacks.set(name, file);
  return parseCiConfig(raw, {
    stack: "ci",
    secretKeys: SECRET_KEYS,
    readStack: (name) => stacks.get(name),
  });
}

/** The one problem `raw` must produce, with its path and value; the test then checks its message and fix. */
function onlyProblem(result: { config?: unknown; problems: Problem[] }): Problem {
  expect(result.config).toBeUndefined();
  expect(result.problems.map(formatProblem)).toHaveLength(1);
  return result.problems[0]!;
}

describe("the committed CI stack", () => {
  const { config, problems } = parseCiConfig(CI.raw, {
    stack: "ci",
    secretKeys: SECRET_KEYS,
    readStack: stackReader(ROOT, (p) => readFileSync(p, "utf8")),
  });
  const project = CI.raw["gcp:project"]!;
  const prefix = CI.raw[`${NAMESPACE}:namePrefix`]!;
  const env = (name: string) => config!.environments.find((e) => e.name === name)!;

  test("parses with no problems, for every environment it lists, sorted by name", () => {
    expect(problems.map(formatProblem)).toEqual([]);
    expect(config!.environments.map((e) => e.name)).toEqual(["dev", "prod", "staging"]);
  });

  test.each(ENVIRONMENTS)(
    "gives %s a deployer account in the CI project, its own state bucket and its own KMS key",
    (name) => {
      expect(env(name).deployer).toEqual({
        accountId: `${prefix}-deploy-${name}`,
        email: `${prefix}-deploy-${name}@${project}.iam.gserviceaccount.com`,
      });
      expect(env(name).stateBucket).toBe(`${committedCi.stateBucketPrefix}-${name}`);
      expect(env(name).kmsKeyId).toBe(name);
    },
  );

  test("gives a previewer account only to the environments in ci.previews (dev and staging), none to prod", () => {
    expect(committedCi.previews).toEqual(["dev", "staging"]);
    for (const name of ["dev", "staging"]) {
      expect(env(name).previewer).toEqual({
        accountId: `${prefix}-preview-${name}`,
        email: `${prefix}-preview-${name}@${project}.iam.gserviceaccount.com`,
      });
    }
    expect(env("prod").previewer).toBeUndefined();
  });

  test("deploys from the main branch through .github/workflows/pulumi-up.yml, with a pool named after the prefix, when the file says nothing else", () => {
    expect(config).toMatchObject({
      deployBranch: "main",
      deployWorkflow: ".github/workflows/pulumi-up.yml",
      poolId: `${prefix}-github`,
    });
  });

  test("gives a rotator account only to the environments whose stack declares keys (dev), rotating from .github/workflows/rotate-keys.yml in <environment>-rotation", () => {
    expect(config!.rotateWorkflow).toBe(".github/workflows/rotate-keys.yml");
    expect(env("dev").rotator).toEqual({
      accountId: `${prefix}-rotate-dev`,
      email: `${prefix}-rotate-dev@${project}.iam.gserviceaccount.com`,
    });
    expect(env("dev").rotationEnvironment).toBe("dev-rotation");
    for (const name of ["staging", "prod"]) expect(env(name).rotator).toBeUndefined();
  });
});

describe("the provider settings a stack file may set", () => {
  test("the CI stack's file may set the project, region, zone and default labels", () => {
    const raw = {
      ...CI.raw,
      "gcp:region": "europe-west1",
      "gcp:zone": "europe-west1-b",
      "gcp:defaultLabels": '{"team":"platform"}',
    };
    expect(check(raw).problems.map(formatProblem)).toEqual([]);
  });

  test("the CI stack's file may not make the provider impersonate another account", () => {
    const value = "owner@acme-gemini-ci.iam.gserviceaccount.com";
    const problem = onlyProblem(check({ ...CI.raw, "gcp:impersonateServiceAccount": value }));
    expect([problem.path, problem.got]).toEqual(["gcp:impersonateServiceAccount", value]);
    expect(problem.message).toContain("would change whose identity deploys");
    expect(problem.fix).toBe("Remove it from stacks/Pulumi.ci.yaml.");
  });

  test("a misspelt project is one problem that names the key it means, not also that gcp:project is not set", () => {
    const { "gcp:project": project, ...rest } = CI.raw;
    const problem = onlyProblem(check({ ...rest, "gcp:projet": project! }));
    expect([problem.path, problem.fix]).toEqual(["gcp:projet", "Did you mean gcp:project?"]);
  });

  test("nor may a governed environment's file send the provider's calls elsewhere, which the CI stack reports with that file's name", () => {
    const value = "https://secrets.example.net/v1/";
    const staging = envWith("staging", { "gcp:secretManagerCustomEndpoint": value });
    const problem = onlyProblem(check(CI.raw, { staging }));
    expect([problem.path, problem.got]).toEqual([
      "stacks/Pulumi.staging.yaml gcp:secretManagerCustomEndpoint",
      value,
    ]);
    expect(problem.message).toContain("would send the deployer's access token");
    expect(problem.fix).toBe("Remove it from stacks/Pulumi.staging.yaml.");
  });
});

describe("the repository the trust pins", () => {
  test.each([
    ["repositoryId", ".id"],
    ["repositoryOwnerId", ".owner.id"],
  ])("a missing %s is refused, and the fix gives the gh command that prints it", (field, jq) => {
    const problem = onlyProblem(check(ciRaw((ci) => delete ci[field])));
    expect(problem.path).toBe(`ci.${field}`);
    expect(problem.message).toContain("is not set; the trust pins GitHub's numeric id");
    expect(problem.fix).toContain(`gh api repos/OWNER/NAME --jq ${jq}`);
  });

  test("an id that is not a number is refused, and the fix says where to find the number", () => {
    const problem = onlyProblem(
      check(
        ciRaw((ci) => {
          ci.repositoryId = "acme";
        }),
      ),
    );
    expect([problem.path, problem.got]).toEqual(["ci.repositoryId", "acme"]);
    expect(problem.message).toContain("is not a GitHub numeric id");
    // Quoting "acme" would not make it an id: the person needs the number, which the gh command prints.
    expect(problem.fix).toContain("gh api repos/OWNER/NAME --jq .id");
  });

  test("an id written as a bare YAML number is one problem that says to quote it, not also that the id is not set", () => {
    const problem = onlyProblem(
      check(
        ciRaw((ci) => {
          ci.repositoryId = 812345671;
        }),
      ),
    );
    expect([problem.path, problem.got]).toEqual(["ci.repositoryId", 812345671]);
    expect(problem.fix).toMatch(/quote/i);
  });
});

test("a deploy workflow that is not a file under .github/workflows is refused", () => {
  const problem = onlyProblem(
    check(
      ciRaw((ci) => {
        ci.deployWorkflow = "pulumi-up.yml";
      }),
    ),
  );
  expect([problem.path, problem.got]).toEqual(["ci.deployWorkflow", "pulumi-up.yml"]);
  expect(problem.message).toContain("is not a workflow file's path, .github/workflows/NAME.yml");
  expect(problem.fix).toContain("Name the workflow file whose jobs deploy");
});

test.each([
  [
    "not a file under .github/workflows",
    "rotate-keys.yml",
    "is not a workflow file's path, .github/workflows/NAME.yml",
    "Name the workflow file whose jobs rotate keys.",
  ],
  [
    "the deploy workflow itself",
    ".github/workflows/pulumi-up.yml",
    "is the deploy workflow; each job's trust is told apart by its workflow file",
    "Name a workflow file of its own.",
  ],
])("a rotation workflow that is %s is refused", (_what, value, message, fix) => {
  const problem = onlyProblem(
    check(
      ciRaw((ci) => {
        ci.rotateWorkflow = value;
      }),
    ),
  );
  expect([problem.path, problem.got, problem.message, problem.fix]).toEqual([
    "ci.rotateWorkflow",
    value,
    message,
    fix,
  ]);
});

test.each([
  [
    "prod's rotation in dev's",
    { dev: {}, staging: {}, prod: { rotationEnvironment: "dev-rotation" } },
    "ci.environments.prod.rotationEnvironment",
  ],
  [
    "dev's rotation in its own deploy environment",
    { dev: { rotationEnvironment: "dev" }, staging: {}, prod: {} },
    "ci.environments.dev.rotationEnvironment",
  ],
  [
    "two stacks deploying in one environment",
    { dev: {}, staging: { githubEnvironment: "dev" }, prod: {} },
    "ci.environments.staging.githubEnvironment",
  ],
])(
  "a GitHub environment shared by two jobs (%s) is refused: each job's trust is told apart by it",
  (_what, environments, path) => {
    const { problems } = check(
      ciRaw((ci) => {
        ci.environments = environments;
      }),
    );
    expect(problems.map((p) => p.path)).toContain(path);
    expect(problems.find((p) => p.path === path)!.message).toContain(
      "each job's trust is told apart by its GitHub environment",
    );
  },
);

describe("the environments CI deploys and previews", () => {
  test("a CI stack that lists no environment is refused: CI could deploy nothing", () => {
    const problem = onlyProblem(
      check(
        ciRaw((ci) => {
          ci.environments = {};
          ci.previews = [];
        }),
      ),
    );
    expect(problem.path).toBe("ci.environments");
    expect(problem.message).toContain("names no environment, so CI could deploy nothing");
    expect(problem.fix).toContain("List each environment stack under ci.environments");
  });

  test("an environment without a committed stack file is refused, naming the file it looked for", () => {
    const problem = onlyProblem(
      check(
        ciRaw((ci) => {
          ci.environments = { ...(ci.environments as object), qa: {} };
        }),
      ),
    );
    expect([problem.path, problem.got]).toEqual(["ci.environments.qa", "qa"]);
    expect(problem.message).toContain("there is no stacks/Pulumi.qa.yaml");
    expect(problem.fix).toContain("add its stack file");
  });

  test("a preview of an environment the CI stack does not govern is refused", () => {
    const problem = onlyProblem(
      check(
        ciRaw((ci) => {
          ci.previews = ["dev", "staging", "qa"];
        }),
      ),
    );
    expect([problem.path, problem.got]).toEqual(["ci.previews", "qa"]);
    expect(problem.message).toContain("is not among ci.environments");
    expect(problem.fix).toContain("Name an environment the CI stack governs");
  });
});

describe("pull-request previews never get the key to an environment's secrets", () => {
  const ciphertext = "v1:bm90LWEtc2VjcmV0";
  const encryptedDev = () =>
    stackFile("dev", `${text("dev")}  ${NAMESPACE}:oauthClientJson:\n    secure: ${ciphertext}\n`);

  test("a preview of an environment whose stack file holds an encrypted value is refused, without showing the value", () => {
    expect(encryptedDev().encrypted).toEqual([`${NAMESPACE}:oauthClientJson`]);
    const problem = onlyProblem(check(CI.raw, { dev: encryptedDev() }));
    expect([problem.path, problem.got]).toEqual(["ci.previews", "dev"]);
    expect(problem.message).toContain(
      `would let every pull request decrypt stacks/Pulumi.dev.yaml's secret settings (${NAMESPACE}:oauthClientJson)`,
    );
    expect(problem.fix).toContain("Remove dev from ci.previews");
    expect(formatProblem(problem)).not.toContain(ciphertext);
  });

  test("the same environment passes when pull requests do not preview it", () => {
    expect(
      check(
        ciRaw((ci) => {
          ci.previews = ["staging"];
        }),
      ).problems,
    ).toEqual([]);
    expect(
      check(
        ciRaw((ci) => {
          ci.previews = ["staging"];
        }),
        { dev: encryptedDev() },
      ).problems,
    ).toEqual([]);
  });

  test("a preview of an environment that keeps its secrets with a passphrase is refused: the passphrase opens every passphrase stack", () => {
    const dev = stackFile("dev", `encryptionsalt: v1:c2FsdA==:v1:bm90LWEta2V5\n${text("dev")}`);
    expect(dev.secretsProvider).toBe("passphrase");
    const problem = onlyProblem(check(CI.raw, { dev }));
    expect([problem.path, problem.got]).toEqual(["ci.previews", "dev"]);
    expect(problem.message).toContain(
      "cannot be previewed by pull requests: stacks/Pulumi.dev.yaml uses a passphrase",
    );
    expect(problem.fix).toContain("or remove it from ci.previews");
  });

  test("a production environment on a passphrase is refused by the CI stack's check too, naming its file", () => {
    const prod = stackFile("prod", `encryptionsalt: v1:c2FsdA==:v1:bm90LWEta2V5\n${text("prod")}`);
    const problem = onlyProblem(check(CI.raw, { prod }));
    expect(problem.path).toBe("stacks/Pulumi.prod.yaml production");
    expect(problem.message).toContain("its secrets are encrypted with a passphrase");
  });

  test("a preview of an environment that requires the OAuth client is refused", () => {
    const staging = envWith("staging", { [`${NAMESPACE}:oauthClientRequired`]: "true" });
    const problem = onlyProblem(check(CI.raw, { staging }));
    expect([problem.path, problem.got]).toEqual(["ci.previews", "staging"]);
    expect(problem.message).toContain(
      "decrypt stacks/Pulumi.staging.yaml's secret settings (the required OAuth client)",
    );
    expect(problem.fix).toContain("Remove staging from ci.previews");
  });
});

describe("no environment the CI stack governs grants anything to CI's own pool or to a whole pool", () => {
  const stagingImpersonators = (members: string[]) => {
    const accounts = JSON.parse(
      stackFile("staging").raw[`${NAMESPACE}:serviceAccounts`]!,
    ) as Record<string, { impersonators: string[] }>;
    accounts.runtime!.impersonators = members;
    return envWith("staging", { [`${NAMESPACE}:serviceAccounts`]: JSON.stringify(accounts) });
  };
  const pool = (id: string) =>
    `iam.googleapis.com/projects/412345678901/locations/global/workloadIdentityPools/${id}`;

  test("an identity of the CI stack's pool is refused, with the environment's file, the pool and what it could do", () => {
    const member = `principal://${pool("gak-github")}/subject/repo:acme/gemini-platform:environment:staging`;
    const problem = onlyProblem(check(CI.raw, { staging: stagingImpersonators([member]) }));
    expect([problem.path, problem.got]).toEqual([
      "stacks/Pulumi.staging.yaml serviceAccounts.runtime.impersonators[0]",
      member,
    ]);
    expect(problem.message).toBe(
      "is in the CI stack's workload identity pool gak-github (ci.poolId in stacks/Pulumi.ci.yaml), which admits this repository's workflow jobs: every pull request (or every job of the repository) could then act as the account",
    );
    expect(problem.fix).toContain("Name the people, groups or accounts that need it instead");
  });

  test("the pool is the one ci.poolId names", () => {
    const member = `principalSet://${pool("actions")}/attribute.repository/acme/gemini-platform`;
    const raw = ciRaw((ci) => {
      ci.poolId = "actions";
    });
    expect(check(raw).problems).toEqual([]);
    const problem = onlyProblem(check(raw, { staging: stagingImpersonators([member]) }));
    expect(problem.message).toContain("is in the CI stack's workload identity pool actions");
  });

  test("another pool's whole population is refused; one of its groups passes", () => {
    const problem = onlyProblem(
      check(CI.raw, { staging: stagingImpersonators([`principalSet://${pool("partners")}/*`]) }),
    );
    expect(problem.path).toBe(
      "stacks/Pulumi.staging.yaml serviceAccounts.runtime.impersonators[0]",
    );
    expect(problem.message).toContain("is every identity workload identity pool partners admits");
    const group = `principalSet://${pool("partners")}/group/analysts`;
    expect(check(CI.raw, { staging: stagingImpersonators([group]) }).problems).toEqual([]);
  });
});

describe("ci.environments.<env>.adoptSecrets", () => {
  const withAdopt = (value: unknown) =>
    ciRaw((ci) => {
      (ci.environments as Record<string, Record<string, unknown>>).dev!.adoptSecrets = value;
    });

  test("true adopts the secrets an earlier environment stack made; left out, the CI stack creates them", () => {
    const env = (raw: RawConfig) => check(raw).config!.environments.find((e) => e.name === "dev")!;
    expect(env(withAdopt(true)).adoptSecrets).toBe(true);
    expect(env(CI.raw).adoptSecrets).toBe(false);
  });

  test("anything but a boolean is refused", () => {
    const problem = onlyProblem(check(withAdopt("yes")));
    expect(problem.path).toBe("ci.environments.dev.adoptSecrets");
  });
});

describe("the verify gate's probe account is nobody's consumer", () => {
  const PROBE = "serviceAccount:gak-probe-staging@acme-gemini-staging.iam.gserviceaccount.com";
  const stagingAccounts = (edit: (a: Record<string, Record<string, unknown>>) => void) => {
    const accounts = JSON.parse(
      stackFile("staging").raw[`${NAMESPACE}:serviceAccounts`]!,
    ) as Record<string, Record<string, unknown>>;
    edit(accounts);
    return envWith("staging", { [`${NAMESPACE}:serviceAccounts`]: JSON.stringify(accounts) });
  };

  test("an impersonator list naming it is refused: the deployer would reach what it lists", () => {
    const problem = onlyProblem(
      check(CI.raw, {
        staging: stagingAccounts((a) => {
          a.runtime!.impersonators = [PROBE];
        }),
      }),
    );
    expect([problem.path, problem.got]).toEqual([
      "stacks/Pulumi.staging.yaml serviceAccounts.runtime.impersonators",
      PROBE,
    ]);
    expect(problem.message).toBe(
      "is the account CI's verify gate acts as: the deployer of every run could then read or act as what it lists",
    );
  });

  test("an OAuth client reader naming it is refused", () => {
    const staging = envWith("staging", {
      [`${NAMESPACE}:oauthClientReaders`]: JSON.stringify([PROBE]),
    });
    expect(onlyProblem(check(CI.raw, { staging })).path).toBe(
      "stacks/Pulumi.staging.yaml oauthClientReaders",
    );
  });

  test("an account of the stack whose id is the probe's is refused", () => {
    const problem = onlyProblem(
      check(CI.raw, {
        staging: stagingAccounts((a) => {
          a.probe = { displayName: "Probe", description: "Mine.", roles: [] };
        }),
      }),
    );
    expect([problem.path, problem.got]).toEqual([
      "stacks/Pulumi.staging.yaml serviceAccounts.probe",
      "gak-probe-staging",
    ]);
  });

  test("the committed environments name it nowhere", () => {
    expect(check(CI.raw).problems).toEqual([]);
  });
});

describe("what the CI stack governs must be an environment apart from CI", () => {
  test.each([
    ["says foundation: stack", "stack"],
    ["leaves foundation at its default", undefined],
  ])(
    "an environment whose stack file %s is refused: both stacks would create its accounts",
    (_name, foundation) => {
      const problem = onlyProblem(
        check(CI.raw, { staging: envWith("staging", { [`${NAMESPACE}:foundation`]: foundation }) }),
      );
      expect([problem.path, problem.got]).toEqual(["ci.environments.staging", "staging"]);
      expect(problem.message).toContain(
        "does not set foundation: ci, so both stacks would create its accounts",
      );
      expect(problem.fix).toContain(
        `Set ${NAMESPACE}:foundation: ci in stacks/Pulumi.staging.yaml`,
      );
    },
  );

  describe("one project per environment", () => {
    const dev = stackFile("dev").raw["gcp:project"]!;
    const SHARED = `is also the project of ci.environments.dev: what CI grants is scoped to a project (the rotator reads every API key in it, the deployer manages every secret its name prefix starts), so either environment's jobs could read or change the other's`;
    const FIX =
      "Give each environment a project of its own: change gcp:project in stacks/Pulumi.staging.yaml or stacks/Pulumi.dev.yaml.";

    test.each([
      [
        "the same name prefix",
        "gak",
        `; and their name prefixes "gak" and "gak" overlap, so one's ids and secret conditions (<namePrefix>-*) also match the other's`,
      ],
      [
        "a name prefix that starts with the other's",
        "gak-dev",
        `; and their name prefixes "gak" and "gak-dev" overlap, so one's ids and secret conditions (<namePrefix>-*) also match the other's`,
      ],
      ["a name prefix apart from the other's", "stg", ""],
    ])(
      "two environments in one project are refused, naming both; with %s, the overlap too",
      (_what, prefix, overlap) => {
        const staging = envWith("staging", {
          "gcp:project": dev,
          [`${NAMESPACE}:namePrefix`]: prefix,
        });
        const problem = onlyProblem(check(CI.raw, { staging }));
        expect([problem.path, problem.got, problem.message, problem.fix]).toEqual([
          "ci.environments.staging",
          dev,
          SHARED + overlap,
          FIX,
        ]);
      },
    );

    test("overlapping name prefixes in projects of their own pass", () => {
      const staging = envWith("staging", { [`${NAMESPACE}:namePrefix`]: "gak-dev" });
      expect(check(CI.raw, { staging }).problems.map(formatProblem)).toEqual([]);
    });
  });

  test("an environment deployed to the CI project itself is refused", () => {
    const project = CI.raw["gcp:project"]!;
    const problem = onlyProblem(
      check(CI.raw, { staging: envWith("staging", { "gcp:project": project }) }),
    );
    expect([problem.path, problem.got]).toEqual(["ci.environments.staging", project]);
    expect(problem.message).toContain("deploys to the CI project itself");
    expect(problem.fix).toContain("Give the CI stack its own project");
  });
});

describe("the deploy and rotation jobs' subjects fit Workload Identity Federation's 127 bytes", () => {
  // GitHub's subject for a job in an environment, the longer of its two forms: repo:OWNER@OWNER_ID/NAME@REPO_ID:environment:ENV.
  const [owner, repo] = committedCi.repository.split("/");
  const room =
    127 -
    Buffer.byteLength(
      `repo:${owner!}@${committedCi.repositoryOwnerId}/${repo!}@${committedCi.repositoryId}:environment:`,
    );
  const withGithubEnvironment = (name: string, rotation = "dev-rotation") =>
    ciRaw((ci) => {
      ci.environments = {
        dev: { githubEnvironment: name, rotationEnvironment: rotation },
        staging: {},
        prod: {},
      };
    });

  test("a GitHub environment one byte too long is refused, with the subject's length", () => {
    const name = "e".repeat(room + 1);
    const problem = onlyProblem(check(withGithubEnvironment(name)));
    expect([problem.path, problem.got]).toEqual(["ci.environments.dev.githubEnvironment", name]);
    expect(problem.message).toContain(
      "makes the deploy job's subject 128 bytes; Workload Identity Federation allows 127",
    );
    expect(problem.fix).toContain("Shorten the GitHub environment's name");
  });

  test("a GitHub environment that makes the subject exactly 127 bytes passes", () => {
    const name = "e".repeat(room);
    const { config, problems } = check(withGithubEnvironment(name));
    expect(problems.map(formatProblem)).toEqual([]);
    expect(config!.environments.find((e) => e.name === "dev")!.githubEnvironment).toBe(name);
  });

  test("so must the rotation job's, whose environment defaults to the deploy job's with -rotation", () => {
    const problem = onlyProblem(
      check(
        ciRaw((ci) => {
          ci.environments = { dev: { githubEnvironment: "e".repeat(room) }, staging: {}, prod: {} };
        }),
      ),
    );
    expect([problem.path, problem.got]).toEqual([
      "ci.environments.dev.rotationEnvironment",
      `${"e".repeat(room)}-rotation`,
    ]);
    expect(problem.message).toContain(
      `makes the rotation job's subject ${127 + "-rotation".length} bytes`,
    );
  });
});

describe("an environment stack's own problems are reported with its file's name", () => {
  const stagingWithRoles = (roles: string[]) => {
    const accounts = JSON.parse(
      stackFile("staging").raw[`${NAMESPACE}:serviceAccounts`]!,
    ) as Record<string, { roles: string[] }>;
    accounts.runtime!.roles = roles;
    return envWith("staging", { [`${NAMESPACE}:serviceAccounts`]: JSON.stringify(accounts) });
  };

  test("a role outside ci.grantableRoles is refused, and a privileged one is flagged as such", () => {
    const { config, problems } = check(CI.raw, {
      staging: stagingWithRoles(["roles/aiplatform.user", "roles/iam.serviceAccountAdmin"]),
    });
    expect(config).toBeUndefined();
    expect(problems.map((p) => [p.path, p.got])).toEqual([
      ["stacks/Pulumi.staging.yaml serviceAccounts.runtime.roles[0]", "roles/aiplatform.user"],
      [
        "stacks/Pulumi.staging.yaml serviceAccounts.runtime.roles[1]",
        "roles/iam.serviceAccountAdmin",
      ],
    ]);
    for (const p of problems)
      expect(p.message).toContain(
        "is not among the roles the CI stack may grant (ci.grantableRoles in stacks/Pulumi.ci.yaml)",
      );
    expect(problems[0]!.fix).not.toContain("add it only knowingly");
    expect(problems[1]!.fix).toContain(
      "it can grant IAM or act as other accounts: add it only knowingly",
    );
  });

  test("the same roles pass once the administrator lists them in ci.grantableRoles", () => {
    const roles = ["roles/aiplatform.user", "roles/iam.serviceAccountAdmin"];
    const raw = ciRaw((ci) => {
      ci.grantableRoles = [...(ci.grantableRoles as string[]), ...roles];
    });
    expect(check(raw, { staging: stagingWithRoles(roles) }).problems.map(formatProblem)).toEqual(
      [],
    );
  });
});

describe("a field the ci setting does not know is refused", () => {
  test("a misspelt optional field is refused rather than silently left at its default", () => {
    const problem = onlyProblem(
      check(
        ciRaw((ci) => {
          ci.deployBrnach = "release";
        }),
      ),
    );
    expect([problem.path, problem.got]).toEqual(["ci.deployBrnach", "release"]);
    expect(problem.message).toContain("is not a setting the kit knows");
    expect(problem.fix).toBe("Did you mean deployBranch?");
  });

  test("a misspelt required field is one problem: the field it means is not also reported as not set", () => {
    const problem = onlyProblem(
      check(
        ciRaw((ci) => {
          ci.repositry = ci.repository;
          delete ci.repository;
        }),
      ),
    );
    expect([problem.path, problem.got]).toEqual(["ci.repositry", committedCi.repository]);
    expect(problem.message).toContain("is not a setting the kit knows");
    expect(problem.fix).toBe("Did you mean repository?");
  });

  test.each<[string, (ci: Record<string, unknown>) => void, string]>([
    [
      "environments misspelt",
      (ci) => {
        ci.environment = ci.environments;
        delete ci.environments;
      },
      "ci.environment",
    ],
    [
      "environments not a map",
      (ci) => {
        ci.environments = 42;
      },
      "ci.environments",
    ],
    [
      "grantableRoles misspelt",
      (ci) => {
        ci.grantableRole = ci.grantableRoles;
        delete ci.grantableRoles;
      },
      "ci.grantableRole",
    ],
    [
      "grantableRoles not a list",
      (ci) => {
        ci.grantableRoles = "roles/serviceusage.serviceUsageConsumer";
      },
      "ci.grantableRoles",
    ],
  ])(
    "%s is one problem, with no follow-on about the environments or their roles",
    (_what, edit, path) => {
      expect(onlyProblem(check(ciRaw(edit))).path).toBe(path);
    },
  );
});
