/**
 * Runs verify in this process against the fake Google: its core with a clock that does not wait
 * (verifyInProcess), or the whole command as its entry runs it (verifyCommand).
 */

import { parseVerifyArgs } from "../../src/verify/args.ts";
import { verifyMain, type VerifyCommandDeps } from "../../src/verify/cli.ts";
import { machine } from "../../scripts/machine.ts";
import { inProcess } from "./in-process.ts";
import type { CliResult } from "./verify-cli.ts";
import { Redactor } from "../../src/cli/redact.ts";
import { readInputFile } from "../../src/cli/input-file.ts";
import { runVerify, type VerifyResult } from "../../src/verify/run.ts";
import { nodeFetch } from "../../src/google/transport/fetch.ts";
import type { FakeGoogle } from "./google/server.ts";

export interface InProcessRun {
  result: VerifyResult;
  /** Every progress line, in order, but the notices of endpoints pointed at the fake. */
  progress: string[];
  /** The lines that name an endpoint variable in use. */
  notices: string[];
  /** Every sleep the retry logic asked for, in milliseconds. */
  sleeps: number[];
}

export async function verifyInProcess(
  google: FakeGoogle,
  argv: string[],
  env: Record<string, string | undefined> = {},
  /** Sees each progress line as it is written (a test plays the browser from the sign-in address). */
  onProgress?: (line: string) => void,
): Promise<InProcessRun> {
  const progress: string[] = [];
  const sleeps: number[] = [];
  let now = Date.now();
  // google-auth-library reads these from the process itself, not from the env the core is given.
  const saved = { ...process.env };
  Object.assign(process.env, { METADATA_SERVER_DETECTION: "none" }, env);
  try {
    const result = await runVerify(parseVerifyArgs(argv), {
      fetch: nodeFetch,
      clock: {
        now: () => now,
        sleep: (ms) => {
          sleeps.push(ms);
          now += ms;
          return Promise.resolve();
        },
        random: () => 0.5,
      },
      env: { METADATA_SERVER_DETECTION: "none", HOME: "/nonexistent", ...google.env, ...env },
      readFile: readInputFile,
      run: () => Promise.reject(new Error("no pulumi in in-process tests")),
      progress: (line) => {
        progress.push(line);
        onProgress?.(`${line}\n`);
      },
      redactor: new Redactor(),
    });
    const notice = (line: string) => / instead of https:\/\//.test(line);
    return {
      result,
      progress: progress.filter((l) => !notice(l)),
      notices: progress.filter(notice),
      sleeps,
    };
  } finally {
    process.env = saved;
  }
}

/** The collaborators verify's entry gives its command, for a run in this process. */
export function verifyCommandDeps(): VerifyCommandDeps {
  return { ...machine(), colour: false };
}

/** The whole verify command (src/verify/cli.ts) in this process (see inProcess). */
export function verifyCommand(argv: string[], env: Record<string, string>): Promise<CliResult> {
  return inProcess("verify", (c) => verifyMain(c, verifyCommandDeps()), argv, env);
}
