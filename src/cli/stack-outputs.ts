/**
 * A stack's outputs through the Pulumi CLI (`pulumi stack output --json`), for the commands that
 * act on a deployed stack (verify, rotate, preflight); each reads the part it needs.
 */

import { Failure } from "./failure.ts";
import { pulumiMissing } from "./process.ts";

/**
 * Runs a program with an argument array; resolves with its exit code and output, rejects only if it
 * could not start. `missingDetail`: it started, but it is the pinned pulumi launcher, which could not
 * download the CLI it stands for (see pulumiMissing).
 */
export type Runner = (
  file: string,
  args: string[],
) => Promise<{ exitCode: number; stdout: string; stderr: string; missingDetail?: string }>;

/** A Pulumi CLI call that did not work: the CLI missing (exit 2), or its own failure, said whole. */
export function pulumiFailed(
  command: string,
  result: Awaited<ReturnType<Runner>>,
  fix: string,
): Failure {
  if (result.missingDetail !== undefined)
    return pulumiMissing({ ...result, missing: true }, "log in to the stack's backend");
  const said =
    result.stderr.trim().split("\n").filter(Boolean).slice(-3).join(" ") ||
    `exit code ${result.exitCode}`;
  const sentence = /[.!?]$/.test(said) ? said : `${said}.`;
  return new Failure("PULUMI_FAILED", `${command} failed: ${sentence.slice(0, 500)}`, fix, 2);
}

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
  if (result.exitCode !== 0 || result.missingDetail !== undefined)
    throw pulumiFailed(`pulumi stack output --stack ${stack}`, result, PULUMI_FIX);
  return result.stdout;
}
