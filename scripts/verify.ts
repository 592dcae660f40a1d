/**
 * `npm run verify -- [options]`: parses arguments, builds the real collaborators, runs the core and
 * sets the exit code (0 verified, 1 a check failed, 2 usage or input error). See --help.
 * Runs on Node's own TypeScript support: no compiler and no Pulumi SDK are loaded.
 */

import { spawn } from "node:child_process";
import { HELP, parseVerifyArgs, type VerifyOptions } from "../src/verify/args.ts";
import { Failure } from "../src/verify/errors.ts";
import type { Runner } from "../src/verify/facts.ts";
import { readInputFile } from "../src/verify/files.ts";
import { Redactor } from "../src/verify/redact.ts";
import { formatJson, formatText } from "../src/verify/report.ts";
import { runVerify, type VerifyResult } from "../src/verify/run.ts";
import { nodeFetch } from "../src/verify/transport.ts";

const runPulumi: Runner = async (file, args) => {
  // Loaded only for --stack, so the other paths do not pay for it.
  const { execa } = await import("execa");
  const result = await execa(file, args, { reject: false, stdin: "ignore" });
  if (result.exitCode === undefined) throw new Error(`${file} could not be started`);
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
};

/** $BROWSER, else the platform's opener; false if it could not be started. */
function openBrowser(url: string): Promise<boolean> {
  const [command, ...args] = process.env.BROWSER
    ? [process.env.BROWSER, url]
    : process.platform === "darwin"
      ? ["open", url]
      : process.platform === "win32"
        ? ["rundll32", "url.dll,FileProtocolHandler", url]
        : ["xdg-open", url];
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: "ignore" });
    child.once("error", () => resolve(false));
    child.once("spawn", () => {
      child.unref();
      resolve(true);
    });
  });
}

async function main(argv: string[]): Promise<void> {
  const redactor = new Redactor();
  const stderr = (line: string) => process.stderr.write(`${redactor.redact(line)}\n`);
  const print = (text: string) => process.stdout.write(redactor.redact(text));
  const json = argv.includes("--json");
  let options: VerifyOptions;
  try {
    options = parseVerifyArgs(argv);
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    const result: VerifyResult = { ok: false, command: "verify", error: { reason: err.reason, message: err.message, fix: err.fix }, exitCode: 2 };
    print(json ? formatJson(result) : `${err.message} ${err.fix}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    print(HELP);
    return;
  }
  const result = await runVerify(options, {
    fetch: nodeFetch,
    clock: { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random: Math.random },
    env: process.env,
    readFile: readInputFile,
    run: runPulumi,
    openBrowser,
    progress: stderr,
    redactor,
  });
  print(options.json ? formatJson(result) : formatText(result, { colour: process.stdout.isTTY && !process.env.NO_COLOR }));
  process.exitCode = result.exitCode;
}

void main(process.argv.slice(2))
  .catch((err: unknown) => {
    // Not an expected failure: a bug, printed with its stack, still redacted.
    process.stderr.write(`${new Redactor().redact(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    process.exitCode = 1;
  })
  .then(() => {
    // fetch keeps idle connections pooled, which holds the process open for tens of milliseconds
    // after the work is done; end once stdout has drained instead.
    process.stdout.write("", () => process.exit());
  });
