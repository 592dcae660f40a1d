/**
 * A stand-in `gh` for a test, written into a folder of its own to put on PATH: it answers
 * `gh api ENDPOINT` with canned JSON per endpoint, as the real CLI does (the body on stdout; on an
 * HTTP error also `gh: MESSAGE (HTTP STATUS)` on stderr and exit 1), and records every call. An
 * endpoint with a query string is answered as the same endpoint without it, unless listed itself;
 * one not listed is 404. Logged out, it answers everything as gh does without a login: exit 4.
 */

import { readFileSync, existsSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp-dir.ts";

export interface GhReply {
  /** 200 unless said. */
  status?: number;
  body: unknown;
}

export interface FakeGh {
  /** The folder to put first on PATH. */
  dir: string;
  /** Every command line it received, its arguments joined by spaces. */
  calls(): string[];
}

const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function fakeGh(replies: Record<string, GhReply> | "logged out"): FakeGh {
  const dir = tempDir("fake-gh");
  const log = join(dir, "calls");
  const lines = ["#!/bin/sh", `printf '%s\\n' "$*" >> ${quoted(log)}`];
  if (replies === "logged out") {
    lines.push(
      "echo 'To get started with GitHub CLI, please run:  gh auth login' >&2",
      "echo 'Alternatively, populate the GH_TOKEN environment variable with a GitHub API authentication token.' >&2",
      "exit 4",
    );
  } else {
    lines.push('[ "$1" = api ] || { echo "fake gh: only gh api" >&2; exit 1; }', 'case "$2" in');
    // An endpoint listed with its query string goes first, before the same endpoint without one.
    const entries = Object.entries(replies).sort(
      ([a], [b]) => Number(b.includes("?")) - Number(a.includes("?")),
    );
    entries.forEach(([endpoint, reply], i) => {
      const file = join(dir, `${i}.json`);
      writeFileSync(file, JSON.stringify(reply.body));
      const status = reply.status ?? 200;
      const patterns = endpoint.includes("?")
        ? quoted(endpoint)
        : `${quoted(endpoint)}|${quoted(`${endpoint}?`)}*`;
      const message =
        (reply.body as { message?: string } | null)?.message ?? `HTTP error ${status}`;
      lines.push(
        status === 200
          ? `  ${patterns}) cat ${quoted(file)}; exit 0;;`
          : `  ${patterns}) cat ${quoted(file)}; echo ${quoted(`gh: ${message} (HTTP ${status})`)} >&2; exit 1;;`,
      );
    });
    lines.push(
      `  *) echo '{"message":"Not Found","status":"404"}'; echo 'gh: Not Found (HTTP 404)' >&2; exit 1;;`,
      "esac",
    );
  }
  const gh = join(dir, "gh");
  writeFileSync(gh, `${lines.join("\n")}\n`);
  chmodSync(gh, 0o755);
  return {
    dir,
    calls: () =>
      existsSync(log) ? readFileSync(log, "utf8").trimEnd().split("\n").filter(Boolean) : [],
  };
}
