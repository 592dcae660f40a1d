/**
 * The CI stack's bootstrap reads the GitHub settings CI rests on through a stand-in `gh` on PATH
 * (test/helpers/fake-gh.ts), which answers each endpoint with canned JSON: each broken assumption
 * is one problem with where it is in GitHub and its fix, and nothing in GitHub is ever changed.
 */

import { readFileSync } from "node:fs";
import { readOrUndefined } from "../../scripts/runner.ts";
import { bootstrapMain } from "../../src/bootstrap/cli.ts";
import { fakeGh, type GhReply } from "../helpers/fake-gh.ts";
import { fakePulumi, inProcessRun } from "../helpers/fake-pulumi.ts";
import { inProcess } from "../helpers/in-process.ts";
import { cleanEnv, ROOT } from "../helpers/verify-cli.ts";

const REPO = "acme/gemini-platform";
const API = `repos/${REPO}`;
/** The committed CI stack's jobs: dev deploys and rotates, prod (production: true) and staging deploy. */
const ENVIRONMENTS = ["dev", "dev-rotation", "prod", "staging"];

function environment(id: number, name: string, reviewers: boolean): Record<string, unknown> {
  return {
    id,
    name,
    can_admins_bypass: true,
    protection_rules: [
      ...(reviewers
        ? [
            {
              id: 3755,
              type: "required_reviewers",
              prevent_self_review: true,
              reviewers: [{ type: "Team", reviewer: { id: 4242, slug: "platform-admins" } }],
            },
          ]
        : []),
      { id: 3756, type: "branch_policy" },
    ],
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
  };
}

/** A repository where every setting holds. */
function allGood(): Record<string, GhReply> {
  const replies: Record<string, GhReply> = {
    [API]: {
      body: { id: 812345671, owner: { id: 112345678 }, private: true, visibility: "private" },
    },
    [`${API}/actions/secrets`]: {
      body: { total_count: 1, secrets: [{ name: "SLACK_WEBHOOK_URL" }] },
    },
    [`${API}/actions/organization-secrets`]: {
      body: { total_count: 1, secrets: [{ name: "NPM_TOKEN" }] },
    },
    [`${API}/actions/permissions/fork-pr-workflows-private-repos`]: {
      body: {
        run_workflows_from_fork_pull_requests: true,
        send_write_tokens_to_workflows: false,
        send_secrets_and_variables: false,
        require_approval_for_fork_pr_workflows: true,
      },
    },
    [`${API}/actions/permissions/workflow`]: {
      body: { default_workflow_permissions: "read", can_approve_pull_request_reviews: false },
    },
  };
  ENVIRONMENTS.forEach((name, i) => {
    replies[`${API}/environments/${name}`] = {
      body: environment(100 + i, name, name === "prod"),
    };
    replies[`${API}/environments/${name}/deployment-branch-policies`] = {
      body: { total_count: 1, branch_policies: [{ id: 10 + i, name: "main", type: "branch" }] },
    };
  });
  return replies;
}

/** `npm run bootstrap -- --stack ci ARGS` in this process, with the stand-ins on PATH. */
function bootstrapCi(
  replies: Record<string, GhReply> | "logged out" | "no gh",
  args: string[] = [],
) {
  const pulumi = fakePulumi({ backend: "gs://acme-gemini-admin", stacks: { ci: {} } });
  const gh = replies === "no gh" ? undefined : fakeGh(replies);
  const path = gh === undefined ? pulumi.path : `${gh.dir}:${pulumi.path}`;
  const env = cleanEnv({ PATH: path, FAKE_PULUMI_DIR: pulumi.dir });
  const deps = {
    root: ROOT,
    run: inProcessRun,
    readFile: (file: string) => readFileSync(file, "utf8"),
    readText: readOrUndefined,
    writeText: (file: string) => {
      throw new Error(`bootstrap wrote ${file}`);
    },
  };
  const run = inProcess(
    "bootstrap",
    (c) => bootstrapMain(c, deps),
    ["--stack", "ci", ...args],
    env,
  );
  return run.then((result) => ({ ...result, ghCalls: gh?.calls() ?? [] }));
}

/** The report's github settings part, from its first line. */
const settings = (stdout: string) => stdout.slice(stdout.search(/^\S+ +github settings: /m));

describe("npm run bootstrap -- --stack ci, against GitHub's settings", () => {
  test("passes when every setting holds, having only read them: one GET per setting, nothing changed", async () => {
    const result = await bootstrapCi(allGood());
    expect(result.code).toBe(0);
    expect(settings(result.stdout)).toBe(
      "done      github settings: acme/gemini-platform: the GitHub environments dev, dev-rotation, prod, staging exist and allow the branch main alone; prod requires reviewers; no PULUMI_* secret is stored for the repository or shared with it by its organization; runs of fork pull requests get no write token and no secrets; GITHUB_TOKEN is read-only by default; the repository's ids are ci.repositoryId and ci.repositoryOwnerId\n",
    );
    expect(result.ghCalls.sort()).toEqual(
      [
        API,
        ...ENVIRONMENTS.flatMap((e) => [
          `${API}/environments/${e}`,
          `${API}/environments/${e}/deployment-branch-policies?per_page=100`,
        ]),
        `${API}/actions/secrets?per_page=100&page=1`,
        `${API}/actions/organization-secrets?per_page=100&page=1`,
        `${API}/actions/permissions/fork-pr-workflows-private-repos`,
        `${API}/actions/permissions/workflow`,
      ]
        .map((endpoint) => `api ${endpoint}`)
        .sort(),
    );
  }, 60_000);

  const put = (name: string, body: string) =>
    `echo '${body}' | gh api --method PUT ${API}/environments/${name} --input -`;
  const addMain = (name: string) =>
    `gh api --method POST ${API}/environments/${name}/deployment-branch-policies -f name=main -f type=branch`;
  const page = (id: number) => `(https://github.com/${REPO}/settings/environments/${id}/edit)`;
  const reviewerNote =
    '(USER_ID: gh api users/LOGIN --jq .id; a team is {"type":"Team","id":TEAM_ID}, from gh api orgs/ORG/teams/SLUG --jq .id)';

  test.each<[string, (r: Record<string, GhReply>) => void, string[]]>([
    [
      "a GitHub environment that does not exist (404)",
      (r) => (r[`${API}/environments/prod`] = { status: 404, body: { message: "Not Found" } }),
      [
        "  - environment prod (the deploy job of stack prod, a production stack) does not exist: the first job that names it would create it unprotected, open to every branch.",
        `    In GitHub: Settings > Environments > New environment (https://github.com/${REPO}/settings/environments/new).`,
        `    Fix: ${put("prod", '{"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true},"prevent_self_review":true,"reviewers":[{"type":"User","id":USER_ID}]}')} && ${addMain("prod")} ${reviewerNote}`,
      ],
    ],
    [
      "a production stack's deploy environment without required reviewers",
      (r) => (r[`${API}/environments/prod`] = { body: environment(102, "prod", false) }),
      [
        "  - environment prod (the deploy job of stack prod, a production stack) has no required reviewers: whoever can push to main deploys it with nobody's approval.",
        `    In GitHub: Settings > Environments > prod > Deployment protection rules > Required reviewers ${page(102)}.`,
        `    Fix: ${put("prod", '{"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true},"prevent_self_review":true,"reviewers":[{"type":"User","id":USER_ID}]}')} ${reviewerNote}. In a private repository, GitHub offers required reviewers on its Enterprise plans only.`,
      ],
    ],
    [
      "an environment open to every branch",
      (r) =>
        (r[`${API}/environments/staging`] = {
          body: { ...environment(103, "staging", false), deployment_branch_policy: null },
        }),
      [
        "  - environment staging (the deploy job of stack staging) allows every branch; it should allow main alone: a job on another branch of this repository, a pull request's included, may run in it and read its secrets.",
        `    In GitHub: Settings > Environments > staging > Deployment branches and tags ${page(103)}.`,
        `    Fix: ${put("staging", '{"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}}')} && ${addMain("staging")}`,
      ],
    ],
    [
      "an environment open to every protected branch",
      (r) =>
        (r[`${API}/environments/dev-rotation`] = {
          body: {
            ...environment(101, "dev-rotation", false),
            deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
          },
        }),
      [
        "  - environment dev-rotation (the rotation job of stack dev) allows every protected branch; it should allow main alone: a job on another branch of this repository, a pull request's included, may run in it and read its secrets.",
        `    In GitHub: Settings > Environments > dev-rotation > Deployment branches and tags ${page(101)}.`,
        `    Fix: ${put("dev-rotation", '{"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}}')} && ${addMain("dev-rotation")}`,
      ],
    ],
    [
      "an environment whose listed branches and tags are more than the deploy branch",
      (r) =>
        (r[`${API}/environments/dev/deployment-branch-policies`] = {
          body: {
            total_count: 3,
            branch_policies: [
              { id: 10, name: "main", type: "branch" },
              { id: 21, name: "release/*", type: "branch" },
              { id: 22, name: "v*", type: "tag" },
            ],
          },
        }),
      [
        "  - environment dev (the deploy job of stack dev) allows main, release/*, the tag v*; it should allow main alone.",
        `    In GitHub: Settings > Environments > dev > Deployment branches and tags ${page(100)}.`,
        `    Fix: gh api --method DELETE ${API}/environments/dev/deployment-branch-policies/21 && gh api --method DELETE ${API}/environments/dev/deployment-branch-policies/22`,
      ],
    ],
    [
      "a Pulumi token stored for the whole repository",
      (r) =>
        (r[`${API}/actions/secrets`] = {
          body: {
            total_count: 2,
            secrets: [{ name: "SLACK_WEBHOOK_URL" }, { name: "PULUMI_ACCESS_TOKEN" }],
          },
        }),
      [
        "  - repository secret PULUMI_ACCESS_TOKEN is stored for the whole repository, so every workflow run in acme/gemini-platform can read it, a pull request's from a branch of the repository included; a Pulumi token or passphrase belongs to the GitHub environments of the jobs that use it.",
        "    In GitHub: Settings > Secrets and variables > Actions > Repository secrets (https://github.com/acme/gemini-platform/settings/secrets/actions).",
        `    Fix: Move it: gh secret set PULUMI_ACCESS_TOKEN --repo ${REPO} --env ENVIRONMENT for each GitHub environment whose jobs need it (it reads the value from standard input), then gh api --method DELETE ${API}/actions/secrets/PULUMI_ACCESS_TOKEN`,
      ],
    ],
    [
      "a Pulumi passphrase the organization shares with the repository",
      (r) =>
        (r[`${API}/actions/organization-secrets`] = {
          body: { total_count: 1, secrets: [{ name: "PULUMI_CONFIG_PASSPHRASE" }] },
        }),
      [
        "  - organization secret PULUMI_CONFIG_PASSPHRASE is shared with the repository, so every workflow run in acme/gemini-platform can read it, a pull request's from a branch of the repository included; a Pulumi token or passphrase belongs to the GitHub environments of the jobs that use it.",
        "    In GitHub: Organization settings > Secrets and variables > Actions > PULUMI_CONFIG_PASSPHRASE > Repository access (https://github.com/organizations/acme/settings/secrets/actions).",
        `    Fix: Stop sharing it with the repository (an organization owner, for a secret shared with selected repositories: gh api --method DELETE orgs/acme/actions/secrets/PULUMI_CONFIG_PASSPHRASE/repositories/812345671), and gh secret set PULUMI_CONFIG_PASSPHRASE --repo ${REPO} --env ENVIRONMENT for each GitHub environment whose jobs need it (it reads the value from standard input)`,
      ],
    ],
    [
      "fork pull requests' runs given a write token",
      (r) =>
        ((
          r[`${API}/actions/permissions/fork-pr-workflows-private-repos`]!.body as Record<
            string,
            boolean
          >
        ).send_write_tokens_to_workflows = true),
      [
        '  - fork pull request workflows get a token that can write to the repository, and an OIDC token with its ids: a workflow the fork edits could act as a previewer ("Send write tokens to workflows from fork pull requests" is on).',
        "    In GitHub: Settings > Actions > General > Fork pull request workflows in private repositories (https://github.com/acme/gemini-platform/settings/actions); an organization's policy may set it for all its repositories.",
        `    Fix: gh api --method PUT ${API}/actions/permissions/fork-pr-workflows-private-repos -F run_workflows_from_fork_pull_requests=true -F send_write_tokens_to_workflows=false -F send_secrets_and_variables=false -F require_approval_for_fork_pr_workflows=true`,
      ],
    ],
    [
      "fork pull requests' runs given the secrets",
      (r) =>
        ((
          r[`${API}/actions/permissions/fork-pr-workflows-private-repos`]!.body as Record<
            string,
            boolean
          >
        ).send_secrets_and_variables = true),
      [
        `  - fork pull request workflows get the repository's secrets and variables: a workflow the fork edits could read every repository secret ("Send secrets and variables to workflows from fork pull requests" is on).`,
        "    In GitHub: Settings > Actions > General > Fork pull request workflows in private repositories (https://github.com/acme/gemini-platform/settings/actions); an organization's policy may set it for all its repositories.",
        `    Fix: gh api --method PUT ${API}/actions/permissions/fork-pr-workflows-private-repos -F run_workflows_from_fork_pull_requests=true -F send_write_tokens_to_workflows=false -F send_secrets_and_variables=false -F require_approval_for_fork_pr_workflows=true`,
      ],
    ],
    [
      "a repository whose id is not the one the trust pins",
      (r) => ((r[API]!.body as { id: number }).id = 999),
      [
        '  - repository acme/gemini-platform has id 999 on GitHub, but ci.repositoryId is "812345671": the Workload Identity trust admits only tokens that carry the configured id.',
        `    Fix: Set ci.repositoryId: "999" in stacks/Pulumi.ci.yaml (gh api ${API} --jq '.id'), then have an administrator apply the CI stack: npm run deploy -- --stack ci.`,
      ],
    ],
    [
      "repository secrets the account gh uses cannot read",
      (r) =>
        (r[`${API}/actions/secrets`] = {
          status: 403,
          body: { message: "Resource not accessible by personal access token" },
        }),
      [
        "  - repository secrets could not be read (Resource not accessible by personal access token (HTTP 403)), so this was not checked.",
        `    Fix: Run bootstrap as an administrator of ${REPO} whose gh login has the repo scope and collaborator access (a fine-grained token: "Secrets" read): gh auth refresh --scopes repo, or gh auth login.`,
      ],
    ],
  ])(
    "fails on %s, with where it is in GitHub and the fix",
    async (_, breakIt, lines) => {
      const replies = allGood();
      breakIt(replies);
      const result = await bootstrapCi(replies);
      expect(result.code).toBe(1);
      expect(settings(result.stdout)).toBe(
        `failed    github settings: 1 of the GitHub settings CI relies on does not hold in acme/gemini-platform:\n${lines.join("\n")}\n`,
      );
      expect(result.ghCalls.filter((c) => c.includes("--method"))).toEqual([]);
    },
    60_000,
  );

  test("a repository gh cannot see stops the checks there, and says which account to log in as", async () => {
    const result = await bootstrapCi({});
    expect(result.code).toBe(1);
    expect(settings(result.stdout)).toContain(
      "  - repository acme/gemini-platform is not found: it does not exist, or the account gh is logged in as cannot see it; nothing else was checked.",
    );
    expect(result.ghCalls).toEqual([`api ${API}`]);
  }, 60_000);

  test("a default token that can write, and a reviewer who may approve their own deployment, are warnings: bootstrap passes", async () => {
    const replies = allGood();
    (
      replies[`${API}/actions/permissions/workflow`]!.body as Record<string, string>
    ).default_workflow_permissions = "write";
    const prod = environment(102, "prod", true);
    (prod.protection_rules as Record<string, unknown>[])[0]!.prevent_self_review = false;
    replies[`${API}/environments/prod`] = { body: prod };
    const result = await bootstrapCi(replies);
    expect(result.code).toBe(0);
    expect(settings(result.stdout)).toBe(
      [
        "warning   github settings: the settings CI relies on hold in acme/gemini-platform, with 2 warnings:",
        "  - warning: environment prod (the deploy job of stack prod, a production stack) lets whoever started a deployment approve it: one person can push to main and approve the deploy alone.",
        `    In GitHub: Settings > Environments > prod > Deployment protection rules > Prevent self-review ${page(102)}.`,
        `    Fix: ${put("prod", '{"prevent_self_review":true,"reviewers":[{"type":"Team","id":4242}],"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}}')}`,
        "  - warning: default workflow permissions give GITHUB_TOKEN read and write access in every job that does not declare its permissions: the kit's workflows declare theirs, but a workflow added later would write unasked.",
        "    In GitHub: Settings > Actions > General > Workflow permissions (https://github.com/acme/gemini-platform/settings/actions).",
        `    Fix: gh api --method PUT ${API}/actions/permissions/workflow -f default_workflow_permissions=read`,
        "",
      ].join("\n"),
    );
  }, 60_000);

  test("does not ask a public repository for its fork pull request settings, nor a personal account's for organization secrets: neither has any", async () => {
    const replies = allGood();
    replies[API]!.body = {
      id: 812345671,
      owner: { id: 112345678, type: "User" },
      private: false,
      visibility: "public",
    };
    const result = await bootstrapCi(replies);
    expect(result.code).toBe(0);
    expect(result.ghCalls.filter((c) => /fork-pr|organization-secrets/.test(c))).toEqual([]);
    expect(result.ghCalls).toContain(`api ${API}/actions/secrets?per_page=100&page=1`);
  }, 60_000);

  test("fails when GitHub refuses gh's token, as for a missing login", async () => {
    const result = await bootstrapCi({
      [API]: { status: 401, body: { message: "Bad credentials" } },
    });
    expect(result.code).toBe(1);
    expect(settings(result.stdout)).toMatch(
      /^failed {4}github settings: The GitHub CLI \(gh\) is logged in with a token GitHub refuses \(Bad credentials \(HTTP 401\)\), so the GitHub settings CI relies on cannot be checked\. Log in as an administrator of acme\/gemini-platform: gh auth login/,
    );
  }, 60_000);

  test("with --json, the failed step lists each finding with its level, setting, place and fix", async () => {
    const replies = allGood();
    replies[`${API}/environments/staging`] = { status: 404, body: { message: "Not Found" } };
    const result = await bootstrapCi(replies, ["--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; steps: Record<string, unknown>[] };
    expect(report.ok).toBe(false);
    expect(report.steps.at(-1)).toEqual({
      step: "github settings",
      status: "failed",
      detail: expect.stringContaining("environment staging"),
      findings: [
        {
          level: "problem",
          subject: "environment staging",
          message: expect.stringMatching(/^\(the deploy job of stack staging\) does not exist/),
          where: `Settings > Environments > New environment (https://github.com/${REPO}/settings/environments/new)`,
          fix: expect.stringContaining(`gh api --method PUT ${API}/environments/staging --input -`),
        },
      ],
    });
  }, 60_000);

  const loginFix =
    'in as an administrator of acme/gemini-platform: gh auth login (its default scopes include repo, which the checks need), or set GH_TOKEN to a token that can read the repository\'s environments, Actions secrets and Actions settings ("Actions", "Secrets" and "Administration" read, for a fine-grained token); then run bootstrap again. Or pass --skip-github-checks to go on without these checks.\n';

  test("fails, exit 1, when gh is not installed, saying how to install it and log in, or how to opt out", async () => {
    const result = await bootstrapCi("no gh");
    expect(result.code).toBe(1);
    expect(settings(result.stdout)).toBe(
      `failed    github settings: The GitHub CLI (gh) is not on PATH, so the GitHub settings CI relies on cannot be checked. Install it (https://cli.github.com/), then log ${loginFix}`,
    );
  }, 60_000);

  test("fails, exit 1, when gh is not logged in, saying how to log in, or how to opt out", async () => {
    const result = await bootstrapCi("logged out");
    expect(result.code).toBe(1);
    expect(settings(result.stdout)).toBe(
      `failed    github settings: The GitHub CLI (gh) is not logged in, so the GitHub settings CI relies on cannot be checked. Log ${loginFix}`,
    );
  }, 60_000);

  test("with --skip-github-checks reads nothing from GitHub and warns of every setting left unchecked", async () => {
    const result = await bootstrapCi(allGood(), ["--skip-github-checks"]);
    expect(result.code).toBe(0);
    expect(result.ghCalls).toEqual([]);
    expect(settings(result.stdout)).toBe(
      "warning   github settings: not checked (--skip-github-checks), and CI's safety rests on them; check by hand that the GitHub environments dev, dev-rotation, prod, staging exist and allow the branch main alone; prod requires reviewers; no PULUMI_* secret is stored for the repository or shared with it by its organization; runs of fork pull requests get no write token and no secrets; GITHUB_TOKEN is read-only by default; the repository's ids are ci.repositoryId and ci.repositoryOwnerId\n",
    );
  }, 60_000);
});
