/**
 * The installed-app sign-in: a one-shot HTTP listener on 127.0.0.1 receives the authorization code
 * (Google retired the copy-and-paste flow), with PKCE (S256) and a `state` value against forged
 * redirects. The browser is opened when possible; the URL is printed either way.
 */

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CodeChallengeMethod, type OAuth2Client } from "google-auth-library";
import { Failure } from "../../cli/failure.ts";

export interface SignInOptions {
  scopes: string[];
  /** Opens a URL in the user's browser; resolves false if it could not. */
  openBrowser?: (url: string) => Promise<boolean>;
  /** Prints progress and the URL, on stderr. */
  progress: (line: string) => void;
  timeoutMs: number;
}

export interface AuthorizationCode {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

const PAGE = (title: string, text: string): string =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif"><h1>${title}</h1><p>${text}</p></body>`;

/** Runs the browser part of the flow and returns the code to exchange. */
export async function authorize(
  client: OAuth2Client,
  options: SignInOptions,
): Promise<AuthorizationCode> {
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const state = randomBytes(24).toString("base64url");
  let settle!: (result: { code?: string; error?: string }) => void;
  const received = new Promise<{ code?: string; error?: string }>((resolve) => (settle = resolve));

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const code = url.searchParams.get("code");
    const error = url.searchParams.get("error");
    if (url.pathname !== "/" || (code === null && error === null)) {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get("state") !== state) {
      res
        .writeHead(400, { "content-type": "text/html" })
        .end(
          PAGE(
            "Sign-in not accepted",
            "This response did not come from the sign-in this command started.",
          ),
        );
      return;
    }
    const ok = code !== null;
    res
      .writeHead(ok ? 200 : 400, { "content-type": "text/html", connection: "close" })
      .end(
        ok
          ? PAGE("Signed in", "You can close this tab and return to the terminal.")
          : PAGE("Sign-in declined", "Return to the terminal for what to do next."),
      );
    settle(ok ? { code } : { error: error ?? "unknown" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = client.generateAuthUrl({
    access_type: "offline",
    prompt: "consent",
    scope: options.scopes,
    state,
    redirect_uri: redirectUri,
    code_challenge_method: CodeChallengeMethod.S256,
    code_challenge: codeChallenge,
  });

  let timer: NodeJS.Timeout | undefined;
  try {
    const opened = options.openBrowser ? await options.openBrowser(url).catch(() => false) : false;
    options.progress(
      opened
        ? "Sign in in the browser window that opened. If none did, open:"
        : "Open this address in a browser to sign in:",
    );
    options.progress(url);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Failure(
              "LOGIN_TIMEOUT",
              `No sign-in arrived within ${Math.round(options.timeoutMs / 1000)} s.`,
              "Run again and finish signing in, or raise --login-timeout.",
            ),
          ),
        options.timeoutMs,
      );
    });
    const result = await Promise.race([received, timeout]);
    if (result.error !== undefined) throw declined(result.error);
    return { code: result.code!, codeVerifier: codeVerifier, redirectUri };
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}

function declined(error: string): Failure {
  if (error === "access_denied") {
    return new Failure(
      "ACCESS_DENIED",
      "The sign-in was declined (access_denied).",
      "Run again and allow access. While the app is in Testing status, only the consent screen's test users (oauthConsent.testUsers) can sign in.",
    );
  }
  return new Failure(
    "ACCESS_DENIED",
    `The sign-in failed: Google returned error=${error.slice(0, 60)}.`,
    "Check the consent screen lists every scope the kit asks for, then run again.",
  );
}
