/** How the kit's commands run other programs: an argument array, never a shell string. */

import { Failure } from "./failure.ts";

interface RunOptions {
  /** Written to the program's standard input, which is then closed. */
  input?: string;
  /**
   * Ctrl-C is passed to the program through this, not by the terminal: the program runs in a
   * process group of its own, so one Ctrl-C reaches it exactly once.
   */
  interruption?: Interruption;
  /** Stops the program after this long: a run that was stopped ends with exit code 124 and says so on stderr. */
  timeoutMs?: number;
  /** Variables set for the program, on top of this process's environment, which it inherits. */
  env?: Readonly<Record<string, string>>;
  /** The folder the program starts in (Pulumi finds its project there); default this process's. */
  cwd?: string;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program is not installed (not on PATH), or its launcher could not fetch it. */
  missing?: boolean;
  /** Why a program on PATH could not be started after all, e.g. the pulumi launcher's failed download. */
  missingDetail?: string;
  /** The program ended on a signal (after an interrupt, SIGINT). */
  signal?: string;
}

export type Run = (file: string, args: string[], options?: RunOptions) => Promise<RunResult>;

/** A running program, as an interruption sees it. */
export interface Interruptible {
  kill(signal: NodeJS.Signals): void;
}

/**
 * Ctrl-C for a command that runs other programs: once interrupted, the command starts no new work,
 * and each interrupt is passed on to every program still running. Pulumi cancels its update on the
 * first SIGINT and stops at once on the second, so passing each one on keeps that meaning.
 */
export class Interruption {
  readonly #running = new Set<Interruptible>();
  #count = 0;

  get interrupted(): boolean {
    return this.#count > 0;
  }

  /** Follows a program until the returned function is called (when it has ended). */
  track(child: Interruptible): () => void {
    this.#running.add(child);
    if (this.interrupted) child.kill("SIGINT");
    return () => this.#running.delete(child);
  }

  interrupt(): void {
    this.#count++;
    for (const child of this.#running) child.kill("SIGINT");
  }
}

/**
 * The Pulumi CLI cannot be started: not on PATH, or (under npm run, where node_modules/.bin comes
 * first) the pinned launcher could not download it. One Failure for every command, exit 2.
 */
export function pulumiMissing(
  result: RunResult,
  after = "log in to the stacks' backend (npm run bootstrap)",
): Failure {
  if (result.missingDetail !== undefined) {
    return new Failure(
      "PULUMI_MISSING",
      `The Pulumi CLI could not be started: ${result.missingDetail}.`,
      `It downloads once from get.pulumi.com into $PULUMI_HOME/versions (default ~/.pulumi/versions); allow that, or put that version's pulumi binary there, then ${after}.`,
      2,
    );
  }
  return new Failure(
    "PULUMI_MISSING",
    "The Pulumi CLI (pulumi) is not on PATH.",
    `Install it (https://www.pulumi.com/docs/install/) and ${after}.`,
    2,
  );
}
