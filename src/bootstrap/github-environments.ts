/**
 * The GitHub environments the kit's jobs run in: each must exist and allow the deploy branch alone
 * (so a job on another branch, a pull request's included, never gets its secrets), and a production
 * stack's deploy environment must require reviewers. Pure, like github.ts.
 */

import { record } from "../json.ts";
import {
  list,
  unreadable,
  type ExpectedEnvironment,
  type GhAnswer,
  type GithubExpectations,
  type GithubFinding,
} from "./github.ts";

export const environmentPath = (x: GithubExpectations, name: string): string =>
  `repos/${x.repository}/environments/${encodeURIComponent(name)}`;

/** The body of `PUT environments/NAME`: what the environment has (a PUT replaces it), with `change`. */
function environmentBody(
  current: Record<string, unknown>,
  change: Record<string, unknown>,
): string {
  const rules = list(current.protection_rules);
  const wait = rules.find((r) => r.type === "wait_timer")?.wait_timer;
  const review = rules.find((r) => r.type === "required_reviewers");
  const reviewers = list(review?.reviewers).map((r) => ({
    type: r.type,
    id: record(r.reviewer)?.id,
  }));
  return JSON.stringify({
    ...(typeof wait === "number" && wait > 0 ? { wait_timer: wait } : {}),
    ...(review === undefined
      ? {}
      : { prevent_self_review: review.prevent_self_review === true, reviewers }),
    ...(current.can_admins_bypass === false ? { can_admins_bypass: false } : {}),
    deployment_branch_policy: current.deployment_branch_policy ?? null,
    ...change,
  }).replace(`"${NEW_REVIEWER}"`, '[{"type":"User","id":USER_ID}]');
}

/** Stands in for the reviewer list a fix adds: its ids are for the administrator to choose. */
const NEW_REVIEWER = "NEW_REVIEWER";
const REVIEWER_NOTE =
  '(USER_ID: gh api users/LOGIN --jq .id; a team is {"type":"Team","id":TEAM_ID}, from gh api orgs/ORG/teams/SLUG --jq .id)';
const ONLY_LISTED = {
  deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
};

/** `PUT environments/NAME` as a command line; gh reads the JSON body on stdin. */
const putEnvironment = (x: GithubExpectations, name: string, body: string): string =>
  `echo '${body}' | gh api --method PUT ${environmentPath(x, name)} --input -`;

const addBranch = (x: GithubExpectations, name: string): string =>
  `gh api --method POST ${environmentPath(x, name)}/deployment-branch-policies -f name=${x.deployBranch} -f type=branch`;

/**
 * One GitHub environment: that it exists, that it allows exactly the deploy branch, and, for a
 * production stack's deploy job, that it requires reviewers. `policies` answers
 * `deployment-branch-policies`, read when the environment allows only listed branches.
 */
export function environmentFindings(
  x: GithubExpectations,
  env: ExpectedEnvironment,
  answer: GhAnswer,
  policies?: GhAnswer,
): GithubFinding[] {
  const subject = `environment ${env.name}`;
  if (answer.status === 404) {
    const body = environmentBody(
      {},
      {
        ...(env.reviewers ? { prevent_self_review: true, reviewers: NEW_REVIEWER } : {}),
        ...ONLY_LISTED,
      },
    );
    return [
      {
        level: "problem",
        subject,
        message: `(${env.job}) does not exist: the first job that names it would create it unprotected, open to every branch`,
        where: `Settings > Environments > New environment (https://github.com/${x.repository}/settings/environments/new)`,
        fix: `${putEnvironment(x, env.name, body)} && ${addBranch(x, env.name)}${env.reviewers ? ` ${REVIEWER_NOTE}` : ""}`,
      },
    ];
  }
  if (answer.status !== 200) return [unreadable(x, subject, answer, "actions")];
  const current = record(answer.body) ?? {};
  const page =
    typeof current.id === "number"
      ? ` (https://github.com/${x.repository}/settings/environments/${current.id}/edit)`
      : "";
  const at = (part: string) => `Settings > Environments > ${env.name} > ${part}${page}`;
  const found: GithubFinding[] = [];
  const review = list(current.protection_rules).find((r) => r.type === "required_reviewers");
  if (env.reviewers && list(review?.reviewers).length === 0)
    found.push({
      level: "problem",
      subject,
      message: `(${env.job}) has no required reviewers: whoever can push to ${x.deployBranch} deploys it with nobody's approval`,
      where: at("Deployment protection rules > Required reviewers"),
      fix: `${putEnvironment(x, env.name, environmentBody(current, { prevent_self_review: true, reviewers: NEW_REVIEWER }))} ${REVIEWER_NOTE}. In a private repository, GitHub offers required reviewers on its Enterprise plans only.`,
    });
  else if (env.reviewers && review?.prevent_self_review !== true)
    found.push({
      level: "warning",
      subject,
      message: `(${env.job}) lets whoever started a deployment approve it: one person can push to ${x.deployBranch} and approve the deploy alone`,
      where: at("Deployment protection rules > Prevent self-review"),
      fix: putEnvironment(x, env.name, environmentBody(current, { prevent_self_review: true })),
    });
  const policy = record(current.deployment_branch_policy);
  if (policy?.custom_branch_policies === true)
    return [...found, ...branchPolicyFindings(x, env, at, policies)];
  found.push({
    level: "problem",
    subject,
    message: `(${env.job}) allows ${policy === undefined ? "every branch" : "every protected branch"}; it should allow ${x.deployBranch} alone: a job on another branch of this repository, a pull request's included, may run in it and read its secrets`,
    where: at("Deployment branches and tags"),
    fix: `${putEnvironment(x, env.name, environmentBody(current, ONLY_LISTED))} && ${addBranch(x, env.name)}`,
  });
  return found;
}

/** An environment that allows listed branches and tags: the list must be the deploy branch alone. */
function branchPolicyFindings(
  x: GithubExpectations,
  env: ExpectedEnvironment,
  at: (part: string) => string,
  answer: GhAnswer | undefined,
): GithubFinding[] {
  const subject = `environment ${env.name}`;
  if (answer?.status !== 200)
    return [
      unreadable(
        x,
        `${subject}'s deployment branches`,
        answer ?? { status: 0, body: null },
        "actions",
      ),
    ];
  const body = record(answer.body) ?? {};
  const policies = list(body.branch_policies);
  const deploys = (p: Record<string, unknown>) =>
    p.name === x.deployBranch && (p.type ?? "branch") === "branch";
  if (policies.length === 1 && deploys(policies[0]!) && !(Number(body.total_count) > 1)) return [];
  const shown = policies.map((p) =>
    p.type === "tag" ? `the tag ${String(p.name)}` : String(p.name),
  );
  const more = Number(body.total_count) - policies.length;
  const fixes = [
    ...policies
      .filter((p) => !deploys(p))
      .map(
        (p) =>
          `gh api --method DELETE ${environmentPath(x, env.name)}/deployment-branch-policies/${String(p.id)}`,
      ),
    ...(policies.some(deploys) ? [] : [addBranch(x, env.name)]),
  ];
  return [
    {
      level: "problem",
      subject,
      message: `(${env.job}) allows ${shown.length === 0 ? "no branch, so its jobs cannot run" : `${shown.join(", ")}${more > 0 ? ` and ${more} more` : ""}`}; it should allow ${x.deployBranch} alone`,
      where: at("Deployment branches and tags"),
      fix: fixes.join(" && "),
    },
  ];
}
