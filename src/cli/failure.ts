/**
 * The failures every command expects, and the exit codes it ends with. Both are declared here once:
 * each command's --help prints `exitCodesHelp`, and `runMain` (main.ts) prints a Failure as one line,
 * or as `{ ok: false, error }` with --json. Anything thrown that is not a Failure is a bug.
 */

/** Every command's exit codes. */
export const EXIT = {
  ok: 0,
  /** A check or a step failed; also an unexpected error, which is a bug. */
  failed: 1,
  /** A bad option, a missing or malformed file: nothing was changed. */
  usage: 2,
  /** Ctrl-C: what finished is reported, what did not is not retried. */
  interrupted: 130,
} as const;

/** Why a command failed; stable strings that `--json` readers may switch on (docs/troubleshooting.md lists them). */
export type Reason =
  | "USAGE"
  | "INTERRUPTED"
  | "BAD_INPUT"
  | "STACK_FILE_INVALID"
  | "CONFIG_INVALID"
  | "KEY_INVALID"
  | "TOKEN_CACHE_UNUSABLE"
  | "SERVICE_DISABLED"
  | "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
  | "SCOPE_NOT_GRANTED"
  | "UNAUTHENTICATED"
  | "INVALID_GRANT"
  | "INVALID_CLIENT"
  | "ACCESS_DENIED"
  | "SECRET_PERMISSION_DENIED"
  | "SECRET_NOT_FOUND"
  | "IMPERSONATION_DENIED"
  | "PERMISSION_DENIED"
  | "NOT_FOUND"
  | "API_KEY_INVALID"
  | "KEY_CREATION_BLOCKED"
  | "API_KEY_BINDING_BLOCKED"
  | "KEY_LIMIT_REACHED"
  | "PROOF_FAILED"
  | "ROTATION_UNSAFE"
  | "UNMANAGED_KEY"
  | "FOREIGN_VERSION"
  | "STACK_ALREADY_MOVED"
  | "API_KEY_SERVICE_BLOCKED"
  | "ACCESS_TOKEN_TYPE_UNSUPPORTED"
  | "QUOTA_PROJECT_MISSING"
  | "USER_PROJECT_DENIED"
  | "RATE_LIMITED"
  | "QUOTA_ZERO"
  | "LOCATION_UNSUPPORTED"
  | "STANDARD_KEY_REJECTED"
  | "CONSUMER_SUSPENDED"
  | "MODEL_NOT_ALLOWED"
  | "PREDICT_DENIED"
  | "API_KEYS_NOT_SUPPORTED"
  | "SHARED_CAPACITY_EXHAUSTED"
  | "LOCATION_NOT_SUPPORTED"
  | "SERVER_ERROR"
  | "TIMEOUT"
  | "NETWORK"
  | "MALFORMED_RESPONSE"
  | "RESPONSE_TOO_LARGE"
  | "REPEATED_PAGE_TOKEN"
  | "NO_MODELS"
  | "MODEL_MISSING"
  | "NO_PROBE_MODEL"
  | "NO_CREDENTIALS"
  | "LOGIN_TIMEOUT"
  | "PULUMI_MISSING"
  | "PULUMI_FAILED"
  | "REQUEST_FAILED"
  | "PINS_INVALID"
  | "NOT_PINNED"
  | "CHECKSUM_MISMATCH"
  | "DOWNLOAD_FAILED"
  | "INSTALL_FAILED"
  | "INTERNAL";

/** An expected failure: printed as its message and fix, never with a stack trace. */
export class Failure extends Error {
  readonly reason: Reason;
  readonly fix: string;
  /** 1 when a check or step failed, 2 when the command was used wrongly or given a bad file. */
  readonly exitCode: 1 | 2;
  /** More fields for --json readers, e.g. a config error's list of problems. */
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(
    reason: Reason,
    message: string,
    fix: string,
    exitCode: 1 | 2 = 1,
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "Failure";
    this.reason = reason;
    this.fix = fix;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** A bad option or combination of options: exit code 2. */
export function usage(message: string, fix: string): Failure {
  return new Failure("USAGE", message, fix, 2);
}

/** A file or value the user named that cannot be used: exit code 2. */
export function badInput(message: string, fix: string): Failure {
  return new Failure("BAD_INPUT", message, fix, 2);
}

/** What each exit code means for one command, for its --help; `failed` for commands that have checks. */
export function exitCodesHelp(meaning: { ok: string; failed?: string }): string {
  const bug = "an unexpected error, which is a bug (--debug shows where)";
  const rows: [number, string][] = [
    [EXIT.ok, meaning.ok],
    [EXIT.failed, meaning.failed === undefined ? bug : `${meaning.failed}; also ${bug}`],
    [
      EXIT.usage,
      "a usage or input error: a bad option, a missing or malformed file (the message says what to change)",
    ],
    [EXIT.interrupted, "interrupted (Ctrl-C)"],
  ];
  return `Exit codes:\n${rows.map(([code, text]) => `  ${String(code).padEnd(4)} ${text}`).join("\n")}\n`;
}
