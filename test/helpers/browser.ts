/** Plays the user's browser for the sign-in: opens the printed address and follows the redirect. */

import type { RunOptions } from "./verify-cli.ts";

async function visit(url: string): Promise<number> {
  const consent = await fetch(url, { redirect: "manual" });
  const location = consent.headers.get("location");
  if (location === null) return consent.status;
  const landing = await fetch(location);
  return landing.status;
}

/** An onStderr handler that visits the first sign-in address the command prints. */
export function browserFor(authUrl: string): {
  onStderr: NonNullable<RunOptions["onStderr"]>;
  visited: Promise<number>;
} {
  let buffer = "";
  let started = false;
  let resolveVisit!: (status: number) => void;
  const visited = new Promise<number>((resolve) => (resolveVisit = resolve));
  return {
    visited,
    onStderr(text) {
      buffer += text;
      const match = new RegExp(`${authUrl.replace(/[.?*+^$[\]\\(){}|-]/g, "\\$&")}\\?\\S+`).exec(
        buffer,
      );
      if (match && !started) {
        started = true;
        void visit(match[0]).then(resolveVisit, () => resolveVisit(0));
      }
    },
  };
}
