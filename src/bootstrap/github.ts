/**
 * The GitHub settings the CI design rests on and the kit cannot make: each GitHub environment a job
 * runs in limited to the deploy branch (so a pull request's branch gets none of its secrets), a
 * production stack's deploy environment with required reviewers, and the repository's own settings
 * (github-settings.ts). Pure: each function takes `gh api` answers and returns what does not hold,
 * with where the setting is in GitHub and, where one exists, the command that fixes it.
 */

import { record } from "../json.ts";
import type { CiConfig } from "../config/types.ts";

/** One `gh api` answer: 200 with the JSON gh printed, or the HTTP status and gh's account of it. */
export interface GhAnswer {
  status: number;
  body: unknown;
  /** gh's one line on a failure, e.g. "Not Found (HTTP 404)". */
  error?: string;
}

export interface GithubFinding {
  /** A problem fails bootstrap; a warning is printed and passes. */
  level: "problem" | "warning";
  /** The setting, e.g. `environment prod`. */
  subject: string;
  /** What does not hold, and what that lets happen. */
  message: string;
  /** Where the setting is in GitHub's web interface. */
  where?: string;
  /** What fixes it: a command where one exists. */
  fix: string;
}

/** A GitHub environment one of the kit's jobs runs in. */
export interface ExpectedEnvironment {
  name: string;
  /** The job, for messages: "the deploy job of stack prod". */
  job: string;
  /** A production stack's deploy environment, which must require reviewers. */
  reviewers: boolean;
}

/** What the CI stack's config expects of GitHub. */
export interface GithubExpectations {
  /** owner/name */
  repository: string;
  repositoryId: string;
  repositoryOwnerId: string;
  deployBranch: string;
  environments: ExpectedEnvironment[];
  /** The CI stack's file, for fixes. */
  stackFile: string;
}

export function githubExpectations(ci: CiConfig, stackFile: string): GithubExpectations {
  return {
    repository: ci.repository,
    repositoryId: ci.repositoryId,
    repositoryOwnerId: ci.repositoryOwnerId,
    deployBranch: ci.deployBranch,
    stackFile,
    environments: ci.environments.flatMap((e) => [
      {
        name: e.githubEnvironment,
        job: `the deploy job of stack ${e.name}${e.config.production ? ", a production stack" : ""}`,
        reviewers: e.config.production,
      },
      ...(e.rotator === undefined
        ? []
        : [
            {
              name: e.rotationEnvironment,
              job: `the rotation job of stack ${e.name}`,
              reviewers: false,
            },
          ]),
    ]),
  };
}

/** The objects in a JSON list; anything else in it is left out. */
export const list = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.flatMap((v: unknown): Record<string, unknown>[] => {
        const r = record(v);
        return r === undefined ? [] : [r];
      })
    : [];

/** The classic scope and fine-grained permission a read needs, for messages. */
type Needs = "actions" | "secrets" | "administration";
const NEEDS: Record<Needs, string> = {
  actions: 'the repo scope (a fine-grained token: "Actions" read)',
  secrets: 'the repo scope and collaborator access (a fine-grained token: "Secrets" read)',
  administration: 'the repo scope and admin access (a fine-grained token: "Administration" read)',
};

/** A read that failed: what could not be checked, and what the account gh uses needs for it. */
export function unreadable(
  x: GithubExpectations,
  subject: string,
  answer: GhAnswer,
  needs: Needs,
  level: GithubFinding["level"] = "problem",
): GithubFinding {
  return {
    level,
    subject,
    message: `could not be read (${answer.error ?? `HTTP ${answer.status}`}), so this was not checked`,
    fix: `Run bootstrap as an administrator of ${x.repository} whose gh login has ${NEEDS[needs]}: gh auth refresh --scopes repo, or gh auth login.`,
  };
}
