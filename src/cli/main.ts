/**
 * How every command starts and ends: its arguments parsed the same way, an expected Failure printed
 * as one line (or as JSON with --json), anything else as one line that says it is a bug (its detail,
 * redacted, only with --debug), and the exit code set once stdout has drained.
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT, Failure, usage } from "./failure.ts";
import { jsonText, terminalSafe } from "./output.ts";
import { Redactor } from "./redact.ts";

/** The options every command takes, besides its own. */
const COMMON_OPTIONS = {
  help: { type: "boolean", short: "h", default: false },
  json: { type: "boolean", default: false },
  debug: { type: "boolean", default: false },
} as const satisfies ParseArgsConfig["options"];

/** The help lines of COMMON_OPTIONS, their text starting at `column` to line up with the command's own. */
export function commonHelp(column: number): string {
  const rows = [
    ["--json", "print one JSON document on stdout, failures included"],
    ["--debug", "on an unexpected error, print where it happened"],
    ["-h, --help", "show this help"],
  ];
  return rows.map(([flag, text]) => `  ${flag!.padEnd(column - 2)}${text}\n`).join("");
}

/** node:util's parseArgs, with its errors turned into a usage Failure that names the command's help. */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...options },
      strict: true,
      allowPositionals,
    });
  } catch (err) {
    const fix = `Run npm run ${command} -- --help for the options.`;
    // "Option '--timeout' argument is ambiguous." is how Node says a value starts with a dash.
    const ambiguous = /^Option '(?:-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(
      (err as Error).message,
    );
    if (ambiguous !== null)
      throw usage(
        `${ambiguous[1]!} is followed by a value that starts with "-", which reads as another option.`,
        `If the value is meant, write it ${ambiguous[1]!}=VALUE; no count or duration the kit takes is negative. ${fix}`,
      );
    // "Unknown option '--x'. To specify a positional argument starting with a '-', ..." → its first sentence.
    const said = (err as Error).message
      .split("\n")[0]!
      .replace(/\. To specify.*$/, "")
      .replace(/\.$/, "");
    throw usage(`${said}.`, fix);
  }
}

/** What a command's main gets besides its arguments. */
export interface MainContext {
  argv: string[];
  /** Knows the run's secrets; everything printed through `out`, `err` and `styled` passes through it. */
  redactor: Redactor;
  /** stdout and stderr, redacted and made terminal-safe. */
  out: (text: string) => void;
  err: (text: string) => void;
  /**
   * stdout and stderr, redacted, for text that carries the command's own colours or cursor moves:
   * whatever came from outside in it must already have passed through terminalSafe.
   */
  styled: { out: (text: string) => void; err: (text: string) => void };
}

/** One line (or lines, for a list of problems) for a Failure, redacted and terminal-safe. */
function failureText(failure: Failure): string {
  const sep = failure.message.includes("\n") ? "\n" : " ";
  return `${failure.message}${failure.fix ? `${sep}${failure.fix}` : ""}\n`;
}

/** The JSON document for a failure, with the command's name, whatever the command. */
function failureJson(command: string, failure: Failure): string {
  return jsonText({
    ok: false,
    command,
    error: {
      reason: failure.reason,
      message: failure.message,
      fix: failure.fix,
      ...failure.details,
    },
  });
}

/** What an unexpected error becomes: a Failure that says it is a bug. */
function bug(command: string, err: unknown): Failure {
  const message = err instanceof Error ? err.message : String(err);
  return new Failure(
    "INTERNAL",
    `${command}: unexpected error: ${message.split("\n")[0]!.slice(0, 300)}`,
    "This is a bug in gemini-access-kit: run again with --debug to see where it happened, and report it with that output.",
  );
}

/** A context that writes to `write` (the process's streams, or a test's buffers). */
export function commandContext(
  argv: string[],
  write: { stdout: (text: string) => void; stderr: (text: string) => void },
  redactor = new Redactor(),
): MainContext {
  const safe = (text: string) => terminalSafe(redactor.redact(text));
  return {
    argv,
    redactor,
    out: (text) => write.stdout(safe(text)),
    err: (text) => write.stderr(safe(text)),
    styled: {
      out: (text) => write.stdout(redactor.redact(text)),
      err: (text) => write.stderr(redactor.redact(text)),
    },
  };
}

/**
 * Runs a command's main and returns its exit code. `main` returns the code for the outcomes it
 * reports itself and throws a Failure for the rest, which is printed here: one line on stderr, or
 * the failure document on stdout with --json.
 */
export async function runCommand(
  command: string,
  main: (ctx: MainContext) => Promise<number>,
  ctx: MainContext,
): Promise<number> {
  try {
    return await main(ctx);
  } catch (thrown) {
    const failure = thrown instanceof Failure ? thrown : bug(command, thrown);
    if (ctx.argv.includes("--json")) ctx.out(failureJson(command, failure));
    else ctx.err(failureText(failure));
    if (
      !(thrown instanceof Failure) &&
      ctx.argv.includes("--debug") &&
      thrown instanceof Error &&
      thrown.stack
    )
      ctx.err(`${thrown.stack}\n`);
    return failure.exitCode;
  }
}

/**
 * The process entry of a command: runs it, then ends the process with its exit code once stdout has
 * drained. Node's own warnings (a library's MetadataLookupWarning, say) are not part of any command's
 * output: they show only with --debug.
 */
/** How a command ends on Ctrl-C (SIGINT) or SIGTERM. */
export interface InterruptHandling {
  /** The command handles the signals itself (deploy passes them on to its children). */
  own?: boolean;
  /** What an interrupted run leaves behind and what to do, said as the failure's fix. */
  leaves?: string;
}

export function runMain(
  command: string,
  main: (ctx: MainContext) => Promise<number>,
  redactor = new Redactor(),
  interrupts: InterruptHandling = {},
): void {
  const ctx = commandContext(
    process.argv.slice(2),
    {
      stdout: (text) => void process.stdout.write(text),
      stderr: (text) => void process.stderr.write(text),
    },
    redactor,
  );
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (ctx.argv.includes("--debug")) ctx.err(`${warning.name}: ${warning.message}\n`);
  });
  if (!interrupts.own) {
    // Without a handler Node ends at once with nothing printed: --json readers would get no document.
    for (const [signal, code] of [
      ["SIGINT", EXIT.interrupted],
      ["SIGTERM", 143],
    ] as const)
      process.once(signal, () => {
        const failure = new Failure(
          "INTERRUPTED",
          `${command} was stopped (${signal}) before it finished.`,
          interrupts.leaves ?? "Run it again: it changes nothing it has not finished.",
        );
        if (ctx.argv.includes("--json")) ctx.out(failureJson(command, failure));
        else ctx.err(failureText(failure));
        process.exitCode = code;
        process.stdout.write("", () => process.exit());
      });
  }
  void runCommand(command, main, ctx).then((code) => {
    process.exitCode = code;
    // Pooled connections and timers would hold the process open after the work is done; end once
    // stdout has drained instead.
    process.stdout.write("", () => process.exit());
  });
}
