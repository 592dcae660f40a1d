/**
 * A developer signing in through the project's Desktop OAuth client, as the quickstart does with
 * `gcloud auth application-default login --client-id-file`. The refresh token is saved per client,
 * so the consent screen appears once; `--logout` forgets it.
 */

import { OAuth2Client, type Credentials } from "google-auth-library";
import { parseInstalledClient, type InstalledClient } from "../../oauth/client.ts";
import { badInput, Failure } from "../../cli/failure.ts";
import { withRetries } from "../http.ts";
import type { SecretSource } from "../apis/secret-manager.ts";
import { tokenAttempt, type TokenContext } from "../errors/token-errors.ts";
import { readWithAdc } from "./adc.ts";
import { tokenCaller, transport, type Caller, type IdentityDeps } from "./caller.ts";
import { authorize, type SignInOptions } from "./loopback.ts";
import type { TokenCache } from "./token-cache.ts";

export interface OauthOptions extends Omit<SignInOptions, "scopes"> {
  client: ClientSource;
  cache: TokenCache;
  /** `--project`: the quota project, ahead of the stack's and the client's own. */
  project?: string;
}

/** Where the Desktop client's JSON is: a file the user names, or the secret a stack keeps it in. */
export type ClientSource = { clientFile: string } | { secret: SecretSource };

/** The Desktop client, checked; its secret is known to the redactor before anything can print it. */
export async function loadClient(
  deps: IdentityDeps,
  from: ClientSource,
): Promise<{ client: InstalledClient; source: string }> {
  let text: string;
  let source: string;
  if ("clientFile" in from) {
    text = await deps.readFile(from.clientFile);
    source = `client file ${from.clientFile}`;
  } else {
    source = `secret ${from.secret.name}`;
    text = await readWithAdc(deps, from.secret, "oauth");
  }
  deps.redactor.add(text);
  const { client, problems } = parseInstalledClient(text, deps.project);
  if (client === undefined || problems.length > 0) {
    const first = problems[0]!;
    throw badInput(
      `${source}: ${first.field} ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ""}.`,
      first.fix,
    );
  }
  deps.redactor.add(client.clientSecret);
  return { client, source };
}

const covers = (granted: string[], wanted: string[]): boolean =>
  wanted.every((s) => granted.includes(s));

export async function oauthCaller(deps: IdentityDeps, options: OauthOptions): Promise<Caller> {
  const { client, source } = await loadClient(deps, options.client);
  const oauth2 = new OAuth2Client({
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    endpoints: {
      oauth2TokenUrl: deps.endpoints.oauth2Token,
      oauth2AuthBaseUrl: deps.endpoints.oauth2Auth,
    },
    transporterOptions: transport(deps),
  });
  const project = options.project ?? deps.project ?? client.projectId;
  const context: TokenContext = {
    identity: "oauth",
    what: "Get a token for the signed-in user",
    user: true,
  };
  const saved = await options.cache.get(client.clientId);
  let how: string;
  if (saved === undefined || !covers(saved.scopes, deps.scopes)) {
    // A sign-in whose refresh token could not be kept would have to be repeated every run: find out
    // before the browser opens.
    await options.cache.check();
  }
  if (saved !== undefined && covers(saved.scopes, deps.scopes)) {
    deps.redactor.add(saved.refreshToken);
    oauth2.setCredentials({ refresh_token: saved.refreshToken });
    how = `saved sign-in in ${options.cache.path}`;
  } else {
    oauth2.setCredentials(await signIn(deps, options, oauth2, client.clientId));
    how = `new sign-in, saved to ${options.cache.path}`;
  }
  oauth2.on("tokens", (tokens: Credentials) => {
    deps.redactor.add(tokens.access_token);
    if (tokens.refresh_token && tokens.refresh_token !== saved?.refreshToken) {
      deps.redactor.add(tokens.refresh_token);
      options.cache
        .put(client.clientId, {
          refreshToken: tokens.refresh_token,
          scopes: deps.scopes,
          savedAt: new Date().toISOString(),
        })
        .catch((err: unknown) => {
          options.progress(
            `The new refresh token could not be saved: ${err instanceof Error ? err.message : String(err)}`,
          );
        });
    }
  });
  const caller = tokenCaller(
    oauth2,
    {
      kind: "oauth",
      principal: "user",
      source: `Desktop client ${client.clientId} from ${source}; ${how}`,
      project,
    },
    deps,
    context,
    project,
  );
  return {
    identity: caller.identity,
    async headers() {
      try {
        return await caller.headers();
      } catch (err) {
        if (err instanceof Failure && err.reason === "INVALID_GRANT")
          await options.cache.remove(client.clientId);
        throw err;
      }
    },
  };
}

async function signIn(
  deps: IdentityDeps,
  options: OauthOptions,
  oauth2: OAuth2Client,
  clientId: string,
): Promise<Credentials> {
  const code = await authorize(oauth2, { ...options, scopes: deps.scopes });
  const context: TokenContext = {
    identity: "oauth",
    what: "Exchange the sign-in code",
    user: true,
  };
  const origin = new URL(deps.endpoints.oauth2Token).origin;
  const { tokens } = await withRetries(deps.http, context.what, () =>
    tokenAttempt(deps.http, context, origin, () =>
      oauth2.getToken({
        code: code.code,
        codeVerifier: code.codeVerifier,
        redirect_uri: code.redirectUri,
      }),
    ),
  );
  deps.redactor.add(tokens.access_token);
  deps.redactor.add(tokens.refresh_token);
  const granted = typeof tokens.scope === "string" ? tokens.scope.split(" ") : deps.scopes;
  const missing = deps.scopes.filter((s) => !granted.includes(s));
  if (missing.some((s) => s.includes("generative-language"))) {
    throw new Failure(
      "SCOPE_NOT_GRANTED",
      `The sign-in did not grant ${missing.map((s) => s.replace("https://www.googleapis.com/auth/", "")).join(", ")}.`,
      "Run again and tick every permission on the consent screen; the consent screen's data access must list the Gemini scopes.",
    );
  }
  if (tokens.refresh_token) {
    await options.cache.put(clientId, {
      refreshToken: tokens.refresh_token,
      scopes: granted,
      savedAt: new Date().toISOString(),
    });
  } else {
    options.progress(
      "Google returned no refresh token, so the next run will ask you to sign in again.",
    );
  }
  return tokens;
}
