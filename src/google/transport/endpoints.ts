/**
 * Every Google endpoint the kit's commands call, each of which can be pointed elsewhere (a Private
 * Service Connect address, a test server) through the environment.
 */

import { usage } from "../../cli/failure.ts";
import { quoted } from "../../cli/output.ts";

export interface Endpoints {
  /** The Gemini API's base URL; `GOOGLE_GEMINI_BASE_URL` is the variable Google's own SDK reads. */
  gemini: string;
  /** The OAuth 2.0 token endpoint. */
  oauth2Token: string;
  /** The OAuth 2.0 authorization endpoint the browser is sent to. */
  oauth2Auth: string;
  /** Secret Manager's base URL. */
  secretManager: string;
  /** IAM Service Account Credentials' base URL (impersonation). */
  iamCredentials: string;
  /** IAM's base URL (service-account keys, for the rotator). */
  iam: string;
  /** API Keys' base URL (the Gemini API key, for the rotator; the project's keys, for preflight). */
  apiKeys: string;
  /** Organization Policy v2's base URL (effective policies, for preflight). */
  orgPolicy: string;
  /** Cloud Billing's base URL (the project's billing state, for preflight). */
  cloudBilling: string;
  /** Cloud Resource Manager's base URL (the project, and the caller's permissions on it, for preflight). */
  cloudResourceManager: string;
  /** Service Usage's base URL (which APIs are enabled, for preflight). */
  serviceUsage: string;
  /**
   * Vertex AI's base URL (now presented as Gemini Enterprise Agent Platform). Google's depends on the
   * location (aiplatformBase); an override takes every Vertex call, whatever the location.
   */
  aiplatform: string;
}

const GOOGLE_ENDPOINTS: Endpoints = {
  gemini: "https://generativelanguage.googleapis.com",
  oauth2Token: "https://oauth2.googleapis.com/token",
  oauth2Auth: "https://accounts.google.com/o/oauth2/v2/auth",
  secretManager: "https://secretmanager.googleapis.com",
  iamCredentials: "https://iamcredentials.googleapis.com",
  iam: "https://iam.googleapis.com",
  apiKeys: "https://apikeys.googleapis.com",
  orgPolicy: "https://orgpolicy.googleapis.com",
  cloudBilling: "https://cloudbilling.googleapis.com",
  cloudResourceManager: "https://cloudresourcemanager.googleapis.com",
  serviceUsage: "https://serviceusage.googleapis.com",
  aiplatform: "https://aiplatform.googleapis.com",
};

const ENDPOINT_VARIABLES: Record<keyof Endpoints, string> = {
  gemini: "GOOGLE_GEMINI_BASE_URL",
  oauth2Token: "GEMINI_KIT_OAUTH2_TOKEN_URL",
  oauth2Auth: "GEMINI_KIT_OAUTH2_AUTH_URL",
  secretManager: "GEMINI_KIT_SECRETMANAGER_ENDPOINT",
  iamCredentials: "GEMINI_KIT_IAMCREDENTIALS_ENDPOINT",
  iam: "GEMINI_KIT_IAM_ENDPOINT",
  apiKeys: "GEMINI_KIT_APIKEYS_ENDPOINT",
  orgPolicy: "GEMINI_KIT_ORGPOLICY_ENDPOINT",
  cloudBilling: "GEMINI_KIT_CLOUDBILLING_ENDPOINT",
  cloudResourceManager: "GEMINI_KIT_CLOUDRESOURCEMANAGER_ENDPOINT",
  serviceUsage: "GEMINI_KIT_SERVICEUSAGE_ENDPOINT",
  aiplatform: "GEMINI_KIT_AIPLATFORM_ENDPOINT",
};

/** An API version as a path's last segment (`/v1`, `/v1beta`, `/v2alpha1/`). */
const VERSION_AT_END = /\/v\d+(?:(?:alpha|beta)\d*)?\/*$/;

/** Loopback hosts: plain http to them never leaves the machine. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * The endpoints, with each variable that is set taking the place of Google's address. Each receives
 * credentials (signed token requests, refresh tokens, the caller's own access token), so each must be
 * https://, or plain http:// to a loopback address (a local proxy, a test server).
 */
export function endpointsFromEnv(env: Record<string, string | undefined>): Endpoints {
  const result = { ...GOOGLE_ENDPOINTS };
  for (const key of Object.keys(ENDPOINT_VARIABLES) as (keyof Endpoints)[]) {
    const variable = ENDPOINT_VARIABLES[key];
    const value = env[variable]?.trim();
    if (value === undefined || value === "") continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      if (/\/\/[^/]*@/.test(value))
        throw usage(
          `${variable} is not a URL, and holds what looks like a user name or password (not shown).`,
          `Set ${variable} to an https:// URL without credentials, or unset it.`,
        );
      throw usage(
        `${variable}=${JSON.stringify(value)} is not a URL.`,
        `Set ${variable} to an https:// URL, or unset it.`,
      );
    }
    // Credentials in an endpoint would be printed with it (the notice below) and sent nowhere useful.
    if (url.username !== "" || url.password !== "")
      throw usage(
        `${variable} holds a user name or password before its host (not shown); the kit neither prints nor sends them.`,
        `Set ${variable} to the endpoint's URL without credentials, or unset it.`,
      );
    if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.test(url.hostname))) {
      throw usage(
        `${variable}=${JSON.stringify(value)} is not an https:// URL; it would receive credentials${url.protocol === "http:" ? " unencrypted" : ""}.`,
        `Set ${variable} to an https:// URL (plain http:// is allowed only to localhost, 127.0.0.1 or [::1]), or unset it.`,
      );
    }
    // The kit appends the API's own path (`/v1beta/models`, `/token`): a query or fragment would end
    // up in the middle of every address, and a version in the path would be there twice.
    if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#"))
      throw usage(
        `${variable}=${quoted(value)} has a query or fragment; the kit appends the API's path to it, so every request would go to the wrong address.`,
        `Set ${variable} to the endpoint's base URL alone (scheme, host, and a path prefix if your proxy needs one), or unset it.`,
      );
    if (VERSION_AT_END.test(url.pathname))
      throw usage(
        `${variable}=${quoted(value)} ends in an API version; the kit adds the version itself, so requests would name it twice.`,
        `Set ${variable} to ${quoted(value.replace(VERSION_AT_END, ""))}, or unset it.`,
      );
    result[key] = value.replace(/\/+$/, "");
  }
  return result;
}

/** One line per endpoint that is not Google's, for stderr: credentials go there, so the user sees where. */
export function overrideNotices(endpoints: Endpoints): string[] {
  return (Object.keys(ENDPOINT_VARIABLES) as (keyof Endpoints)[])
    .filter((key) => endpoints[key] !== GOOGLE_ENDPOINTS[key])
    .map(
      (key) =>
        `${ENDPOINT_VARIABLES[key]}: calling ${endpoints[key]} instead of ${GOOGLE_ENDPOINTS[key]}${key === "aiplatform" ? " and its regional hosts" : ""}.`,
    );
}

/**
 * A Vertex location as Google names one: `global`, the multi-regions `us` and `eu`, or a region
 * (`us-central1`, `europe-west4`, `northamerica-northeast1`). It becomes part of a host name, so
 * nothing else is let through.
 */
export const VERTEX_LOCATION = /^(global|us|eu|[a-z]+-[a-z]+\d{1,2})$/;

/**
 * Where a Vertex call at `location` goes. Google's hosts, per the discovery document aiplatform v1
 * (`baseUrl` and its "Locational Endpoint" list) and the Agent Platform's locations page
 * (docs.cloud.google.com/gemini-enterprise-agent-platform/resources/locations): `global` on
 * aiplatform.googleapis.com with no location in the host, the multi-regions on
 * aiplatform.{us,eu}.rep.googleapis.com, every region on {region}-aiplatform.googleapis.com. The
 * location is in the request's path as well, so GEMINI_KIT_AIPLATFORM_ENDPOINT can take them all.
 */
export function aiplatformBase(endpoints: Endpoints, location: string): string {
  if (!VERTEX_LOCATION.test(location))
    throw usage(
      `${quoted(location)} is not a Vertex location.`,
      "Name global, us, eu or a region such as us-central1.",
    );
  if (endpoints.aiplatform !== GOOGLE_ENDPOINTS.aiplatform) return endpoints.aiplatform;
  if (location === "global") return GOOGLE_ENDPOINTS.aiplatform;
  if (location === "us" || location === "eu")
    return `https://aiplatform.${location}.rep.googleapis.com`;
  return `https://${location}-aiplatform.googleapis.com`;
}

/**
 * A fetch that sends google-auth-library's requests to the configured endpoints. The library
 * hard-codes the token URL of service-account (JWT) clients and ignores the key file's `token_uri`,
 * so rewriting at the transport is the one way to honour GEMINI_KIT_OAUTH2_TOKEN_URL there.
 */
export function rewritingFetch(endpoints: Endpoints, base: typeof fetch): typeof fetch {
  const iam = new URL(GOOGLE_ENDPOINTS.iamCredentials).origin;
  const rewrite = (url: string): string => {
    if (
      url === GOOGLE_ENDPOINTS.oauth2Token ||
      url === "https://www.googleapis.com/oauth2/v4/token"
    ) {
      return endpoints.oauth2Token;
    }
    if (url.startsWith(`${iam}/`)) return endpoints.iamCredentials + url.slice(iam.length);
    return url;
  };
  return (input, init) => {
    if (typeof input === "string") return base(rewrite(input), init);
    if (input instanceof URL) return base(rewrite(input.href), init);
    return base(new Request(rewrite(input.url), input), init);
  };
}
