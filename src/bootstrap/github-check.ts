/**
 * The CI stack's bootstrap step that reads, through the GitHub CLI, the settings CI rests on and
 * fails when one does not hold (github.ts and its siblings judge the answers). Only reads: nothing
 * in GitHub is changed, and each fix is printed for an administrator to run.
 */

import type { Run } from "../cli/process.ts";
import { stackFileName } from "../cli/stacks.ts";
import { parseCiConfig } from "../config/ci.ts";
import type { StackFile } from "../config/stack-file.ts";
import { record } from "../json.ts";
import type { BootstrapOptions } from "./args.ts";
import { environmentFindings, environmentPath } from "./github-environments.ts";
import {
  forkFindings,
  repositoryFindings,
  secretFindings,
  workflowFindings,
} from "./github-repository.ts";
import {
  githubExpectations,
  list,
  type GhAnswer,
  type GithubExpectations,
  type GithubFinding,
} from "./github.ts";
import { StepFailed, type StepResult } from "./step.ts";

/** `gh api ENDPOINT`'s answer; throws GhUnavailable when gh cannot be asked at all. */
type Gh = (endpoint: string) => Promise<GhAnswer>;

class GhUnavailable extends Error {}

/** How long one `gh api` may take: GitHub that does not answer must not hold bootstrap forever. */
const GH_TIMEOUT_MS = 60_000;
/** Pages of 100 secrets read at most; GitHub allows a repository 100 secrets of its own. */
const MAX_PAGES = 10;

/** Runs `gh api` (a GET) through `run`. */
function ghApi(run: Run): Gh {
  return async (endpoint) => {
    const r = await run("gh", ["api", endpoint], { timeoutMs: GH_TIMEOUT_MS });
    if (r.missing) throw new GhUnavailable("is not on PATH");
    // gh's exit code 4: authentication required (gh help exit-codes).
    if (r.exitCode === 4) throw new GhUnavailable("is not logged in");
    const said = r.stderr.trim().split("\n").pop()?.replace(/^gh: /, "") ?? "";
    const status = r.exitCode === 0 ? 200 : Number(/\(HTTP (\d{3})\)/.exec(said)?.[1] ?? 0);
    if (status === 401)
      throw new GhUnavailable(`is logged in with a token GitHub refuses (${said})`);
    let body: unknown = null;
    try {
      body = JSON.parse(r.stdout || "null");
    } catch {
      if (status === 200) return { status: 0, body, error: "gh printed something other than JSON" };
    }
    return status === 200
      ? { status, body }
      : { status, body, error: said || `exit ${r.exitCode}` };
  };
}

/** Every page of a list of secrets: `path?per_page=100&page=N` until one is short or fails. */
async function pages(gh: Gh, path: string): Promise<GhAnswer[]> {
  const read: GhAnswer[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await gh(`${path}?per_page=100&page=${page}`);
    read.push(answer);
    if (answer.status !== 200 || list(record(answer.body)?.secrets).length < 100) break;
  }
  return read;
}

/** Reads every setting `x` expects and returns what does not hold. */
async function checkGithub(gh: Gh, x: GithubExpectations): Promise<GithubFinding[]> {
  const repository = await gh(`repos/${x.repository}`);
  const found = repositoryFindings(x, repository);
  if (repository.status !== 200) return found;
  const about = record(repository.body) ?? {};
  const isPublic = (about.visibility ?? (about.private === false ? "public" : "")) === "public";
  const environments = await Promise.all(
    x.environments.map(async (env) => {
      const answer = await gh(environmentPath(x, env.name));
      const listed =
        answer.status === 200 &&
        record(record(answer.body)?.deployment_branch_policy)?.custom_branch_policies === true;
      const policies = listed
        ? await gh(`${environmentPath(x, env.name)}/deployment-branch-policies?per_page=100`)
        : undefined;
      return environmentFindings(x, env, answer, policies);
    }),
  );
  // A personal account has no organization secrets to share.
  const none: GhAnswer[] = [{ status: 200, body: { total_count: 0, secrets: [] } }];
  const [inRepository, inOrganization] = await Promise.all([
    pages(gh, `repos/${x.repository}/actions/secrets`),
    record(about.owner)?.type === "User"
      ? none
      : pages(gh, `repos/${x.repository}/actions/organization-secrets`),
  ]);
  const fork = isPublic
    ? []
    : forkFindings(
        x,
        await gh(`repos/${x.repository}/actions/permissions/fork-pr-workflows-private-repos`),
      );
  return [
    ...found,
    ...environments.flat(),
    ...secretFindings(x, inRepository, inOrganization),
    ...fork,
    ...workflowFindings(x, await gh(`repos/${x.repository}/actions/permissions/workflow`)),
  ];
}

/** What the checks read, as one sentence each: what passing means, and what skipping leaves unchecked. */
function whatIsChecked(x: GithubExpectations | undefined): string[] {
  const reviewed = x?.environments.filter((e) => e.reviewers).map((e) => e.name) ?? [];
  return [
    x === undefined
      ? "every deploy and rotation GitHub environment exists and allows the deploy branch alone"
      : `the GitHub environments ${x.environments.map((e) => e.name).join(", ")} exist and allow the branch ${x.deployBranch} alone`,
    x === undefined
      ? "a production stack's deploy environment requires reviewers"
      : reviewed.length > 0
        ? `${reviewed.join(", ")} require${reviewed.length === 1 ? "s" : ""} reviewers`
        : "",
    "no PULUMI_* secret is stored for the repository or shared with it by its organization",
    "runs of fork pull requests get no write token and no secrets",
    "GITHUB_TOKEN is read-only by default",
    "the repository's ids are ci.repositoryId and ci.repositoryOwnerId",
  ].filter((s) => s !== "");
}

function formatFindings(findings: GithubFinding[]): string {
  return findings
    .map((f) =>
      [
        `  - ${f.level === "warning" ? "warning: " : ""}${f.subject} ${f.message}.`,
        ...(f.where === undefined ? [] : [`    In GitHub: ${f.where}.`]),
        `    Fix: ${f.fix}`,
      ].join("\n"),
    )
    .join("\n");
}

/** The CI stack's config as the checks need it; a config with problems cannot be checked against. */
function expectations(
  o: BootstrapOptions,
  readStack: (stack: string) => StackFile | undefined,
): GithubExpectations | string {
  const file = readStack(o.stack);
  const name = stackFileName(o.stack);
  const { config, problems } = parseCiConfig(file?.raw ?? {}, {
    stack: o.stack,
    secretKeys: new Set(file?.encrypted),
    readStack,
  });
  if (config !== undefined) return githubExpectations(config, name);
  return `${name} has ${problems.length} config problem${problems.length === 1 ? "" : "s"}, so the GitHub settings CI relies on cannot be checked: npm run plan -- --stack ${o.stack} lists them`;
}

/** The step: the settings read and judged, or, with --skip-github-checks, a warning of what was not. */
export async function githubSettings(
  run: Run,
  readStack: (stack: string) => StackFile | undefined,
  o: BootstrapOptions,
): Promise<StepResult> {
  const step = "github settings";
  const x = expectations(o, readStack);
  if (o.skipGithubChecks)
    return {
      step,
      status: "warning",
      detail: `not checked (--skip-github-checks), and CI's safety rests on them; check by hand that ${whatIsChecked(typeof x === "string" ? undefined : x).join("; ")}`,
    };
  if (typeof x === "string") throw new StepFailed(x);
  let findings: GithubFinding[];
  try {
    findings = await checkGithub(ghApi(run), x);
  } catch (err) {
    if (!(err instanceof GhUnavailable)) throw err;
    throw new StepFailed(
      `The GitHub CLI (gh) ${err.message}, so the GitHub settings CI relies on cannot be checked. ${
        err.message === "is not on PATH" ? "Install it (https://cli.github.com/), then log" : "Log"
      } in as an administrator of ${x.repository}: gh auth login (its default scopes include repo, which the checks need), or set GH_TOKEN to a token that can read the repository's environments, Actions secrets and Actions settings ("Actions", "Secrets" and "Administration" read, for a fine-grained token); then run bootstrap again. Or pass --skip-github-checks to go on without these checks.`,
    );
  }
  const problems = findings.filter((f) => f.level === "problem");
  const warnings = findings.filter((f) => f.level === "warning");
  if (problems.length > 0)
    throw new StepFailed(
      `${problems.length} of the GitHub settings CI relies on ${problems.length === 1 ? "does" : "do"} not hold in ${x.repository}:\n${formatFindings([...problems, ...warnings])}`,
      findings,
    );
  return warnings.length === 0
    ? { step, status: "done", detail: `${x.repository}: ${whatIsChecked(x).join("; ")}`, findings }
    : {
        step,
        status: "warning",
        detail: `the settings CI relies on hold in ${x.repository}, with ${warnings.length} warning${warnings.length === 1 ? "" : "s"}:\n${formatFindings(warnings)}`,
        findings,
      };
}
