/**
 * An environment stack's own check reads the committed CI stack's file (stacks/Pulumi.ci.yaml) and
 * holds the environment to what CI implies: no member list names an identity of CI's pool, whose
 * tokens every workflow job of the repository can get, and a stack pull requests preview holds no
 * encrypted value, since a preview runs their code with the key that decrypts it. Inputs are the
 * committed files, edited in memory.
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
import { planStack } from "../../src/offline-plan/plan.ts";
import { HIDDEN } from "../../src/config/problems.ts";
import { clientFile, SECRET_KEYS } from "../helpers/fixtures.ts";

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

/**
 * The problems of an environment stack's own check, with `ci` as the CI stack's file and
 * `encrypted` the keys its file holds encrypted (whose values `raw` holds decrypted, as under up).
 */
function check(
  stack: string,
  raw: RawConfig,
  ci: StackFile | "none" = committed("ci")!,
  encrypted: string[] = [],
): Problem[] {
  try {
    checkAnyStack(raw, {
      stack,
      secretKeys: new Set([...SECRET_KEYS, ...encrypted]),
      encrypted,
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

describe("an environment pull requests preview holds no encrypted value", () => {
  const CLIENT = `${NAMESPACE}:oauthClientJson`;
  /** A stack's committed config with its OAuth client set, as `pulumi config set --secret` sets it. */
  const withClient = (stack: string, client = clientFile(`acme-gemini-${stack}`)) => ({
    ...committed(stack)!.raw,
    [CLIENT]: client.text,
  });

  test("an encrypted OAuth client in a previewed environment is refused, without its value, and the fix says to replace the client", () => {
    const client = clientFile("acme-gemini-dev");
    const found = check("dev", withClient("dev", client), committed("ci"), [CLIENT]);
    expect(found.map(formatProblem)).toEqual([
      "[oauthClientJson] (secret value, not shown) is encrypted in stacks/Pulumi.dev.yaml, and pull requests preview dev (ci.previews in stacks/Pulumi.ci.yaml): a preview runs the pull request's code with the key that decrypts it, so every pull request could read it. Remove it from stacks/Pulumi.dev.yaml and, if it was ever pushed, replace the OAuth client in the Google console (Google Auth Platform > Clients): a Desktop client's secret in git history stays readable by every pull request while dev is previewed. If dev needs it, an administrator removes dev from ci.previews in stacks/Pulumi.ci.yaml instead.",
    ]);
    expect(JSON.stringify(found)).not.toContain(client.clientSecret);
  });

  test("any other encrypted value is refused too, and the fix says to replace it wherever it is used", () => {
    const key = `${NAMESPACE}:environment`;
    const [problem] = check("staging", committed("staging")!.raw, committed("ci"), [key]);
    expect([problem!.path, problem!.got]).toEqual(["environment", HIDDEN]);
    expect(problem!.fix).toContain("replace the value wherever it is used");
  });

  test("an environment pull requests do not preview may hold its client encrypted", () => {
    expect(problems("prod", withClient("prod"), committed("ci"), [CLIENT])).toEqual([]);
    const ci = ciWith((c) => {
      c.previews = ["staging"];
    });
    expect(problems("dev", withClient("dev"), ci, [CLIENT])).toEqual([]);
  });

  test("the offline plan, which drops encrypted values, refuses it too", async () => {
    const text = `${readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")}  ${CLIENT}:\n    secure: v1:bm90LWEtc2VjcmV0\n`;
    const plan = planStack({
      stack: "dev",
      stackFile: "stacks/Pulumi.dev.yaml",
      file: parseStackFile(text, "stacks/Pulumi.dev.yaml"),
      readStack: committed,
    });
    await expect(plan).rejects.toThrow(
      "[oauthClientJson] (secret value, not shown) is encrypted in stacks/Pulumi.dev.yaml, and pull requests preview dev",
    );
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
