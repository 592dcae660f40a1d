/**
 * The Desktop OAuth client file (`client_secret.json`) as the Google Cloud console downloads it.
 * No API can create this client, so a person downloads it once; this module checks that what they
 * handed over is the right kind of client for the right project before it reaches the secret store.
 *
 * Messages name fields and non-secret values (client id, project id) only: the client secret never
 * appears in one.
 */

/** A validated installed-app ("Desktop app") client. */
export interface InstalledClient {
  /** `<number>-<hash>.apps.googleusercontent.com`; public, safe to print and export. */
  clientId: string;
  /** The client secret; for an installed app Google treats it as non-confidential, the kit still guards it. */
  clientSecret: string;
  /** The project the client belongs to. */
  projectId: string;
  /** Loopback redirect URIs, as the file lists them. */
  redirectUris: string[];
  /** The authorization endpoint the file names. */
  authUri: string;
  /** The token endpoint the file names. */
  tokenUri: string;
}

/** One thing wrong with a client file. */
export interface ClientProblem {
  /** The JSON path inside the file, e.g. `installed.client_id`. */
  field: string;
  /** What is wrong and what is allowed; never contains the client secret. */
  message: string;
  /** What to do about it. */
  fix: string;
}

const CLIENT_ID = /^[0-9]+-[a-z0-9]+\.apps\.googleusercontent\.com$/;
const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?(\/.*)?$/;
const DOWNLOAD_FIX =
  "Download the client again: Google Auth Platform > Clients > your Desktop client > Download JSON.";
/**
 * Google Auth Platform shows a client's secret only when it is made: a JSON downloaded later has no
 * client_secret, so downloading again cannot restore a lost one (google-cloud-facts.md, "OAuth").
 */
const LOST_SECRET_FIX =
  "Google shows a client's secret only when it is created, so a later download lacks it: in Google Auth Platform > Clients > your Desktop client, add a new secret and download the JSON from that dialog, then disable the old secret once nothing uses it.";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  return JSON.stringify(value).slice(0, 80);
}

/**
 * Parses and checks a client file's text. `expectedProject` is the project the client must belong
 * to; every problem is reported, not just the first.
 */
export function parseInstalledClient(
  text: string,
  expectedProject?: string,
): { client?: InstalledClient; problems: ClientProblem[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problems: [{ field: "(file)", message: "is not valid JSON", fix: DOWNLOAD_FIX }] };
  }
  if (!isRecord(parsed)) {
    return { problems: [{ field: "(file)", message: "is not a JSON object", fix: DOWNLOAD_FIX }] };
  }
  if (!isRecord(parsed.installed)) {
    const kind = ["web", "type"].find((k) => k in parsed);
    const message =
      kind === "web"
        ? 'is a "Web application" client; the kit needs a "Desktop app" client, whose file has an "installed" object'
        : kind === "type"
          ? `is a ${describe(parsed.type)} credential file, not an OAuth client file`
          : 'has no "installed" object, so it is not a Desktop app client file';
    return {
      problems: [
        {
          field: "installed",
          message,
          fix: "Create an OAuth client of type Desktop app and download its JSON.",
        },
      ],
    };
  }
  return checkInstalled(parsed.installed, expectedProject);
}

function checkInstalled(
  installed: Record<string, unknown>,
  expectedProject: string | undefined,
): { client?: InstalledClient; problems: ClientProblem[] } {
  const problems: ClientProblem[] = [];
  const { client_id, client_secret, project_id, redirect_uris, auth_uri, token_uri } = installed;

  if (typeof client_id !== "string" || !CLIENT_ID.test(client_id)) {
    problems.push({
      field: "installed.client_id",
      message: `is ${describe(client_id)}; expected <number>-<id>.apps.googleusercontent.com`,
      fix: DOWNLOAD_FIX,
    });
  }
  if (typeof client_secret !== "string" || client_secret.length === 0) {
    problems.push({
      field: "installed.client_secret",
      message: "is missing or empty (its value is not shown)",
      fix: LOST_SECRET_FIX,
    });
  }
  if (typeof project_id !== "string" || project_id.length === 0) {
    problems.push({
      field: "installed.project_id",
      message: `is ${describe(project_id)}`,
      fix: DOWNLOAD_FIX,
    });
  } else if (expectedProject !== undefined && project_id !== expectedProject) {
    problems.push({
      field: "installed.project_id",
      message: `is "${project_id}", but this stack deploys to project "${expectedProject}"`,
      fix: `Create the Desktop client in project ${expectedProject}, or point gcp:project at ${project_id}.`,
    });
  }
  const uris = Array.isArray(redirect_uris) ? redirect_uris : undefined;
  if (uris === undefined || uris.length === 0) {
    problems.push({
      field: "installed.redirect_uris",
      message: `is ${describe(redirect_uris)}`,
      fix: DOWNLOAD_FIX,
    });
  } else {
    uris.forEach((uri, i) => {
      if (typeof uri !== "string" || !LOOPBACK.test(uri)) {
        problems.push({
          field: `installed.redirect_uris[${i}]`,
          message: `is ${describe(uri)}; a Desktop client redirects only to a loopback address (http://localhost or http://127.0.0.1)`,
          fix: "Use a Desktop app client: other client types and out-of-band redirects do not work with the loopback sign-in.",
        });
      }
    });
  }
  for (const [field, value] of [
    ["auth_uri", auth_uri],
    ["token_uri", token_uri],
  ] as const) {
    if (typeof value !== "string" || !value.startsWith("https://")) {
      problems.push({
        field: `installed.${field}`,
        message: `is ${describe(value)}; expected an https URL`,
        fix: DOWNLOAD_FIX,
      });
    }
  }
  if (problems.length > 0) return { problems };
  return {
    problems,
    client: {
      clientId: client_id as string,
      clientSecret: client_secret as string,
      projectId: project_id as string,
      redirectUris: uris as string[],
      authUri: auth_uri as string,
      tokenUri: token_uri as string,
    },
  };
}
