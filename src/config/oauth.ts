/** The oauthConsent description and the Desktop client file, checked before anything is created. */

import { EMAIL } from "../naming.ts";
import { NAMESPACE } from "./keys.ts";
import { parseInstalledClient } from "../oauth/client.ts";
import {
  KNOWN_SCOPES,
  MAX_TEST_USERS,
  setClientCommand,
  type ConsentScreen,
} from "../oauth/consent.ts";
import { parseMembers, type MemberContext } from "./members.ts";
import { HIDDEN, type Problems } from "./problems.ts";
import type { OauthConfig } from "./types.ts";
import { checkVisible } from "./visible.ts";

const FIELDS = [
  "appName",
  "supportEmail",
  "audience",
  "testUsers",
  "scopes",
  "developerContacts",
] as const;
const AUDIENCES = ["External", "Internal"] as const;
/**
 * The quickstart's scopes (what `gcloud auth application-default login --scopes` asks for) less
 * generative-language.tuning: no model can be tuned on the Gemini API since May 2025
 * (ai.google.dev/gemini-api/docs/model-tuning). A stack that still reads models tuned before then
 * lists the tuning scope itself.
 */
const DEFAULT_SCOPES = [
  "https://www.googleapis.com/auth/cloud-platform",
  "https://www.googleapis.com/auth/generative-language.retriever",
];
const MAX_APP_NAME = 120;

function emails(p: Problems, path: string, values: readonly string[]): void {
  values.forEach((v, i) => {
    if (!EMAIL.pattern.test(v))
      p.add(
        `${path}[${i}]`,
        v,
        `is not an e-mail address; expected ${EMAIL.allowed}`,
        "Correct it.",
      );
  });
  p.duplicates(path, values);
}

function parseScopes(p: Problems, values: readonly string[]): void {
  const unknown = values.filter((scope) => !KNOWN_SCOPES.includes(scope));
  values.forEach((scope, i) => {
    if (!KNOWN_SCOPES.includes(scope)) {
      p.add(
        `oauthConsent.scopes[${i}]`,
        scope,
        `is not a scope the Gemini API uses; allowed: ${KNOWN_SCOPES.join(", ")}`,
        "Use the full scope URL.",
      );
    }
  });
  // Judged only when every scope is known: a misspelt Gemini scope is reported once, above.
  if (
    unknown.length === 0 &&
    values.length > 0 &&
    !values.some((s) => s.includes("/generative-language"))
  ) {
    p.add(
      "oauthConsent.scopes",
      values,
      "has no generative-language scope; a token with only cloud-platform gets 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT from the Gemini API",
      "Add https://www.googleapis.com/auth/generative-language.retriever (or another generative-language scope).",
    );
  }
  p.duplicates("oauthConsent.scopes", values);
}

function parseConsent(p: Problems, raw: Record<string, unknown>, fix: string): ConsentScreen {
  p.unknownFields("oauthConsent", raw, FIELDS);
  const appName = p.string("oauthConsent.appName", raw.appName, fix);
  if (appName === undefined || appName.trim() === "" || appName.length > MAX_APP_NAME) {
    p.add(
      "oauthConsent.appName",
      appName,
      `must be 1-${MAX_APP_NAME} characters`,
      "Set the name users see on the consent screen.",
    );
  } else checkVisible(p, "oauthConsent.appName", appName);
  const supportEmail = p.string("oauthConsent.supportEmail", raw.supportEmail, fix);
  if (supportEmail === undefined || !EMAIL.pattern.test(supportEmail)) {
    p.add(
      "oauthConsent.supportEmail",
      supportEmail,
      `is not an e-mail address; expected ${EMAIL.allowed}`,
      "Set your address or a group you manage.",
    );
  }
  const audience = raw.audience ?? "External";
  if (!AUDIENCES.includes(audience as "External")) {
    p.add(
      "oauthConsent.audience",
      audience,
      "must be External or Internal",
      "Internal needs the project to belong to an organization.",
    );
  }
  const testUsers = p.stringList("oauthConsent.testUsers", raw.testUsers, fix) ?? [];
  emails(p, "oauthConsent.testUsers", testUsers);
  if (testUsers.length > MAX_TEST_USERS) {
    p.add(
      "oauthConsent.testUsers",
      `${testUsers.length} addresses`,
      `is over Google's limit of ${MAX_TEST_USERS} test users`,
      "List fewer, or publish the app to production.",
    );
  }
  if (audience === "Internal" && testUsers.length > 0) {
    p.add(
      "oauthConsent.testUsers",
      testUsers,
      "is set for an Internal app, which has no test users",
      "Remove testUsers, or set audience: External.",
    );
  }
  const scopes = p.stringList("oauthConsent.scopes", raw.scopes, fix) ?? DEFAULT_SCOPES;
  parseScopes(p, scopes);
  const contacts = p.stringList("oauthConsent.developerContacts", raw.developerContacts, fix);
  emails(p, "oauthConsent.developerContacts", contacts ?? []);
  return {
    appName: appName ?? "",
    supportEmail: supportEmail ?? "",
    audience: audience as ConsentScreen["audience"],
    testUsers,
    scopes,
    developerContacts: contacts ?? (supportEmail !== undefined ? [supportEmail] : []),
  };
}

export interface OauthInput {
  consent: unknown;
  clientRequired: boolean | undefined;
  clientReaders: unknown;
  /** The client file's text, to check and store; undefined when unset or refused (plain text). */
  clientJson: string | undefined;
  /** Whether the stack sets a client at all, even one refused for another reason. */
  clientSet: boolean;
}

/** Parses the OAuth settings; undefined when the stack has no consent screen and no client. */
export function parseOauth(
  p: Problems,
  input: OauthInput,
  ctx: {
    project: string;
    stack: string;
    stackFile: string;
    secretId: string;
    members: MemberContext;
    misplaced: ReadonlySet<string>;
  },
): OauthConfig | undefined {
  const fix = `Correct it in ${ctx.stackFile}.`;
  const consentRaw = p.record("oauthConsent", input.consent, fix);
  const wantsClient = input.clientRequired === true || input.clientSet;
  if (consentRaw === undefined) {
    if (
      wantsClient &&
      input.consent === undefined &&
      !ctx.misplaced.has(`${NAMESPACE}:oauthConsent`)
    ) {
      p.add(
        "oauthConsent",
        undefined,
        "is not set, but the stack uses a Desktop OAuth client, which needs a consent screen",
        `Describe the consent screen under gemini-access-kit:oauthConsent in ${ctx.stackFile}.`,
      );
    }
    return undefined;
  }
  const consent = parseConsent(p, consentRaw, fix);
  const readersRaw = p.stringList("oauthClientReaders", input.clientReaders, fix) ?? [];
  const clientReaders = parseMembers(
    p,
    "oauthClientReaders",
    readersRaw,
    ctx.members,
    "read the OAuth client's secret",
  );

  let client: OauthConfig["client"];
  if (input.clientJson !== undefined) {
    const parsed = parseInstalledClient(input.clientJson, ctx.project);
    for (const problem of parsed.problems) {
      p.add(
        `oauthClientJson: ${problem.field}`,
        HIDDEN,
        problem.message,
        `${problem.fix} Then: ${setClientCommand(ctx.stack)}`,
      );
    }
    if (parsed.client !== undefined)
      client = { clientId: parsed.client.clientId, json: input.clientJson.trim() };
  }
  if (input.clientSet) {
    if (readersRaw.length === 0) {
      p.add(
        "oauthClientReaders",
        undefined,
        "is empty, so nobody could read the OAuth client from the secret store",
        "List the developers' group, e.g. group:gemini-developers@example.com.",
      );
    }
  } else if (input.clientRequired === true && !ctx.misplaced.has(`${NAMESPACE}:oauthClientJson`)) {
    p.add(
      "oauthClientJson",
      undefined,
      "is required by oauthClientRequired: true, and this stack has none yet",
      `Create the Desktop client (see docs/deploy.md, "The manual step: the OAuth client"), then: ${setClientCommand(ctx.stack)}`,
    );
  }
  return {
    consent,
    clientRequired: input.clientRequired ?? false,
    clientReaders,
    client,
    secretId: ctx.secretId,
  };
}
