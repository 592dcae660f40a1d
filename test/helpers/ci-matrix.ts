/**
 * `npm run ci-matrix` in this process, over the committed files, over the committed files with a
 * test's changes on top, or over a test's files alone, with what it printed and its JSON.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { commandContext, runCommand } from "../../src/cli/main.ts";
import { ciMatrixMain } from "../../src/deploy/matrix-cli.ts";
import { ROOT } from "./verify-cli.ts";

export type Files = Record<string, string | undefined>;

/** The committed file at `path` (from the project's root), or undefined. */
export function committed(path: string): string | undefined {
  try {
    return readFileSync(join(ROOT, path), "utf8");
  } catch {
    return undefined;
  }
}

/** The command over the committed files with `changes` on top (undefined removes a file), or over `files` alone. */
export async function ciMatrix(argv: string[], changes: Files = {}, only?: Files) {
  const read = (path: string) =>
    path in (only ?? changes) ? (only ?? changes)[path] : only ? undefined : committed(path);
  const stacks = new Set([
    ...(only ? [] : readdirSync(join(ROOT, "stacks"))),
    ...Object.keys(only ?? changes).flatMap((p) => (p.startsWith("stacks/") ? [p.slice(7)] : [])),
  ]);
  let stdout = "";
  let stderr = "";
  const ctx = commandContext(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  const code = await runCommand(
    "ci-matrix",
    (c) =>
      ciMatrixMain(c, {
        root: "/project",
        listStacks: () => [...stacks].filter((f) => read(`stacks/${f}`) !== undefined),
        readText: (path) => read(relative("/project", path)),
      }),
    ctx,
  );
  return {
    code,
    stdout,
    stderr,
    json: stdout.startsWith("{") ? (JSON.parse(stdout) as Matrices) : undefined,
  };
}

interface MatrixEntry {
  stack: string;
  environment?: string;
  service_account: string;
  workload_identity_provider: string;
  backend?: string;
}
export interface Matrices {
  event: string;
  waves?: {
    wave: number;
    stacks: string[];
    chunks: { up: { include: MatrixEntry[] }; rotate: { include: MatrixEntry[] } }[];
  }[];
  previews?: { include: MatrixEntry[] };
  chunks?: { include: MatrixEntry[] }[];
}
