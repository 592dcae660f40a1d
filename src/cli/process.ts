/** How the kit's commands run other programs: an argument array, never a shell string. */

export interface RunOptions {
  /** Written to the program's standard input, which is then closed. */
  input?: string;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program is not installed (not on PATH). */
  missing?: boolean;
}

export type Run = (file: string, args: string[], options?: RunOptions) => Promise<RunResult>;

/** Thrown for a wrong command line or input: the entry prints the message and exits 2. */
export class UsageError extends Error {}

/** The stack names committed under `stacks/` (Pulumi.<name>.yaml). */
export function stackNames(files: string[]): string[] {
  return files.flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort();
}
