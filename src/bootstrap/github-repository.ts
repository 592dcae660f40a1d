/**
 * The repository-wide GitHub settings CI rests on: the repository's ids (which the trust pins), no
 * Pulumi token or passphrase stored where every run can read it, and fork pull requests' runs kept
 * from write tokens and secrets. Pure, like github.ts: `gh api` answers in, findings out.
 */

import { record } from "../json.ts";
import {
  list,
  unreadable,
  type GhAnswer,
  type GithubExpectations,
  type GithubFinding,
} from "./github.ts";

const settingsPage = (x: GithubExpectations, page: string) =>
  `https://github.com/${x.repository}/settings/${page}`;

/** The repository itself: that gh can see it, and that its ids are the ones the trust pins. */
export function repositoryFindings(x: GithubExpectations, answer: GhAnswer): GithubFinding[] {
  const subject = `repository ${x.repository}`;
  if (answer.status === 404)
    return [
      {
        level: "problem",
        subject,
        message:
          "is not found: it does not exist, or the account gh is logged in as cannot see it; nothing else was checked",
        fix: `Check ci.repository in ${x.stackFile}; gh auth status shows the account, and gh auth login logs in as one that administers the repository.`,
      },
    ];
  if (answer.status !== 200) return [unreadable(x, subject, answer, "actions")];
  const body = record(answer.body) ?? {};
  const ids = [
    ["repositoryId", body.id, ".id", x.repositoryId],
    ["repositoryOwnerId", record(body.owner)?.id, ".owner.id", x.repositoryOwnerId],
  ] as const;
  return ids.flatMap(([field, got, jq, want]) =>
    String(got) === want
      ? []
      : [
          {
            level: "problem" as const,
            subject,
            message: `has ${jq.slice(1)} ${String(got)} on GitHub, but ci.${field} is "${want}": the Workload Identity trust admits only tokens that carry the configured id`,
            fix: `Set ci.${field}: "${String(got)}" in ${x.stackFile} (gh api repos/${x.repository} --jq '${jq}'), then have an administrator apply the CI stack: npm run deploy -- --stack ci.`,
          },
        ],
  );
}

/** Whether a secret's name is one of Pulumi's (PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE, ...). */
const isPulumi = (name: string) => name.startsWith("PULUMI_");

/** The names in pages of `actions/secrets` or `actions/organization-secrets`, or the page that failed. */
function secretNames(pages: GhAnswer[]): string[] | GhAnswer {
  const failed = pages.find((p) => p.status !== 200);
  if (failed !== undefined) return failed;
  return pages.flatMap((p) =>
    list(record(p.body)?.secrets).flatMap((s) => (typeof s.name === "string" ? [s.name] : [])),
  );
}

/**
 * No Pulumi token or passphrase at repository or organization level: every run in the repository
 * can read those, a pull request's from a branch of the repository included, whereas an
 * environment's secrets reach only jobs its branch policy lets in.
 */
export function secretFindings(
  x: GithubExpectations,
  repositoryPages: GhAnswer[],
  organizationPages: GhAnswer[],
): GithubFinding[] {
  const owner = x.repository.split("/")[0]!;
  const store = (name: string) =>
    `gh secret set ${name} --repo ${x.repository} --env ENVIRONMENT for each GitHub environment whose jobs need it (it reads the value from standard input)`;
  const readers = `so every workflow run in ${x.repository} can read it, a pull request's from a branch of the repository included; a Pulumi token or passphrase belongs to the GitHub environments of the jobs that use it`;
  const inRepository = secretNames(repositoryPages);
  const inOrganization = secretNames(organizationPages);
  return [
    ...(Array.isArray(inRepository)
      ? inRepository.filter(isPulumi).map((name): GithubFinding => ({
          level: "problem",
          subject: `repository secret ${name}`,
          message: `is stored for the whole repository, ${readers}`,
          where: `Settings > Secrets and variables > Actions > Repository secrets (${settingsPage(x, "secrets/actions")})`,
          fix: `Move it: ${store(name)}, then gh api --method DELETE repos/${x.repository}/actions/secrets/${name}`,
        }))
      : [unreadable(x, "repository secrets", inRepository, "secrets")]),
    ...(Array.isArray(inOrganization)
      ? inOrganization.filter(isPulumi).map((name): GithubFinding => ({
          level: "problem",
          subject: `organization secret ${name}`,
          message: `is shared with the repository, ${readers}`,
          where: `Organization settings > Secrets and variables > Actions > ${name} > Repository access (https://github.com/organizations/${owner}/settings/secrets/actions)`,
          fix: `Stop sharing it with the repository (an organization owner, for a secret shared with selected repositories: gh api --method DELETE orgs/${owner}/actions/secrets/${name}/repositories/${x.repositoryId}), and ${store(name)}`,
        }))
      : [
          unreadable(
            x,
            "organization secrets shared with the repository",
            inOrganization,
            "secrets",
          ),
        ]),
  ];
}

const FORK_SETTINGS = [
  [
    "send_write_tokens_to_workflows",
    "Send write tokens to workflows from fork pull requests",
    "a token that can write to the repository, and an OIDC token with its ids: a workflow the fork edits could act as a previewer",
  ],
  [
    "send_secrets_and_variables",
    "Send secrets and variables to workflows from fork pull requests",
    "the repository's secrets and variables: a workflow the fork edits could read every repository secret",
  ],
] as const;

/**
 * In a private or internal repository, runs of fork pull requests get no write token and no
 * secrets. (A public repository never gives them either; GitHub answers 422 there, and it is not
 * asked.)
 */
export function forkFindings(x: GithubExpectations, answer: GhAnswer): GithubFinding[] {
  const subject = "fork pull request workflows";
  if (answer.status !== 200) return [unreadable(x, subject, answer, "administration")];
  const now = record(answer.body) ?? {};
  if (now.run_workflows_from_fork_pull_requests !== true) return [];
  return FORK_SETTINGS.filter(([field]) => now[field] === true).map(([field, label, gets]) => {
    const fields = [
      "run_workflows_from_fork_pull_requests",
      "send_write_tokens_to_workflows",
      "send_secrets_and_variables",
      "require_approval_for_fork_pr_workflows",
    ].flatMap((f) =>
      typeof now[f] === "boolean" ? [`-F ${f}=${f === field ? "false" : String(now[f])}`] : [],
    );
    return {
      level: "problem",
      subject,
      message: `get ${gets} ("${label}" is on)`,
      where: `Settings > Actions > General > Fork pull request workflows in private repositories (${settingsPage(x, "actions")}); an organization's policy may set it for all its repositories`,
      fix: `gh api --method PUT repos/${x.repository}/actions/permissions/fork-pr-workflows-private-repos ${fields.join(" ")}`,
    };
  });
}

/** GITHUB_TOKEN read-only by default: a warning, since the kit's own workflows declare their permissions. */
export function workflowFindings(x: GithubExpectations, answer: GhAnswer): GithubFinding[] {
  const subject = "default workflow permissions";
  if (answer.status !== 200) return [unreadable(x, subject, answer, "administration", "warning")];
  if (record(answer.body)?.default_workflow_permissions !== "write") return [];
  return [
    {
      level: "warning",
      subject,
      message:
        "give GITHUB_TOKEN read and write access in every job that does not declare its permissions: the kit's workflows declare theirs, but a workflow added later would write unasked",
      where: `Settings > Actions > General > Workflow permissions (${settingsPage(x, "actions")})`,
      fix: `gh api --method PUT repos/${x.repository}/actions/permissions/workflow -f default_workflow_permissions=read`,
    },
  ];
}
