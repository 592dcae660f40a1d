/** The stand-in for the Pulumi CLI as a function (./core.js). */

export interface FakePulumiIo {
  env: Record<string, string | undefined>;
  stdin: string;
  out(text: string): void;
  err(text: string): void;
}

export interface FakePulumiRun {
  /** The exit code the CLI would give. */
  done: Promise<number>;
  /** Ctrl-C: the first cancels an update, the second ends the run at once ("forced"). */
  interrupt(): "cancelling" | "forced";
}

export function fakePulumi(args: string[], io: FakePulumiIo): FakePulumiRun;
