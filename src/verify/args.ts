/** The verify command's arguments (its --help is help.ts). */

import { usage } from "../cli/failure.ts";
import { parseCommandLine } from "../cli/main.ts";
import { checkProject, checkStackName } from "../cli/stacks.ts";
import { VERTEX_MODEL } from "../google/apis/aiplatform.ts";
import type { AuthKind } from "../google/errors/context.ts";
import { VERTEX_LOCATION } from "../google/transport/endpoints.ts";
import { checkIdentity } from "./identity-args.ts";
import type { Target, VerifyOptions } from "./options.ts";

const AUTH_KINDS: AuthKind[] = ["service-account", "oauth", "adc", "impersonate", "api-key"];
const TARGETS: Target[] = ["gemini-api", "vertex", "both"];

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
    project: v.project === undefined ? undefined : checkProject(v.project),
    expectModels: (v["expect-model"] ?? []).map((m) =>
      m.startsWith("models/") ? m : `models/${m}`,
    ),
    target: oneOf("target", v.target, TARGETS),
    location: v.location === undefined ? undefined : vertexLocation(v.location),
    vertexModels: (v.model ?? []).map(vertexModel),
    probe: v["probe-generate"] ? "generateContent" : v.probe ? "countTokens" : undefined,
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

/** A Vertex location: it becomes part of a host name, so only Google's forms pass. */
function vertexLocation(value: string): string {
  if (!VERTEX_LOCATION.test(value))
    throw usage(
      `--location ${JSON.stringify(value)} is not a Vertex location.`,
      "Name global, us, eu or a region such as us-central1.",
    );
  return value;
}

/** A Vertex model: a bare id, or publishers/google/models/ID (Google's models only). */
function vertexModel(value: string): string {
  const id = value.replace(/^publishers\/google\/models\//, "");
  if (!VERTEX_MODEL.test(id))
    throw usage(
      `--model ${JSON.stringify(value)} is not one of Google's Vertex models.`,
      "Name it as Vertex does, e.g. gemini-3.8-flash (or publishers/google/models/gemini-3.8-flash).",
    );
  return id;
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
      target: { type: "string" },
      location: { type: "string" },
      model: { type: "string", multiple: true },
      probe: { type: "boolean" },
      "probe-generate": { type: "boolean" },
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
