/**
 * An environment stack's own check reads the committed CI stack's file (stacks/Pulumi.ci.yaml) and
 * holds the environment to what CI implies: no member list names an identity of CI's pool, whose
 * tokens every workflow job of the repository can get. Inputs are the committed files, edited in
 * memory.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkAnyStack } from "../../src/config/any-stack.ts";
import { committedCi, isPreviewed } from "../../src/config/committed-ci.ts";
import {
  ConfigError,
  formatProblem,
  NAMESPACE,
  type Problem,
  type RawConfig,
} from "../../src/config/index.ts";
import { parseStackFile, stackReader, type StackFile } from "../../src/config/stack-file.ts";
import { SECRET_KEYS } from "../helpers/fixtures.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const committed = stackReader(ROOT, (path) => readFileSync(path, "utf8"));
const text = (stack: string) => readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");
const CI_POOL = "projects/412345678901/locations/global/workloadIdentityPools/gak-github";

/** The committed CI stack's file with its `ci` object changed by `edit`. */
function ciWith(edit: (ci: Record<string, unknown>) => void): StackFile {
  const file = committed("ci")!;
  const ci = JSON.parse(file.raw[`${NAMESPACE}:ci`]!) as Record<string, unknown>;
  edit(ci);
  return { ...file, raw: { ...file.raw, [`${NAMESPACE}:ci`]: JSON.stringify(ci) } };
}

/** The problems of an environment stack's own check, with `ci` as the CI stack's file. */
function check(
  stack: string,
  raw: RawConfig,
  ci: StackFile | "none" = committed("ci")!,
): Problem[] {
  try {
    checkAnyStack(raw, {
      stack,
      secretKeys: SECRET_KEYS,
      readStack: (name) => (name !== "ci" ? committed(name) : ci === "none" ? undefined : ci),
    });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

/** The same, as the lines the check prints. */
const problems = (...args: Parameters<typeof check>) => check(...args).map(formatProblem);

/** dev's committed config with one member list replaced. */
function devWith(list: "keyReaders" | "impersonators" | "apiKey" | "oauth", members: string[]) {
  const raw: Record<string, string> = { ...committed("dev")!.raw };
  if (list === "keyReaders" || list === "impersonators") {
    const accounts = JSON.parse(raw[`${NAMESPACE}:serviceAccounts`]!) as Record<
      string,
      Record<string, unknown>
    >;
    accounts.runtime![list] = members;
    raw[`${NAMESPACE}:serviceAccounts`] = JSON.stringify(accounts);
  } else if (list === "apiKey") {
    const apiKey = JSON.parse(raw[`${NAMESPACE}:apiKey`]!) as Record<string, unknown>;
    apiKey.readers = members;
    raw[`${NAMESPACE}:apiKey`] = JSON.stringify(apiKey);
  } else raw[`${NAMESPACE}:oauthClientReaders`] = JSON.stringify(members);
  return raw;
}

const CI_FIX =
  "Name the people, groups or accounts that need it instead; CI's own accounts get what they need from the CI stack.";

describe("no member list of an environment names an identity of CI's own pool", () => {
  test("the committed environments pass against the committed CI stack", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const raw = { ...committed(stack)!.raw };
      // prod requires its client, which is set encrypted, outside the repository.
      delete raw[`${NAMESPACE}:oauthClientRequired`];
      expect(problems(stack, raw)).toEqual([]);
    }
  });

  test.each<[string, "keyReaders" | "impersonators" | "apiKey" | "oauth", string, string]>([
    [
      "every job of the repository, as a key reader",
      "keyReaders",
      `principalSet://iam.googleapis.com/${CI_POOL}/attribute.repository/acme/gemini-platform`,
      "serviceAccounts.runtime.keyReaders[0]",
    ],
    [
      "one subject of the pool, as an impersonator",
      "impersonators",
      `principal://iam.googleapis.com/${CI_POOL}/subject/repo:acme/gemini-platform:pull_request`,
      "serviceAccounts.runtime.impersonators[0]",
    ],
    [
      "the pool's whole population, as a reader of the API key",
      "apiKey",
      `principalSet://iam.googleapis.com/${CI_POOL}/*`,
      "apiKey.readers[0]",
    ],
    [
      "the pool in another project number, as a reader of the OAuth client",
      "oauth",
      "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gak-github/attribute.repository/acme/gemini-platform",
      "oauthClientReaders[0]",
    ],
  ])("%s is refused, naming the pool and the CI stack's file", (_what, list, member, path) => {
    const grant = {
      keyReaders: "read the account's key",
      impersonators: "act as the account",
      apiKey: "read the API key",
      oauth: "read the OAuth client's secret",
    }[list];
    expect(check("dev", devWith(list, [member]))).toEqual([
      {
        path,
        got: member,
        message: `is in the CI stack's workload identity pool gak-github (ci.poolId in stacks/Pulumi.ci.yaml), which admits this repository's workflow jobs: every pull request (or every job of the repository) could then ${grant}`,
        fix: CI_FIX,
      },
    ]);
  });

  test("the pool is the one ci.poolId names, when the CI stack's file sets it", () => {
    const member = `principalSet://iam.googleapis.com/${CI_POOL.replace("gak-github", "actions")}/*`;
    const ci = ciWith((c) => {
      c.poolId = "actions";
    });
    expect(problems("dev", devWith("keyReaders", [member]), ci)).toEqual([
      expect.stringContaining("is in the CI stack's workload identity pool actions"),
    ]);
  });

  test("a member of a pool that is not CI's passes when it names a group of the pool", () => {
    const member = `principalSet://iam.googleapis.com/${CI_POOL.replace("gak-github", "partners")}/group/analysts`;
    expect(problems("dev", devWith("keyReaders", [member]))).toEqual([]);
  });

  test("without a CI stack file the environment's own check cannot know the pool, and says nothing of it", () => {
    const member = `principalSet://iam.googleapis.com/${CI_POOL}/attribute.repository/acme/gemini-platform`;
    expect(problems("dev", devWith("keyReaders", [member]), "none")).toEqual([]);
  });
});

describe("what the committed CI stack says of an environment", () => {
  test("names its pool and file, and the environments pull requests preview", () => {
    expect(committedCi(committed)).toEqual({
      stackFile: "stacks/Pulumi.ci.yaml",
      poolId: "gak-github",
      previews: ["dev", "staging"],
    });
  });

  test.each([
    ["dev", true],
    ["staging", true],
    ["prod", false],
    ["qa", false],
  ])("isPreviewed(%s) is %s for the committed CI stack", (stack, previewed) => {
    expect(isPreviewed(stack, committed)).toBe(previewed);
  });

  test("nothing is previewed without a CI stack file, or with a file that is not the CI stack's", () => {
    expect(isPreviewed("dev", () => undefined)).toBe(false);
    const dev = parseStackFile(text("dev"), "stacks/Pulumi.ci.yaml");
    expect(isPreviewed("dev", (name) => (name === "ci" ? dev : undefined))).toBe(false);
  });
});
