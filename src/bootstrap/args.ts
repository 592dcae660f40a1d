/** The bootstrap command's arguments and help. */

import { exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine } from "../cli/main.ts";
import { checkStackName } from "../cli/stacks.ts";

export const BOOTSTRAP_HELP = `Usage: npm run bootstrap -- --stack NAME [--backend URL] [--secrets-provider URL] [--client-file FILE]
                             [--skip-github-checks]

The one-time human steps for a new environment, each skipped when it is already done, so running
it again is safe:
  1. log in to the state backend (--backend gs://BUCKET, file://DIR, or https://api.pulumi.com);
  2. create the stack with its secrets provider (--secrets-provider gcpkms://projects/P/locations/L/
     keyRings/R/cryptoKeys/K, or passphrase, which is refused for a production: true stack),
     unless it exists;
  3. hand the downloaded Desktop OAuth client file to the stack as an encrypted secret
     (--client-file client_secret.json; the file is checked first, and passed on standard input,
     never on a command line);
  4. for the CI stack, once an administrator has deployed it: write its outputs into
     .github/gak-environments.json, the coordinates the workflows read (each governed
     environment's accounts, GitHub environments and state backend; another CI stack's entries
     stay as they are), print what changed, to be committed, and each environment's bootstrap
     command (its backend and KMS key); with --dry-run, print what would change;
  5. for the CI stack: read, through the GitHub CLI, the GitHub settings CI relies on, and fail
     with each one that does not hold, where it is in GitHub and the command that fixes it: every
     deploy and rotation GitHub environment exists and allows only the deploy branch
     (ci.deployBranch), a production stack's deploy environment requires reviewers, no PULUMI_*
     secret is stored for the repository or shared with it by its organization, runs of fork pull
     requests get no write token and no secrets, and the repository's ids are the configured ones;
     a default GITHUB_TOKEN that can write is a warning. gh must be logged in (gh auth login) as an
     administrator of ci.repository, with the repo scope (a fine-grained token: "Actions",
     "Secrets" and "Administration" read). Nothing in GitHub is changed. docs/deploy.md ("The
     GitHub settings the CI stack's bootstrap checks") says what each check means.

The client file is checked before anything is changed, and refused for a stack in the CI stack's
ci.previews: every pull request's preview decrypts that stack's config.

Options:
  --stack NAME              the stack (stacks/Pulumi.NAME.yaml)
  --backend URL             the state backend to log in to
  --secrets-provider URL    the secrets provider for a new stack
  --client-file FILE        the Desktop OAuth client file
  --dry-run                 print what would run or be written; change nothing
  --skip-github-checks      do not read the GitHub settings (step 5); a warning lists them
${commonHelp(28)}
${exitCodesHelp({ ok: "every step is done", failed: "a step failed (the steps before it are done; running again resumes)" })}`;

export interface BootstrapOptions {
  help: boolean;
  stack: string;
  backend?: string;
  secretsProvider?: string;
  clientFile?: string;
  dryRun: boolean;
  /** Leave the CI stack's GitHub settings unread; bootstrap warns that they were not checked. */
  skipGithubChecks: boolean;
  json: boolean;
}

const BACKEND = /^(gs:\/\/[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](\/.*)?|file:\/\/.+|https:\/\/.+)$/;
const PROVIDER =
  /^(gcpkms:\/\/projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+|passphrase|default)$/;

export function parseBootstrapArgs(argv: string[]): BootstrapOptions {
  const { values } = parseCommandLine("bootstrap", argv, {
    stack: { type: "string" },
    backend: { type: "string" },
    "secrets-provider": { type: "string" },
    "client-file": { type: "string" },
    "dry-run": { type: "boolean", default: false },
    "skip-github-checks": { type: "boolean", default: false },
  });
  if (values.help)
    return { help: true, stack: "", dryRun: false, skipGithubChecks: false, json: values.json };
  if (values.stack === undefined) throw usage("Which stack?", "Pass --stack NAME.");
  const stack = checkStackName(values.stack);
  if (values.backend !== undefined && !BACKEND.test(values.backend)) {
    throw usage(
      `--backend ${values.backend} is not a backend URL.`,
      "Pass gs://BUCKET, file://DIR or https://api.pulumi.com.",
    );
  }
  const provider = values["secrets-provider"];
  if (provider !== undefined && !PROVIDER.test(provider)) {
    throw usage(
      `--secrets-provider ${provider} is not a secrets provider.`,
      "Pass gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K, or passphrase.",
    );
  }
  return {
    help: false,
    stack,
    backend: values.backend,
    secretsProvider: provider,
    clientFile: values["client-file"],
    dryRun: values["dry-run"],
    skipGithubChecks: values["skip-github-checks"],
    json: values.json,
  };
}
