/** What the pulumi-tools command takes from the machine, passed in so tests run it on their own. */

import type { Run } from "../cli/process.ts";

/** The files the command reads, writes, hashes and removes. */
export interface ToolFiles {
  /** A file's text, or undefined when there is none. */
  readText: (path: string) => string | undefined;
  /** Writes a file whole: a temporary file beside it, renamed over it. */
  writeText: (path: string, text: string) => void;
  /** The lowercase hex digest of a file's bytes. */
  digest: (path: string, algorithm: "sha1" | "sha256") => Promise<string>;
  isFile: (path: string) => boolean;
  /** Makes a folder and its parents; one that exists is kept. */
  makeDir: (path: string) => void;
  /** Removes a file or folder; one that is not there is no error. */
  remove: (path: string) => void;
  /** A new private folder, and its removal. */
  tempDir: () => { path: string; remove: () => void };
}

export interface ToolsDeps {
  /** The project's root: package.json, package-lock.json and the pin file are read from there. */
  root: string;
  /** The process's environment (GEMINI_KIT_PULUMI_DOWNLOADS). */
  env: Readonly<Record<string, string | undefined>>;
  /** This machine in the CLI's spelling, `${process.platform}-${process.arch}` (linux-x64). */
  platform: string;
  /** Runs curl, tar and the unpacked pulumi, with an argument array. */
  run: Run;
  files: ToolFiles;
}

/** Where progress goes: one line at a time, on stderr. */
export type Say = (line: string) => void;
