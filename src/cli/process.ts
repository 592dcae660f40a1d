/** How the kit's commands run other programs: an argument array, never a shell string. */

export interface RunOptions {
  /** Written to the program's standard input, which is then closed. */
  input?: string;
  /**
   * Ctrl-C is passed to the program through this, not by the terminal: the program runs in a
   * process group of its own, so one Ctrl-C reaches it exactly once.
   */
  interruption?: Interruption;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program is not installed (not on PATH). */
  missing?: boolean;
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
