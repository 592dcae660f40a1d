/** The verify command's arguments and help. */

import { exitCodesHelp, usage } from "../cli/failure.ts";
import { commonHelp, parseCommandLine } from "../cli/main.ts";
import { checkStackName } from "../cli/stacks.ts";
import type { AuthKind } from "./diagnose.ts";
import type { GranteeType, PermissionRole } from "./gemini.ts";

const AUTH_KINDS: AuthKind[] = ["service-account", "oauth", "adc", "impersonate", "api-key"];

export interface VerifyOptions {
  command: "verify" | "share-tuned-model" | "logout";
  help: boolean;
  stack?: string;
  outputs?: string;
  auth?: AuthKind;
  account?: string;
  keyFile?: string;
  clientFile?: string;
  impersonate?: string;
  project?: string;
  expectModels: string[];
  probe: boolean;
  tuned: boolean;
  pageSize?: number;
  scopes: string[];
  waitSeconds?: number;
  timeoutSeconds: number;
  retries: number;
  loginTimeoutSeconds: number;
  browser: boolean;
  tokenCache?: string;
  json: boolean;
  share?: { model: string; granteeType: GranteeType; emailAddress?: string; role: PermissionRole };
}

export const HELP = `Usage: npm run verify -- [options]
       npm run verify -- share-tuned-model tunedModels/ID --grantee-type USER|GROUP|EVERYONE [--email ADDRESS] [--role READER|WRITER|OWNER] [options]

Authenticates the way a consumer of the stack will, lists the Gemini models (every page), with
--probe calls one of them, and says why when it cannot.

Where the stack's facts come from (optional):
  --stack NAME             read the stack's outputs with \`pulumi stack output --json\`
  --outputs FILE           read them from a file saved from that command (no Pulumi CLI needed)

Identity (--auth; default: service-account if the stack issues a key, impersonate if it is
keyless, adc without a stack; --key-file or --client-file pick their own):
  --auth service-account   a service-account key: --key-file FILE, or the stack's key secret
  --auth oauth             a person, through the Desktop client: --client-file FILE, or the stack's
  --auth adc               Application Default Credentials (gcloud login, GOOGLE_APPLICATION_CREDENTIALS
                           including Workload Identity Federation files, the metadata server)
  --auth impersonate       keyless: your ADC impersonates the stack's account (or --impersonate EMAIL)
  --auth api-key           the stack's API key, or GOOGLE_API_KEY / GEMINI_API_KEY
  --account KEY            which of the stack's service accounts (default: the only one, or "runtime")
  --project PROJECT        the quota project user credentials bill (default: the stack's)
  --scope URL              request this scope instead of the defaults (repeatable)
  --no-browser             print the sign-in address instead of opening a browser
  --login-timeout SECONDS  how long to wait for the sign-in (default 300)
  --token-cache FILE       where the sign-in is saved (default: ~/.cache/gemini-access-kit/oauth-tokens.json,
                           or GEMINI_KIT_TOKEN_CACHE)
  --logout                 forget the saved sign-in for the Desktop client, then exit

Checks:
  --expect-model NAME      fail unless this model is listed, e.g. gemini-3.8-flash or
                           models/gemini-3.8-flash (repeatable)
  --probe                  then call countTokens (free) on the first --expect-model, or else on the
                           newest gemini-N-flash listed: proves the identity can call a model
  --tuned                  also list tuned models (legacy: none can be tuned since May 2025)
  --page-size N            models per page (default: Google's, 50)
  --wait SECONDS           retry "API not enabled" with backoff for up to this long (a freshly
                           enabled API takes minutes to reach every server)
  --timeout SECONDS        per request (default 30)
  --retries N              retries on 429, 5xx and network errors (default 4)

One identity at a time: --key-file, --client-file and --impersonate each name one, and --auth must
agree with the one named. --account needs --stack or --outputs.

Output (--json prints one object: { ok, command, identity, project, models, probe?, error? }):
${commonHelp(27)}
Endpoints (for Private Service Connect, proxies, tests): GOOGLE_GEMINI_BASE_URL,
GEMINI_KIT_OAUTH2_TOKEN_URL, GEMINI_KIT_OAUTH2_AUTH_URL, GEMINI_KIT_SECRETMANAGER_ENDPOINT,
GEMINI_KIT_IAMCREDENTIALS_ENDPOINT. Each must be https://, or http:// to a loopback address; every
one that is set is named on stderr.

${exitCodesHelp({ ok: "verified: the identity got a token and listed the models (and, with --probe, called one)", failed: "a check failed (the reason and its fix are printed)" })}`;

const USAGE_FIX = "Run with --help for the options.";

function seconds(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(value))
    throw usage(`--${name} ${JSON.stringify(value)} is not a number of seconds.`, USAGE_FIX);
  return Number(value);
}

function count(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw usage(
      `--${name} ${JSON.stringify(value)} is not a whole number from ${min} to ${max}.`,
      USAGE_FIX,
    );
  return n;
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  if (value === undefined) return fallback;
  const upper = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (upper === undefined)
    throw usage(
      `--${name} ${JSON.stringify(value)} is not one of ${allowed.join(", ")}.`,
      USAGE_FIX,
    );
  return upper;
}

export function parseVerifyArgs(argv: string[]): VerifyOptions {
  const { values: v, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (command !== undefined && command !== "share-tuned-model")
    throw usage(
      `Unknown command ${JSON.stringify(command)}.`,
      "The only command is share-tuned-model; run with --help.",
    );
  if (v.stack !== undefined && v.outputs !== undefined)
    throw usage("--stack and --outputs both name the stack's facts; pass one.", USAGE_FIX);
  const options: VerifyOptions = {
    command: command === "share-tuned-model" ? "share-tuned-model" : v.logout ? "logout" : "verify",
    help: v.help,
    stack: v.stack === undefined ? undefined : checkStackName(v.stack),
    outputs: v.outputs,
    auth: oneOf("auth", v.auth, AUTH_KINDS),
    account: v.account,
    keyFile: v["key-file"],
    clientFile: v["client-file"],
    impersonate: v.impersonate,
    project: v.project,
    expectModels: (v["expect-model"] ?? []).map((m) =>
      m.startsWith("models/") ? m : `models/${m}`,
    ),
    probe: v.probe ?? false,
    tuned: v.tuned ?? false,
    pageSize: count("page-size", v["page-size"], 1, 1000),
    scopes: v.scope ?? [],
    waitSeconds: seconds("wait", v.wait),
    timeoutSeconds: seconds("timeout", v.timeout, 30)!,
    retries: count("retries", v.retries, 0, 10) ?? 4,
    loginTimeoutSeconds: seconds("login-timeout", v["login-timeout"], 300)!,
    browser: !(v["no-browser"] ?? false),
    tokenCache: v["token-cache"],
    json: v.json,
  };
  if (options.help) return options;
  if (options.timeoutSeconds <= 0) throw usage("--timeout must be more than 0 seconds.", USAGE_FIX);
  checkIdentity(options);
  if (options.command === "share-tuned-model") options.share = shareArgs(rest, v);
  else if (rest.length > 0)
    throw usage(`Unexpected argument ${JSON.stringify(rest[0])}.`, USAGE_FIX);
  return options;
}

/** The flags that each name an identity, with the --auth kind they imply. */
const IDENTITY_FLAGS = [
  ["--key-file", "keyFile", "service-account"],
  ["--client-file", "clientFile", "oauth"],
  ["--impersonate", "impersonate", "impersonate"],
] as const;

/**
 * One run proves one identity: flags that name two are refused rather than one of them silently
 * winning, so a "Verified" line is always about the identity that was asked for.
 */
function checkIdentity(o: VerifyOptions): void {
  const named = IDENTITY_FLAGS.filter(([, field]) => o[field] !== undefined);
  const [first, second] = named;
  if (first !== undefined && second !== undefined) {
    throw usage(
      `${first[0]} and ${second[0]} name two identities; a run verifies one.`,
      `Drop one of them (--auth ${first[2]} or --auth ${second[2]}).`,
    );
  }
  if (first !== undefined && o.auth !== undefined && o.auth !== first[2]) {
    throw usage(
      `--auth ${o.auth} and ${first[0]} (which is --auth ${first[2]}) name two identities; a run verifies one.`,
      `Drop ${first[0]}, or use --auth ${first[2]}.`,
    );
  }
  if (
    o.command === "logout" &&
    ((o.auth !== undefined && o.auth !== "oauth") ||
      o.keyFile !== undefined ||
      o.impersonate !== undefined)
  ) {
    throw usage(
      "--logout forgets a Desktop-client sign-in, which only --auth oauth makes.",
      "Pass --logout with --client-file FILE, or with --stack / --outputs alone.",
    );
  }
  if (o.account === undefined) return;
  if (first !== undefined && first[2] !== "oauth") {
    throw usage(
      `--account picks one of the stack's accounts, but ${first[0]} already names the identity.`,
      `Drop --account, or drop ${first[0]}.`,
    );
  }
  const kind = o.auth ?? first?.[2];
  if (kind !== undefined && kind !== "service-account" && kind !== "impersonate") {
    throw usage(
      `--account picks a service account of the stack, which --auth ${kind} does not act as.`,
      "Drop --account, or use --auth service-account or --auth impersonate.",
    );
  }
  if (o.stack === undefined && o.outputs === undefined) {
    throw usage(
      "--account picks one of the stack's accounts, but no stack is named.",
      "Pass --stack NAME or --outputs FILE too.",
    );
  }
}

function shareArgs(
  rest: string[],
  v: ReturnType<typeof parse>["values"],
): NonNullable<VerifyOptions["share"]> {
  const [model, extra] = rest;
  if (model === undefined || !/^tunedModels\/[a-z0-9-]{1,63}$/.test(model) || extra !== undefined) {
    throw usage(
      "share-tuned-model needs one tuned model name, like tunedModels/my-model-abc123.",
      "List them with --tuned.",
    );
  }
  const granteeType = oneOf("grantee-type", v["grantee-type"], [
    "USER",
    "GROUP",
    "EVERYONE",
  ] as const);
  if (granteeType === undefined)
    throw usage("share-tuned-model needs --grantee-type USER, GROUP or EVERYONE.", USAGE_FIX);
  const role = oneOf("role", v.role, ["READER", "WRITER", "OWNER"] as const, "READER")!;
  const email = v.email;
  if (granteeType === "EVERYONE") {
    if (email !== undefined)
      throw usage(
        "--grantee-type EVERYONE takes no --email.",
        "Drop --email, or share with a USER or GROUP.",
      );
    if (role !== "READER")
      throw usage(
        `--grantee-type EVERYONE allows only --role READER, not ${role}.`,
        "Use --role READER.",
      );
  } else if (email === undefined || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw usage(
      `--grantee-type ${granteeType} needs --email with an e-mail address${email ? `, not ${JSON.stringify(email)}` : ""}.`,
      USAGE_FIX,
    );
  }
  return { model, granteeType, emailAddress: email, role };
}

function parse(argv: string[]) {
  return parseCommandLine(
    "verify",
    argv,
    {
      stack: { type: "string" },
      outputs: { type: "string" },
      auth: { type: "string" },
      account: { type: "string" },
      "key-file": { type: "string" },
      "client-file": { type: "string" },
      impersonate: { type: "string" },
      project: { type: "string" },
      "expect-model": { type: "string", multiple: true },
      probe: { type: "boolean" },
      tuned: { type: "boolean" },
      "page-size": { type: "string" },
      scope: { type: "string", multiple: true },
      wait: { type: "string" },
      timeout: { type: "string" },
      retries: { type: "string" },
      "login-timeout": { type: "string" },
      "no-browser": { type: "boolean" },
      "token-cache": { type: "string" },
      logout: { type: "boolean" },
      "grantee-type": { type: "string" },
      email: { type: "string" },
      role: { type: "string" },
    },
    true,
  );
}
