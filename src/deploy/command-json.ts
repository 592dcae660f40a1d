/** Reading another command's `--json` document, for the deploy summary. */

/** The failure document every command prints with --json (src/cli/main.ts). */
export interface FailureDocument {
  reason?: string;
  message?: string;
  fix?: string;
}

/** The command's JSON document, or the one line that says it printed none (its last stderr line). */
export function commandJson<T>(
  command: string,
  exitCode: number,
  stdout: string,
  stderr: string,
): { document: T } | { none: string } {
  try {
    return { document: JSON.parse(stdout) as T };
  } catch {
    return {
      none: `${command} printed no result (exit ${exitCode}): ${stderr.trim().split("\n").pop() ?? ""}`.trim(),
    };
  }
}

/** A failure document as one line: the reason, what is wrong, the fix. */
export function failureLine(e: FailureDocument): string {
  return `${e.reason ?? "FAILED"}: ${e.message ?? ""} ${e.fix ?? ""}`.trim();
}
