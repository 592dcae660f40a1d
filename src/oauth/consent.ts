/**
 * The OAuth consent screen and the Desktop client are the two things no API can create (the IAP
 * OAuth Admin API was shut down in March 2026 and never covered Desktop clients). The stack
 * describes them; this module turns that description into the console steps a person follows,
 * with deep links for the stack's own project. Pure: the same config always gives the same steps.
 */

/** The OAuth scopes the Gemini API accepts, and cloud-platform, which the quickstart also requests. */
export const KNOWN_SCOPES: readonly string[] = [
  "https://www.googleapis.com/auth/cloud-platform",
  "https://www.googleapis.com/auth/generative-language",
  "https://www.googleapis.com/auth/generative-language.tuning",
  "https://www.googleapis.com/auth/generative-language.tuning.readonly",
  "https://www.googleapis.com/auth/generative-language.retriever",
  "https://www.googleapis.com/auth/generative-language.retriever.readonly",
];

/** A Testing-status External app may list at most this many test users. */
export const MAX_TEST_USERS = 100;
/** A Testing-status app's refresh tokens expire this many days after consent. */
const TESTING_TOKEN_DAYS = 7;

/** The consent screen as the stack describes it. */
export interface ConsentScreen {
  /** The name users see on the consent screen. */
  appName: string;
  /** The support address shown on the consent screen; must be the deployer's or a group they manage. */
  supportEmail: string;
  /** External (any Google account, Testing status limits apply) or Internal (the organization only). */
  audience: "External" | "Internal";
  /** Accounts allowed to sign in while the app is in Testing status (External only). */
  testUsers: string[];
  /** The scopes the app requests; full URLs. */
  scopes: string[];
  /** Addresses Google writes to about the project. */
  developerContacts: string[];
}

/** A step a person does by hand, with where to do it. */
export interface ManualStep {
  /** Stable id, for scripts that read the outputs. */
  id: string;
  /** One line. */
  title: string;
  /** pending: still to do; done: the kit has what it needs from it; check: cannot be checked by the kit, confirm by eye. */
  status: "pending" | "done" | "check";
  /** The console page where it is done, for this stack's project. */
  url: string;
  /** What to do there, in order. */
  instructions: string[];
}

function consoleUrl(path: string, project: string): string {
  return `https://console.cloud.google.com/${path}?project=${encodeURIComponent(project)}`;
}

function consentStep(project: string, consent: ConsentScreen): ManualStep {
  const instructions = [
    `Open the link; if the project has no app yet, choose Get started.`,
    `Branding: App name "${consent.appName}", User support email ${consent.supportEmail}.`,
    `Audience: ${consent.audience}.`,
  ];
  if (consent.audience === "External") {
    instructions.push(
      consent.testUsers.length > 0
        ? `Audience > Test users > Add users: ${consent.testUsers.join(", ")}.`
        : "Audience > Test users: add every person who will sign in (none are listed in this stack).",
      `While the publishing status is Testing, at most ${MAX_TEST_USERS} test users can sign in, and their ` +
        `refresh tokens expire ${TESTING_TOKEN_DAYS} days after consent: they sign in again after that.`,
    );
  }
  if (consent.developerContacts.length > 0) {
    instructions.push(`Contact information: ${consent.developerContacts.join(", ")}.`);
  }
  instructions.push(`Data Access > Add or remove scopes: ${consent.scopes.join(" ")}.`);
  return {
    id: "oauth-consent-screen",
    title: `Configure the OAuth consent screen (${consent.audience})`,
    status: "check",
    url: consoleUrl("auth/overview", project),
    instructions,
  };
}

/** What a person runs to hand the downloaded client file to the stack. */
export function setClientCommand(stack: string): string {
  return `pulumi config set --secret --stack ${stack} gemini-access-kit:oauthClientJson < client_secret.json`;
}

/** The consent-screen and Desktop-client steps for one stack. */
export function oauthSteps(args: {
  project: string;
  stack: string;
  consent: ConsentScreen;
  clientId: string | undefined;
}): ManualStep[] {
  const { project, stack, consent, clientId } = args;
  const clientStep: ManualStep = {
    id: "oauth-desktop-client",
    title:
      clientId === undefined
        ? "Create the Desktop OAuth client and hand its file to the stack"
        : `Desktop OAuth client ${clientId} is stored in the secret store`,
    status: clientId === undefined ? "pending" : "done",
    url: consoleUrl("auth/clients/create", project),
    instructions: [
      "Application type: Desktop app; Name: anything that identifies this environment.",
      "Create, then Download JSON at once, in the dialog that shows the new client (the file is client_secret_<id>.json): Google shows the secret only then, and a later download lacks it.",
      `From this project's folder: ${setClientCommand(stack)}`,
      "Run pulumi up again: the client goes into its own secret, and the file can be deleted.",
    ],
  };
  return [consentStep(project, consent), clientStep];
}
