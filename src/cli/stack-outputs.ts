/**
 * A stack's outputs through the Pulumi CLI (`pulumi stack output --json`), for the commands that
 * act on a deployed stack (verify, rotate, preflight); each reads the part it needs.
 */

import { Failure } from "./failure.ts";

/** Runs a program with an argument array; resolves with its exit code and output, rejects only if it could not start. */
export type Runner = (
  file: string,
  args: string[],
) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

const PULUMI_FIX =
  "Install the Pulumi CLI and log in to the stack's backend, or pass --outputs FILE saved from `pulumi stack output --json`.";

/** The JSON text of `pulumi stack output --json --stack STACK`; a CLI that is missing or fails is one clear line. */
export async function stackOutputJson(stack: string, run: Runner): Promise<string> {
  let result: Awaited<ReturnType<Runner>>;
  try {
    result = await run("pulumi", ["stack", "output", "--json", "--stack", stack]);
  } catch {
    throw new Failure(
      "PULUMI_FAILED",
      "The Pulumi CLI (pulumi) was not found on PATH.",
      PULUMI_FIX,
      2,
    );
  }
  if (result.exitCode !== 0) {
    const said =
      result.stderr.trim().split("\n").filter(Boolean).pop() ?? `exit code ${result.exitCode}`;
    throw new Failure(
      "PULUMI_FAILED",
      `pulumi stack output --stack ${stack} failed: ${said.slice(0, 300)}`,
      PULUMI_FIX,
      2,
    );
  }
  return result.stdout;
}
