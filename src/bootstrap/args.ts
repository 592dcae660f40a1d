/** The bootstrap command's arguments and help. */

import { parseArgs } from "node:util";
import { UsageError } from "../cli/process.ts";

export const BOOTSTRAP_HELP = `Usage: npm run bootstrap -- --stack NAME [--backend URL] [--secrets-provider URL] [--client-file FILE]

The one-time human steps for a new environment, each skipped when it is already done, so running
it again is safe:
  1. log in to the state backend (--backend gs://BUCKET, file://DIR, or https://api.pulumi.com);
  2. create the stack with its secrets provider (--secrets-provider gcpkms://projects/P/locations/L/
     keyRings/R/cryptoKeys/K, or passphrase), unless it exists;
  3. set keyRotationStart to today when the stack issues keys and has no start date;
  4. hand the downloaded Desktop OAuth client file to the stack as an encrypted secret
     (--client-file client_secret.json; the file is checked first, and passed on standard input,
     never on a command line);
  5. once the stack has been deployed, print the GitHub variables the CI workflow reads.

Options:
  --stack NAME              the stack (stacks/Pulumi.NAME.yaml)
  --backend URL             the state backend to log in to
  --secrets-provider URL    the secrets provider for a new stack
  --client-file FILE        the Desktop OAuth client file
  --dry-run                 print what would run; change nothing
  -h, --help                show this help

Exit codes: 0 done, 1 a step failed, 2 usage error or a bad client file.
`;

export interface BootstrapOptions {
  help: boolean;
  stack: string;
  backend?: string;
  secretsProvider?: string;
  clientFile?: string;
  dryRun: boolean;
}

const BACKEND = /^(gs:\/\/[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](\/.*)?|file:\/\/.+|https:\/\/.+)$/;
const PROVIDER = /^(gcpkms:\/\/projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+|passphrase|default)$/;

export function parseBootstrapArgs(argv: string[]): BootstrapOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" }, backend: { type: "string" }, "secrets-provider": { type: "string" },
        "client-file": { type: "string" }, "dry-run": { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. See npm run bootstrap -- --help.`);
  }
  if (values.help) return { help: true, stack: "", dryRun: false };
  if (values.stack === undefined || !/^[A-Za-z0-9._-]+$/.test(values.stack)) throw new UsageError("Which stack? Pass --stack NAME.");
  if (values.backend !== undefined && !BACKEND.test(values.backend)) {
    throw new UsageError(`--backend ${values.backend} is not a backend URL; expected gs://BUCKET, file://DIR or https://api.pulumi.com.`);
  }
  const provider = values["secrets-provider"];
  if (provider !== undefined && !PROVIDER.test(provider)) {
    throw new UsageError(`--secrets-provider ${provider} is not a secrets provider; expected gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K or passphrase.`);
  }
  return { help: false, stack: values.stack, backend: values.backend, secretsProvider: provider, clientFile: values["client-file"], dryRun: values["dry-run"] };
}
