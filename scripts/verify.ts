/**
 * `npm run verify -- [options]`: parses arguments, builds the real collaborators, runs the core and
 * prints its report. Runs on Node's own TypeScript support: no compiler and no Pulumi SDK are loaded.
 * Exit codes: see --help (src/cli/failure.ts declares them).
 */

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runMain } from "../src/cli/main.ts";
import { machine } from "./machine.ts";
import { verifyMain } from "../src/verify/cli.ts";
import { silenceLibraryLog } from "./runner.ts";

/**
 * $BROWSER, else the platform's opener; false if it could not be started. The sign-in address (its
 * `state` and PKCE challenge) never goes on a command line, where other users of the machine can read
 * it in the process list: the browser gets a file in a private folder that redirects to it, and the
 * folder is removed when the command ends, by Ctrl-C too.
 */
function openBrowser(url: string): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "gak-signin-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", cleanup);
  // Ctrl-C while the user signs in removes the page at once (runMain then reports and exits).
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, cleanup);
  const page = join(dir, "sign-in.html");
  const href = url.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  writeFileSync(
    page,
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Sign in</title><a href="${href}">Sign in</a>\n`,
    { mode: 0o600 },
  );
  const target = pathToFileURL(page).href;
  const [command, ...args] = process.env.BROWSER
    ? [process.env.BROWSER, target]
    : process.platform === "darwin"
      ? ["open", target]
      : process.platform === "win32"
        ? ["rundll32", "url.dll,FileProtocolHandler", target]
        : ["xdg-open", target];
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: "ignore" });
    child.once("error", () => resolve(false));
    child.once("spawn", () => {
      child.unref();
      resolve(true);
    });
  });
}

const libraryLog = silenceLibraryLog();

runMain("verify", (ctx) =>
  verifyMain(ctx, {
    ...machine(),
    openBrowser,
    colour: process.stdout.isTTY === true && !process.env.NO_COLOR,
    notice: libraryLog,
  }),
);
