import { formatProblem, parseConfig } from "../../src/config/index.ts";
import { baseRaw, clientFile, PROJECT, SECRET_KEYS } from "../helpers/fixtures.ts";

const NS = "gemini-access-kit";
const account = (fields: Record<string, unknown>) => ({
  [`${NS}:serviceAccounts`]: {
    runtime: { roles: [], createKey: true, keyReaders: ["group:team@example.com"], ...fields },
  },
});
const consent = (fields: Record<string, unknown>) => ({
  [`${NS}:oauthConsent`]: { appName: "Test app", supportEmail: "team@example.com", ...fields },
});

const NARROW_FIX =
  "Name the people, groups or accounts that need it (of a pool: a principal:// of one subject, or a principalSet:// of one group or attribute).";
const PROVIDER_ALLOWED =
  "a stack file sets only gcp:project, gcp:region, gcp:zone and gcp:defaultLabels";

/** A provider setting outside the four a stack may set: refused with why, and told to go. */
function providerRow(
  what: string,
  key: string,
  value: string,
  why: string,
  shown = JSON.stringify(value),
): [string, Record<string, unknown>, string] {
  return [
    `gcp:${key}, ${what}`,
    { [`gcp:${key}`]: value },
    `[gcp:${key}] ${shown} ${why}; ${PROVIDER_ALLOWED}. Remove it from stacks/Pulumi.test.yaml.`,
  ];
}

/** Each row: the change to a valid config, and the exact problem line it must produce. */
const cases: [string, Record<string, unknown>, string][] = [
  [
    "Y4b: a zero-width space inside the project id is shown where it is",
    { "gcp:project": "acme-gemini\u200b-dev" },
    '[gcp:project] "acme-gemini\\u200b-dev" is not allowed; Google allows 6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen. Use the project id (not its name or number).',
  ],
  [
    "Y5: a bidirectional override in an account's display name",
    account({ displayName: "Gemini \u202eresU" }),
    '[serviceAccounts.runtime.displayName] "Gemini \\u202eresU" holds U+202E, a control or invisible formatting character, so the console would show something other than what is sent. Write it with visible characters only.',
  ],
  [
    "Y5: a control character in the consent screen's app name",
    consent({ appName: "Test\u0007app" }),
    '[oauthConsent.appName] "Test\\u0007app" holds U+0007, a control or invisible formatting character, so the console would show something other than what is sent. Write it with visible characters only.',
  ],
  [
    "no project",
    { "gcp:project": undefined },
    "[gcp:project] (not set) is not set; it names the project the stack deploys to. Set gcp:project in stacks/Pulumi.test.yaml.",
  ],
  [
    "a project id that is too short",
    { "gcp:project": "acme" },
    '[gcp:project] "acme" is not allowed; Google allows 6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen. Use the project id (not its name or number).',
  ],
  [
    "a project number instead of an id",
    { "gcp:project": "412345678901" },
    '[gcp:project] "412345678901" is not allowed; Google allows 6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen. Use the project id (not its name or number).',
  ],
  [
    "an environment with capitals",
    { [`${NS}:environment`]: "Prod" },
    '[environment] "Prod" is not allowed; Google allows 1-63 lowercase letters, digits, hyphens or underscores. Set environment to a short name such as dev or prod.',
  ],
  [
    "a misspelt key",
    { [`${NS}:serviceAcounts`]: {} },
    '[serviceAcounts] "{}" is not a key the kit reads. Did you mean serviceAccounts?',
  ],
  [
    "a derived account id over 30 characters",
    { [`${NS}:namePrefix`]: "geminiaccesskit", [`${NS}:environment`]: "production" },
    '[serviceAccounts.runtime.accountId] "geminiaccesskit-runtime-production" is 34 characters; Google allows 6-30. It is derived as <namePrefix>-<key>-<environment>: shorten the key, namePrefix or environment in stacks/Pulumi.test.yaml, or set accountId.',
  ],
  [
    "an explicit account id that is too short",
    account({ accountId: "rt" }),
    '[serviceAccounts.runtime.accountId] "rt" is not a valid service-account id; Google allows 6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen. Shorten or correct it.',
  ],
  [
    "an account key with an underscore",
    { [`${NS}:serviceAccounts`]: { run_time: {} } },
    '[serviceAccounts.run_time] "run_time" is not a usable account key; allowed: 1-20 lowercase letters, digits or hyphens, starting with a letter. Rename the entry.',
  ],
  [
    "roles/owner",
    account({ roles: ["roles/owner"] }),
    '[serviceAccounts.runtime.roles[0]] "roles/owner" is a basic role; the kit grants only predefined or custom roles. Name the narrower roles the account needs, e.g. roles/serviceusage.serviceUsageConsumer.',
  ],
  [
    "roles/editor",
    account({ roles: ["roles/aiplatform.user", "roles/editor"] }),
    '[serviceAccounts.runtime.roles[1]] "roles/editor" is a basic role; the kit grants only predefined or custom roles. Name the narrower roles the account needs, e.g. roles/serviceusage.serviceUsageConsumer.',
  ],
  [
    "roles/viewer",
    account({ roles: ["roles/viewer"] }),
    '[serviceAccounts.runtime.roles[0]] "roles/viewer" is a basic role; the kit grants only predefined or custom roles. Name the narrower roles the account needs, e.g. roles/serviceusage.serviceUsageConsumer.',
  ],
  [
    "secretAccessor on the project",
    account({ roles: ["roles/secretmanager.secretAccessor"] }),
    '[serviceAccounts.runtime.roles[0]] "roles/secretmanager.secretAccessor" on the project would let the account read every secret in it. Remove it; list the account under keyReaders (as account:KEY) of the secrets it needs.',
  ],
  [
    "a role without the roles/ prefix",
    account({ roles: ["aiplatform.user"] }),
    '[serviceAccounts.runtime.roles[0]] "aiplatform.user" is not a role name; expected roles/NAME or projects/ID/roles/NAME. Fix the role\'s name.',
  ],
  [
    "a key nobody may read",
    account({ keyReaders: [] }),
    "[serviceAccounts.runtime.keyReaders] (not set) is empty, so nobody could read the key from the secret store. List who may read it, e.g. serviceAccount:workload@other-project.iam.gserviceaccount.com or group:team@example.com.",
  ],
  [
    "readers without a key",
    account({ createKey: false }),
    '[serviceAccounts.runtime.keyReaders] ["group:team@example.com"] is set, but createKey is not true, so there is no key to read. Set createKey: true, or remove keyReaders.',
  ],
  [
    "a reader without a member prefix",
    account({ keyReaders: ["team@example.com"] }),
    '[serviceAccounts.runtime.keyReaders[0]] "team@example.com" is not an IAM member; allowed: user:EMAIL, group:EMAIL, serviceAccount:EMAIL, domain:DOMAIN, principal://..., principalSet://..., or account:KEY for an account this stack creates. Fix the member\'s prefix or address.',
  ],
  [
    "allUsers as a reader",
    account({ keyReaders: ["allUsers"] }),
    '[serviceAccounts.runtime.keyReaders[0]] "allUsers" would make the secret readable by anyone. Name the people, groups or accounts that need it.',
  ],
  [
    "every identity a workload identity pool admits as a key reader",
    account({
      keyReaders: [
        "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/partners/*",
      ],
    }),
    `[serviceAccounts.runtime.keyReaders[0]] "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/partners/*" is every identity workload identity pool partners admits, whichever repository, job or workload its providers let in, so any of them could read the account's key. ${NARROW_FIX}`,
  ],
  [
    "every user of a workforce pool as an impersonator",
    account({
      impersonators: ["principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*"],
    }),
    `[serviceAccounts.runtime.impersonators[0]] "principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*" is every user workforce pool staff signs in, whoever its identity provider admits, so any of them could act as the account. ${NARROW_FIX}`,
  ],
  [
    "every principal in an organization as a reader of the API key",
    {
      [`${NS}:apiKey`]: {
        serviceAccount: "runtime",
        readers: ["principalSet://cloudresourcemanager.googleapis.com/organizations/123456789012"],
      },
    },
    `[apiKey.readers[0]] "principalSet://cloudresourcemanager.googleapis.com/organizations/123456789012" is every principal in a whole organization, so any of them could read the API key. ${NARROW_FIX}`,
  ],
  [
    "every principal in a project as a reader of the OAuth client",
    {
      [`${NS}:oauthClientJson`]: clientFile(PROJECT).text,
      [`${NS}:oauthClientReaders`]: [
        "principalSet://cloudresourcemanager.googleapis.com/projects/acme-gemini-test",
      ],
    },
    `[oauthClientReaders[0]] "principalSet://cloudresourcemanager.googleapis.com/projects/acme-gemini-test" is every principal in a whole project, so any of them could read the OAuth client's secret. ${NARROW_FIX}`,
  ],
  [
    "the public, in IAM's newer spelling, as a reader",
    account({ keyReaders: ["principalSet://goog/public:all"] }),
    '[serviceAccounts.runtime.keyReaders[0]] "principalSet://goog/public:all" would make the secret readable by anyone. Name the people, groups or accounts that need it.',
  ],
  [
    "a reader naming an account the stack lacks",
    account({ keyReaders: ["account:ci"] }),
    '[serviceAccounts.runtime.keyReaders[0]] "account:ci" names no account of this stack; its accounts are: runtime. Use the key of an entry in serviceAccounts.',
  ],
  [
    "createKey as a string",
    account({ createKey: "yes" }),
    '[serviceAccounts.runtime.createKey] "yes" is not true or false. Correct it in stacks/Pulumi.test.yaml.',
  ],
  [
    "a misspelt account field",
    account({ createkeys: true }),
    "[serviceAccounts.runtime.createkeys] true is not a setting the kit knows; allowed here: displayName, description, accountId, roles, impersonators, createKey, keyReaders. Did you mean createKey?",
  ],
  [
    "a rotation period over 90 days",
    { [`${NS}:keyRotationDays`]: "120" },
    "[keyRotationDays] 120 is outside 1-90; Google advises rotating keys at least every 90 days. Set a period of 90 days or less.",
  ],
  [
    "a rotation period of zero",
    { [`${NS}:keyRotationDays`]: "0" },
    "[keyRotationDays] 0 is outside 1-90; Google advises rotating keys at least every 90 days. Set a period of 90 days or less.",
  ],
  [
    "a rotation period that is not a number",
    { [`${NS}:keyRotationDays`]: "monthly" },
    '[keyRotationDays] "monthly" is not a whole number. Set a whole number.',
  ],
  [
    "a grace period for unmanaged keys of zero hours",
    { [`${NS}:unmanagedKeyGraceHours`]: "0" },
    "[unmanagedKeyGraceHours] 0 is outside 1-720; the rotator gives a key it did not make at least an hour, so its alarm reaches someone first, and at most 30 days. Set a whole number of hours from 1 to 720 (default 24).",
  ],
  [
    "a grace period for unmanaged keys over 30 days",
    { [`${NS}:unmanagedKeyGraceHours`]: "1000" },
    "[unmanagedKeyGraceHours] 1000 is outside 1-720; the rotator gives a key it did not make at least an hour, so its alarm reaches someone first, and at most 30 days. Set a whole number of hours from 1 to 720 (default 24).",
  ],
  [
    "a rotation start date, which the rotator no longer reads (it counts from each key)",
    { [`${NS}:keyRotationStart`]: "2026-11-01" },
    '[keyRotationStart] "2026-11-01" is no longer read: the key rotator (npm run rotate) makes a new key when the newest is keyRotationDays old, counted from that key. Remove it (see docs/keys-and-rotation.md).',
  ],
  [
    "an API key id prefix that leaves no room for the rotator's date suffix",
    {
      [`${NS}:namePrefix`]: "geminiaccesskit",
      [`${NS}:environment`]: "production-europe-west-1-c",
      [`${NS}:serviceAccounts`]: { rt: { roles: [], accountId: "gemini-rt-prod" } },
      [`${NS}:apiKey`]: {
        serviceAccount: "rt",
        readers: ["group:team@example.com"],
        displayName: "Gemini",
      },
    },
    '[apiKey] "geminiaccesskit-gemini-production-europe-west-1-c" is 49 characters, which leaves no room for the rotator\'s 16-character date suffix in an API key id of at most 63. Shorten namePrefix or environment.',
  ],
  [
    "a secret location that is not a region",
    { [`${NS}:secretLocations`]: ["EU"] },
    '[secretLocations[0]] "EU" is not allowed; Google allows a Google Cloud region such as europe-west1 or us-central1. Use a region name.',
  ],
  [
    "101 test users",
    consent({ testUsers: Array.from({ length: 101 }, (_, i) => `user${i}@example.com`) }),
    '[oauthConsent.testUsers] "101 addresses" is over Google\'s limit of 100 test users. List fewer, or publish the app to production.',
  ],
  [
    "a test user that is not an address",
    consent({ testUsers: ["alice"] }),
    '[oauthConsent.testUsers[0]] "alice" is not an e-mail address; expected an e-mail address such as someone@example.com. Correct it.',
  ],
  [
    "test users on an Internal app",
    consent({ audience: "Internal", testUsers: ["a@example.com"] }),
    '[oauthConsent.testUsers] ["a@example.com"] is set for an Internal app, which has no test users. Remove testUsers, or set audience: External.',
  ],
  [
    "an unknown audience",
    consent({ audience: "Public" }),
    '[oauthConsent.audience] "Public" must be External or Internal. Internal needs the project to belong to an organization.',
  ],
  [
    "a support address that is not an address",
    consent({ supportEmail: "platform team" }),
    '[oauthConsent.supportEmail] "platform team" is not an e-mail address; expected an e-mail address such as someone@example.com. Set your address or a group you manage.',
  ],
  [
    "only the cloud-platform scope",
    consent({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] }),
    '[oauthConsent.scopes] ["https://www.googleapis.com/auth/cloud-platform"] has no generative-language scope; a token with only cloud-platform gets 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT from the Gemini API. Add https://www.googleapis.com/auth/generative-language.retriever (or another generative-language scope).',
  ],
  [
    "a short scope name",
    consent({ scopes: ["generative-language"] }),
    '[oauthConsent.scopes[0]] "generative-language" is not a scope the Gemini API uses; allowed: https://www.googleapis.com/auth/cloud-platform, https://www.googleapis.com/auth/generative-language, https://www.googleapis.com/auth/generative-language.tuning, https://www.googleapis.com/auth/generative-language.tuning.readonly, https://www.googleapis.com/auth/generative-language.retriever, https://www.googleapis.com/auth/generative-language.retriever.readonly. Use the full scope URL.',
  ],
  [
    "a required client that is missing",
    { [`${NS}:oauthClientRequired`]: "true" },
    '[oauthClientJson] (not set) is required by oauthClientRequired: true, and this stack has none yet. Create the Desktop client (see docs/deploy.md, "The manual step: the OAuth client"), then: pulumi config set --secret --stack test gemini-access-kit:oauthClientJson < client_secret.json',
  ],
  [
    "a client without a consent screen",
    { [`${NS}:oauthConsent`]: undefined, [`${NS}:oauthClientRequired`]: "true" },
    "[oauthConsent] (not set) is not set, but the stack uses a Desktop OAuth client, which needs a consent screen. Describe the consent screen under gemini-access-kit:oauthConsent in stacks/Pulumi.test.yaml.",
  ],
  [
    "oauthClientRequired that is not a boolean",
    { [`${NS}:oauthClientRequired`]: "yes" },
    '[oauthClientRequired] "yes" is not true or false. Set true or false.',
  ],
  [
    "a client file from another project",
    {
      [`${NS}:oauthClientJson`]: clientFile("other-project").text,
      [`${NS}:oauthClientReaders`]: ["group:team@example.com"],
    },
    `[oauthClientJson: installed.project_id] (secret value, not shown) is "other-project", but this stack deploys to project "${PROJECT}". Create the Desktop client in project ${PROJECT}, or point gcp:project at other-project. Then: pulumi config set --secret --stack test gemini-access-kit:oauthClientJson < client_secret.json`,
  ],
  [
    "a Web application client file",
    {
      [`${NS}:oauthClientJson`]: JSON.stringify({ web: { client_id: "x" } }),
      [`${NS}:oauthClientReaders`]: ["group:team@example.com"],
    },
    '[oauthClientJson: installed] (secret value, not shown) is a "Web application" client; the kit needs a "Desktop app" client, whose file has an "installed" object. Create an OAuth client of type Desktop app and download its JSON. Then: pulumi config set --secret --stack test gemini-access-kit:oauthClientJson < client_secret.json',
  ],
  [
    "an API key bound to no account",
    { [`${NS}:apiKey`]: { serviceAccount: "ci", readers: ["group:team@example.com"] } },
    '[apiKey.serviceAccount] "ci" must name an account of this stack: the kit makes only keys bound to a service account, the kind Google\'s API-key page says the Gemini API accepts from September 2026. Set it to one of: runtime.',
  ],
  [
    "an extra API that is not a service name",
    { [`${NS}:extraApis`]: ["Vertex AI"] },
    '[extraApis[0]] "Vertex AI" is not allowed; Google allows a service name such as aiplatform.googleapis.com. Correct the service name.',
  ],
  [
    "two secrets with one id",
    {
      [`${NS}:serviceAccounts`]: {
        api: { createKey: true, keyReaders: ["group:team@example.com"] },
      },
      [`${NS}:apiKey`]: { serviceAccount: "api", readers: ["group:team@example.com"] },
    },
    '[apiKey] "gemini-api-key-test" gives the secret id that serviceAccounts.api also gives. Rename one of them.',
  ],
  [
    "the CI identity an environment stack used to hold",
    { [`${NS}:ciIdentity`]: { repository: "acme/gemini-platform" } },
    '[ciIdentity] "{\\"repository\\":\\"acme/gemini-platform\\"}" is no longer read here: CI identities are made by the CI stack (stacks/Pulumi.ci.yaml), which an administrator applies. Remove it, set foundation: ci in this file, and describe CI in the CI stack\'s ci setting (see docs/ci.md).',
  ],
  [
    "a role that lets the account widen its own access",
    account({ roles: ["roles/iam.serviceAccountTokenCreator"] }),
    '[serviceAccounts.runtime.roles[0]] "roles/iam.serviceAccountTokenCreator" can grant IAM or act as other accounts, so the account (and whoever can act as it) could widen its own access. Remove it, or, if the account must have it, list it under privilegedRoles in stacks/Pulumi.test.yaml.',
  ],
  [
    "an admin role of any service",
    account({ roles: ["roles/storage.admin"] }),
    '[serviceAccounts.runtime.roles[0]] "roles/storage.admin" can grant IAM or act as other accounts, so the account (and whoever can act as it) could widen its own access. Remove it, or, if the account must have it, list it under privilegedRoles in stacks/Pulumi.test.yaml.',
  ],
  [
    "a custom role, whose permissions the kit cannot see",
    account({ roles: ["projects/acme-gemini-test/roles/anything"] }),
    '[serviceAccounts.runtime.roles[0]] "projects/acme-gemini-test/roles/anything" can grant IAM or act as other accounts, so the account (and whoever can act as it) could widen its own access. Remove it, or, if the account must have it, list it under privilegedRoles in stacks/Pulumi.test.yaml.',
  ],
  [
    "an unknown foundation",
    { [`${NS}:foundation`]: "admin" },
    '[foundation] "admin" must be stack (this stack applies its foundation) or ci (the CI stack does). Correct it in stacks/Pulumi.test.yaml.',
  ],
  [
    "privileged roles on a stack whose foundation the CI stack applies",
    { [`${NS}:foundation`]: "ci", [`${NS}:privilegedRoles`]: ["roles/iam.serviceAccountUser"] },
    "[privilegedRoles] [\"roles/iam.serviceAccountUser\"] applies to stacks that apply their own foundation; this one's is applied by the CI stack. Remove it: the administrator's ci.grantableRoles in the CI stack decides which roles its accounts may hold.",
  ],
  [
    "a production stack whose secrets are encrypted with a passphrase",
    { [`${NS}:production`]: "true" },
    "[production] true marks a production stack, and its secrets are encrypted with a passphrase: whoever learns the one passphrase (CI holds it) can decrypt every secret in its state, offline. Move the stack to a KMS key: pulumi stack change-secrets-provider --stack test gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K (the CI stack's output names the environment's key).",
  ],
  [
    "a key in a misspelt namespace, which Pulumi would hand to nobody",
    { [`${NS}:oauthClientRequired`]: undefined, "gemini-acess-kit:oauthClientRequired": "true" },
    '[gemini-acess-kit:oauthClientRequired] "true" is in the namespace "gemini-acess-kit", which nothing in this project reads; a stack file holds gemini-access-kit:, gcp: and pulumi: keys. Did you mean gemini-access-kit:oauthClientRequired?',
  ],
  [
    "a setting in a misspelt Pulumi namespace",
    { "pulumu:disable-default-providers": '["gcp"]' },
    '[pulumu:disable-default-providers] "[\\"gcp\\"]" is in the namespace "pulumu", which nothing in this project reads; a stack file holds gemini-access-kit:, gcp: and pulumi: keys. Did you mean pulumi:disable-default-providers?',
  ],
  [
    "the project in a misspelt provider namespace",
    { "gcp:project": undefined, "gpc:project": PROJECT },
    `[gpc:project] "${PROJECT}" is in the namespace "gpc", which nothing in this project reads; a stack file holds gemini-access-kit:, gcp: and pulumi: keys. Did you mean gcp:project?`,
  ],
  [
    "the project written without its namespace, which Pulumi files under the kit's",
    { "gcp:project": undefined, [`${NS}:project`]: PROJECT },
    `[project] "${PROJECT}" is a project id; project says how the kit vends the project (create: {...} or adopt: {}), and the id is gcp:project. Did you mean gcp:project?`,
  ],
  [
    "an API key display name over the API Keys API's 63 characters",
    {
      [`${NS}:apiKey`]: {
        serviceAccount: "runtime",
        readers: ["group:team@example.com"],
        displayName: "k".repeat(64),
      },
    },
    `[apiKey.displayName] "${"k".repeat(64)}" is 64 characters; the API Keys API allows 63. Shorten it.`,
  ],
  [
    "a misspelt project key in the provider namespace",
    { "gcp:project": undefined, "gcp:projet": PROJECT },
    `[gcp:projet] "${PROJECT}" is not a setting the kit needs; ${PROVIDER_ALLOWED}. Did you mean gcp:project?`,
  ],
  providerRow(
    "an endpoint of the secret store",
    "secretManagerCustomEndpoint",
    "https://secrets.example.net/v1/",
    "would send the deployer's access token, and every secret value the stack writes, to that address instead of Google's",
  ),
  providerRow(
    "an endpoint of any other service",
    "iamCredentialsCustomEndpoint",
    "https://iam.example.net/v1/",
    "would send the deployer's access token, and every secret value the stack writes, to that address instead of Google's",
  ),
  providerRow(
    "another universe's domain",
    "universeDomain",
    "example.net",
    "would send the deployer's access token, and every secret value the stack writes, to that domain instead of googleapis.com",
  ),
  providerRow(
    "credentials, never shown",
    "credentials",
    '{"type":"service_account","private_key":"not-a-key"}',
    "would change whose identity deploys: the provider would call Google with these credentials instead of the identity CI (or the person running pulumi) signed in as",
    "(secret value, not shown)",
  ),
  providerRow(
    "an access token, never shown",
    "accessToken",
    "ya29.not-a-token",
    "would change whose identity deploys: the provider would call Google with these credentials instead of the identity CI (or the person running pulumi) signed in as",
    "(secret value, not shown)",
  ),
  providerRow(
    "an account to impersonate",
    "impersonateServiceAccount",
    "owner@acme-gemini-test.iam.gserviceaccount.com",
    "would change whose identity deploys: the provider would act as that account instead of the identity CI (or the person running pulumi) signed in as",
  ),
  providerRow(
    "a chain of accounts to impersonate through",
    "impersonateServiceAccountDelegates",
    '["projects/-/serviceAccounts/hop@acme-gemini-test.iam.gserviceaccount.com"]',
    "would change whose identity deploys: the provider would act as that account instead of the identity CI (or the person running pulumi) signed in as",
  ),
  providerRow(
    "a billing project",
    "billingProject",
    "acme-other",
    "would charge and authorize the provider's calls against another project than the one the stack deploys to",
  ),
  providerRow(
    "a user project override",
    "userProjectOverride",
    "true",
    "would charge and authorize the provider's calls against another project than the one the stack deploys to",
  ),
  providerRow(
    "any other provider setting",
    "requestTimeout",
    "60s",
    "is not a setting the kit needs",
  ),
  [
    "a client secret committed as plain text",
    {
      [`${NS}:oauthClientJson`]: "PLAINTEXT",
      [`${NS}:oauthClientReaders`]: ["group:team@example.com"],
    },
    "[oauthClientJson] (secret value, not shown) is in the stack file as plain text, so everyone who can read the repository has the OAuth client's secret. Delete it from stacks/Pulumi.test.yaml, add a new secret to the client in the console (Google Auth Platform > Clients; the exposed one should be deleted there), then: pulumi config set --secret --stack test gemini-access-kit:oauthClientJson < client_secret.json",
  ],
  [
    "an account description over IAM's 256 bytes",
    account({ description: "x".repeat(200) + "é".repeat(29) }),
    `[serviceAccounts.runtime.description] "${"x".repeat(116)}... is 258 bytes in UTF-8; IAM allows 256. Shorten it.`,
  ],
  [
    "an account display name over IAM's 100 bytes, counted in bytes, not characters",
    account({ displayName: "é".repeat(51) }),
    `[serviceAccounts.runtime.displayName] "${"é".repeat(51)}" is 102 bytes in UTF-8; IAM allows 100. Shorten it.`,
  ],
];

describe("a stack with bad config stops with a message that names the key, the value, what is allowed and what to do", () => {
  test.each(cases)("%s", (_name, overrides, expected) => {
    // The plain-text case is the one whose client file Pulumi does not hold as a secret.
    const secretKeys =
      overrides[`${NS}:oauthClientJson`] === "PLAINTEXT" ? new Set<string>() : SECRET_KEYS;
    const { config, problems } = parseConfig(baseRaw(overrides), {
      stack: "test",
      secretKeys,
      secretsProvider: "passphrase",
    });
    expect(config).toBeUndefined();
    expect(problems.map(formatProblem)).toContain(expected);
  });

  test("the table covers at least 25 distinct mistakes", () => {
    expect(new Set(cases.map(([name]) => name)).size).toBeGreaterThanOrEqual(25);
  });
});

test("fixes name the file the stack was read from, not stacks/Pulumi.<stack>.yaml", () => {
  const { problems } = parseConfig(
    baseRaw({ [`${NS}:serviceAccounts`]: { runtime: { createKey: "yes" } } }),
    { stack: "qa", secretKeys: SECRET_KEYS, stackFile: "fleet/qa.yaml" },
  );
  expect(problems.map(formatProblem)).toEqual([expect.stringContaining("in fleet/qa.yaml.")]);
  expect(problems.map(formatProblem).join("\n")).not.toContain("stacks/");
});

test("a plain-text client secret is refused without showing it, and without checking the file further", () => {
  const file = clientFile(PROJECT);
  const { problems } = parseConfig(
    baseRaw({
      [`${NS}:oauthClientJson`]: file.text,
      [`${NS}:oauthClientReaders`]: ["group:team@example.com"],
    }),
    { stack: "test", secretKeys: new Set() },
  );
  expect(problems.map((p) => p.path)).toEqual(["oauthClientJson"]);
  expect(JSON.stringify(problems) + problems.map(formatProblem).join("")).not.toContain(
    file.clientSecret,
  );
});

test("the provider settings a stack may set (project, region, zone, default labels) and Pulumi's own pass", () => {
  const { problems } = parseConfig(
    baseRaw({
      "gcp:region": "europe-west1",
      "gcp:zone": "europe-west1-b",
      "gcp:defaultLabels": '{"team":"platform"}',
      "pulumi:disable-default-providers": '["gcp"]',
      "pulumi:tags": '{"team":"platform"}',
    }),
    { stack: "test", secretKeys: SECRET_KEYS },
  );
  expect(problems).toEqual([]);
});

test("an encrypted provider setting, which an offline check cannot read, is refused all the same, without its value", () => {
  const { problems } = parseConfig(baseRaw(), {
    stack: "test",
    secretKeys: new Set([...SECRET_KEYS, "gcp:credentials"]),
  });
  expect(problems.map(formatProblem)).toEqual([
    `[gcp:credentials] (secret value, not shown) would change whose identity deploys: the provider would call Google with these credentials instead of the identity CI (or the person running pulumi) signed in as; ${PROVIDER_ALLOWED}. Remove it from stacks/Pulumi.test.yaml.`,
  ]);
});

test("a group or an attribute of a pool, or one of its subjects, is a member like any other", () => {
  const pool =
    "iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/partners";
  const { problems } = parseConfig(
    baseRaw(
      account({
        keyReaders: [
          `principalSet://${pool}/attribute.team/gemini`,
          `principalSet://${pool}/group/analysts`,
          `principal://${pool}/subject/job-42`,
        ],
      }),
    ),
    { stack: "test", secretKeys: SECRET_KEYS },
  );
  expect(problems).toEqual([]);
});

test("a privileged role the stack's own file allows is granted", () => {
  const { problems } = parseConfig(
    baseRaw({
      ...account({ roles: ["roles/iam.serviceAccountUser"] }),
      [`${NS}:privilegedRoles`]: ["roles/iam.serviceAccountUser"],
    }),
    { stack: "test", secretKeys: SECRET_KEYS },
  );
  expect(problems).toEqual([]);
});

test("a production stack on a KMS key passes", () => {
  const { problems } = parseConfig(baseRaw({ [`${NS}:production`]: "true" }), {
    stack: "test",
    secretKeys: SECRET_KEYS,
    secretsProvider: "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
  });
  expect(problems).toEqual([]);
});
