/**
 * What one live run is called and the stack file it writes: a run id that is a valid project id, a
 * stack and environment named after it, and every id the kit derives from them within Google's
 * limits (naming.ts), so two runs, or a run and someone's own stacks in an adopted project, never
 * share a name.
 */

import { stringify } from "yaml";
import { NAMESPACE } from "../config/keys.ts";
import { names } from "../naming.ts";

/** The label every run puts on its project and on everything the kit labels; the janitor looks for it. */
export const E2E_LABEL = "gemini-access-kit-e2e";

/** The prefix of every id a run's stack derives (`gak-runtime-e2e-abc123`, 22 of IAM's 30 characters). */
const NAME_PREFIX = "gak";

/** The one account a run makes: keyed, with an API key bound to it. */
const ACCOUNT = "runtime";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export interface RunNames {
  /** `gak-e2e-<6 random>`: 14 characters, a valid project id (6-30) and label value. */
  runId: string;
  /** The run's stack: the run id. */
  stack: string;
  /** `e2e-<6 random>`: the stack's environment, in every id it derives. */
  environment: string;
  /** The API key id the rotator's keys start with: `gak-gemini-e2e-<6 random>`. */
  apiKeyPrefix: (project: string) => string;
}

/** Six characters from 6 random bytes; a byte's bias over 36 letters is of no consequence here. */
export function runNames(bytes: Uint8Array): RunNames {
  const suffix = Array.from(bytes.slice(0, 6), (b) => ALPHABET[b % ALPHABET.length]).join("");
  const runId = `gak-e2e-${suffix}`;
  const environment = `e2e-${suffix}`;
  return {
    runId,
    stack: runId,
    environment,
    apiKeyPrefix: (project) => names(project, NAME_PREFIX, environment).apiKeyId(),
  };
}

/** Where the project comes from: made under a folder or organization, or one that exists. */
export type ProjectSource =
  { create: { parent: string; billingAccount: string } } | { adopt: { project: string } };

export interface StackFileInput {
  names: RunNames;
  source: ProjectSource;
  region?: string;
  /** The caller as an IAM member (`user:...`, `serviceAccount:...`): impersonator and reader. */
  member: string;
}

/** The project a run deploys to: the run id when it makes one. */
export function runProject(source: ProjectSource, n: RunNames): string {
  return "create" in source ? n.runId : source.adopt.project;
}

/**
 * The solo stack a run deploys (docs/deploy.md, "Try it alone") with a key and an API key, so every
 * identity verify knows can be proven: the caller impersonates the account and reads both secrets.
 * `project` is the project-vending setting: `create` makes the project (labelled, so the janitor
 * finds it), `adopt` takes the one named in gcp:project.
 */
export function stackFileText(input: StackFileInput): string {
  const { names: n, source, member } = input;
  const labels = { [E2E_LABEL]: n.runId };
  const kit = (key: string) => `${NAMESPACE}:${key}`;
  const project =
    "create" in source
      ? {
          create: {
            parent: source.create.parent,
            billingAccount: source.create.billingAccount,
            labels,
          },
        }
      : { adopt: {} };
  const config = {
    "gcp:project": runProject(source, n),
    ...(input.region === undefined ? {} : { "gcp:region": input.region }),
    "gcp:defaultLabels": labels,
    [kit("foundation")]: "stack",
    [kit("namePrefix")]: NAME_PREFIX,
    [kit("environment")]: n.environment,
    [kit("project")]: project,
    [kit("serviceAccounts")]: {
      [ACCOUNT]: {
        roles: ["roles/serviceusage.serviceUsageConsumer"],
        impersonators: [member],
        createKey: true,
        keyReaders: [member],
      },
    },
    [kit("apiKey")]: { serviceAccount: ACCOUNT, readers: [member] },
  };
  return `# Written by npm run e2e for the run ${n.runId}; removed with the run's temporary folder.\n${stringify({ config })}`;
}

/** deploy-waves.yaml for the copy: the run's stack alone in one wave. */
export function wavesFileText(n: RunNames): string {
  return stringify({ waves: [[n.stack]], admin: [] });
}
