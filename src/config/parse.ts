/**
 * The stack config check: a pure function from the raw values Pulumi hands the program to a fully
 * resolved KitConfig, or to the list of every problem found. Nothing here registers a resource, so
 * a stack with bad config stops before anything is created.
 */

import { stackFileName } from "../cli/stacks.ts";
import {
  IAM_CONDITION_LIMITS,
  LABEL_VALUE,
  LOCATION,
  NAME_PREFIX,
  PROJECT_ID,
  SECRET_ID,
  names as makeNames,
} from "../naming.ts";
import { setClientCommand } from "../oauth/consent.ts";
import { accountEmails, parseAccounts } from "./accounts.ts";
import { geminiKeyKind, parseApiKey, vertexKeyKind } from "./api-key.ts";
import { checkPreviewed } from "./committed-ci.ts";
import type { ParseContext } from "./context.ts";
import { decode, type RawConfig, type Values } from "./decode.ts";
import { NAMESPACE } from "./keys.ts";
import { parseGovernance } from "./governance.ts";
import { parseOauth } from "./oauth.ts";
import { parseVending } from "./vending.ts";
import { checkRule, HIDDEN, Problems, type Problem } from "./problems.ts";
import {
  parseVertex,
  targetApis,
  vertexRolePolicy,
  withExpressUser,
  withVertexUser,
} from "./vertex.ts";
import type { AccountConfig, KitConfig } from "./types.ts";
import { GRACE_HOURS } from "../rotation.ts";

/** The APIs every stack enables: the Gemini API and what the kit itself calls. */
const BASE_APIS = [
  "generativelanguage.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "secretmanager.googleapis.com",
];
const API_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.googleapis\.com$/;
const MAX_ROTATION_DAYS = 90;
const DEFAULT_ROTATION_DAYS = 45;

function parseRotationDays(p: Problems, v: Values): number {
  const days = (v.keyRotationDays as number | undefined) ?? DEFAULT_ROTATION_DAYS;
  if (days < 1 || days > MAX_ROTATION_DAYS) {
    p.add(
      "keyRotationDays",
      days,
      `is outside 1-${MAX_ROTATION_DAYS}; Google advises rotating keys at least every 90 days`,
      "Set a period of 90 days or less.",
    );
  }
  return days;
}

function parseGraceHours(p: Problems, v: Values): number {
  const hours = (v.unmanagedKeyGraceHours as number | undefined) ?? GRACE_HOURS.default;
  if (hours < GRACE_HOURS.min || hours > GRACE_HOURS.max) {
    p.add(
      "unmanagedKeyGraceHours",
      hours,
      `is outside ${GRACE_HOURS.min}-${GRACE_HOURS.max}; the rotator gives a key it did not make at least an hour, so its alarm reaches someone first, and at most 30 days`,
      `Set a whole number of hours from ${GRACE_HOURS.min} to ${GRACE_HOURS.max} (default ${GRACE_HOURS.default}).`,
    );
  }
  return hours;
}

function parseApis(
  p: Problems,
  raw: unknown,
  uses: { roles: boolean; apiKey: boolean },
  fix: string,
): string[] {
  const extra = p.stringList("extraApis", raw, fix) ?? [];
  extra.forEach((api, i) =>
    checkRule(
      p,
      `extraApis[${i}]`,
      api,
      { pattern: API_NAME, allowed: "a service name such as aiplatform.googleapis.com" },
      "Correct the service name.",
    ),
  );
  const apis = [...BASE_APIS, ...extra];
  // Project IAM bindings are written through the Resource Manager API.
  if (uses.roles) apis.push("cloudresourcemanager.googleapis.com");
  if (uses.apiKey) apis.push("apikeys.googleapis.com");
  return [...new Set(apis)].sort();
}

/** Two secrets with one id would overwrite each other's versions. */
function checkSecretIds(
  p: Problems,
  accounts: AccountConfig[],
  oauthId: string | undefined,
  apiKeyId: string | undefined,
  vertexApiKeyId: string | undefined,
): void {
  const owners = new Map<string, string>();
  const claim = (id: string | undefined, owner: string): void => {
    if (id === undefined) return;
    const other = owners.get(id);
    if (other !== undefined)
      p.add(owner, id, `gives the secret id that ${other} also gives`, "Rename one of them.");
    owners.set(id, owner);
  };
  accounts
    .filter((a) => a.createKey)
    .forEach((a) => claim(a.keySecretId, `serviceAccounts.${a.key}`));
  claim(oauthId, "oauthConsent");
  claim(apiKeyId, "apiKey");
  claim(vertexApiKeyId, "vertex.apiKey");
}

/**
 * The rotator manages each key secret through a binding of its own (one role, one member, a
 * condition naming the secret), and IAM holds at most 20 such bindings of one role and member: a
 * stack with more key secrets could never be granted to its rotator.
 */
function checkKeySecretCount(p: Problems, accounts: AccountConfig[], apiKeys: string[]): void {
  const keyed = accounts.filter((a) => a.createKey).length;
  const count = keyed + apiKeys.length;
  const most = IAM_CONDITION_LIMITS.bindingsPerRoleAndMember;
  if (count <= most) return;
  p.add(
    "serviceAccounts",
    `${keyed} accounts with createKey${apiKeys.map((k) => ` and ${k}`).join("")}`,
    `give ${count} key secrets; the rotator is granted each through a conditional binding of one role, and IAM allows at most ${most} (cloud.google.com/iam/quotas)`,
    `Give at most ${most} accounts createKey: true (each API key counts as one); the others can be keyless (impersonators), or split them across environments.`,
  );
}

/** Checks a stack's raw config; returns the resolved config, or every problem found. */
export function parseConfig(
  raw: RawConfig,
  ctx: ParseContext,
): { config?: KitConfig; problems: Problem[] } {
  const p = new Problems();
  const stackFile = ctx.stackFile ?? stackFileName(ctx.stack);
  const fix = `Correct it in ${stackFile}.`;
  const { values: v, misplaced } = decode(p, raw, ctx.secretKeys, stackFile);

  const project = raw["gcp:project"];
  if (project === undefined && !misplaced.has("gcp:project")) {
    p.add(
      "gcp:project",
      undefined,
      "is not set; it names the project the stack deploys to",
      `Set gcp:project in ${stackFile}.`,
    );
  } else if (project !== undefined)
    checkRule(
      p,
      "gcp:project",
      project,
      PROJECT_ID,
      "Use the project id (not its name or number).",
    );
  const environment = p.string("environment", v.environment, fix) ?? ctx.stack;
  checkRule(
    p,
    "environment",
    environment,
    LABEL_VALUE,
    "Set environment to a short name such as dev or prod.",
  );
  const namePrefix = p.string("namePrefix", v.namePrefix, fix) ?? "gemini";
  checkRule(p, "namePrefix", namePrefix, NAME_PREFIX, "Choose a shorter prefix.");

  // Ids derive from the prefix and environment. When either is itself wrong (already reported), ids
  // are derived from stand-ins, so one bad value is one problem, not one more per derived id.
  const n = makeNames(
    project ?? "",
    NAME_PREFIX.pattern.test(namePrefix) ? namePrefix : "gemini",
    LABEL_VALUE.pattern.test(environment) ? environment : "env",
  );
  const { foundation, production, roles } = parseGovernance(p, v, ctx, stackFile);
  const { target, vertex, apiKeyRaw: vertexKeyRaw } = parseVertex(p, v, fix, misplaced);

  const entriesRead = p.record("serviceAccounts", v.serviceAccounts, fix);
  const entries = entriesRead ?? {};
  const parsedAccounts = withVertexUser(
    parseAccounts(p, entries, {
      names: n,
      environment,
      stackFile,
      roles: vertexRolePolicy(roles, target),
      ciPool: ctx.ciPool,
    }),
    target,
  );
  const members = { emails: accountEmails(entries, n), ciPool: ctx.ciPool };
  const rotationDays = parseRotationDays(p, v);
  const unmanagedKeyGraceHours = parseGraceHours(p, v);

  const secretLocations = p.stringList("secretLocations", v.secretLocations, fix) ?? [];
  secretLocations.forEach((l, i) =>
    checkRule(p, `secretLocations[${i}]`, l, LOCATION, "Use a region name."),
  );
  p.duplicates("secretLocations", secretLocations);

  const clientKey = `${NAMESPACE}:oauthClientJson`;
  let clientJson = v.oauthClientJson as string | undefined;
  if (clientJson !== undefined && !ctx.secretKeys.has(clientKey)) {
    p.add(
      "oauthClientJson",
      HIDDEN,
      "is in the stack file as plain text, so everyone who can read the repository has the OAuth client's secret",
      `Delete it from ${stackFile}, add a new secret to the client in the console (Google Auth Platform > Clients; the exposed one should be deleted there), then: ${setClientCommand(ctx.stack)}`,
    );
    clientJson = undefined;
  }
  const oauthSecretId = n.oauthClientSecretId();
  const oauth = parseOauth(
    p,
    {
      consent: v.oauthConsent,
      clientRequired: p.boolean("oauthClientRequired", v.oauthClientRequired, fix),
      clientReaders: v.oauthClientReaders,
      clientJson,
      clientSet: v.oauthClientJson !== undefined,
    },
    {
      project: project ?? "",
      stack: ctx.stack,
      stackFile,
      secretId: oauthSecretId,
      members,
      misplaced,
    },
  );
  const readable =
    (entriesRead !== undefined || v.serviceAccounts === undefined) &&
    !misplaced.has(`${NAMESPACE}:serviceAccounts`);
  const apiKey =
    v.apiKey === undefined
      ? undefined
      : parseApiKey(
          p,
          v.apiKey,
          readable ? parsedAccounts : "unreadable",
          members,
          geminiKeyKind(n),
          fix,
        );
  const vertexApiKey =
    vertexKeyRaw === undefined
      ? undefined
      : parseApiKey(
          p,
          vertexKeyRaw,
          readable ? parsedAccounts : "unreadable",
          members,
          vertexKeyKind(n),
          fix,
        );
  const accounts =
    vertexApiKey === undefined
      ? parsedAccounts
      : withExpressUser(parsedAccounts, vertexApiKey.accountKey);
  const apis = targetApis(
    parseApis(
      p,
      v.extraApis,
      {
        roles: accounts.some((a) => a.roles.length > 0),
        apiKey: v.apiKey !== undefined || vertexKeyRaw !== undefined,
      },
      fix,
    ),
    target,
    v.extraApis,
  );
  const vertexSecretId = vertexKeyRaw === undefined ? [] : [n.vertexApiKeySecretId()];
  for (const id of [oauthSecretId, n.apiKeySecretId(), ...vertexSecretId])
    checkRule(p, "namePrefix", id, SECRET_ID, "Shorten namePrefix or environment.", true);
  p.collapseDerived(
    environment.length >= namePrefix.length
      ? { path: "environment", value: environment, other: `namePrefix "${namePrefix}"` }
      : { path: "namePrefix", value: namePrefix, other: `environment "${environment}"` },
  );
  checkSecretIds(
    p,
    accounts,
    oauth !== undefined ? oauthSecretId : undefined,
    apiKey?.secretId,
    vertexApiKey?.secretId,
  );
  checkKeySecretCount(p, accounts, [
    ...(apiKey !== undefined ? ["an apiKey"] : []),
    ...(vertexApiKey !== undefined ? ["a vertex.apiKey"] : []),
  ]);
  checkPreviewed(p, ctx, stackFile);
  const vending =
    v.project === undefined ? undefined : parseVending(p, v.project, { project, stackFile });

  if (p.list.length > 0 || project === undefined) return { problems: p.list };
  const labels = { environment, "managed-by": "gemini-access-kit" };
  return {
    problems: [],
    config: {
      project,
      stack: ctx.stack,
      environment,
      namePrefix,
      foundation,
      production,
      apis,
      accounts,
      rotationDays,
      unmanagedKeyGraceHours,
      secretLocations,
      labels,
      oauth,
      apiKey,
      vending,
      target,
      ...(vertex && { vertex: { ...vertex, ...(vertexApiKey && { apiKey: vertexApiKey }) } }),
    },
  };
}
