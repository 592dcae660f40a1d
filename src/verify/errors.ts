/**
 * The failures the verify command expects, each with a reason code and the fix a person needs.
 * Anything thrown that is not a `Failure` is a bug and is printed with its stack.
 */

/** Why a check failed; stable strings that `--json` readers may switch on. */
export type Reason =
  | "USAGE"
  | "BAD_INPUT"
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
  | "API_KEY_SERVICE_BLOCKED"
  | "ACCESS_TOKEN_TYPE_UNSUPPORTED"
  | "QUOTA_PROJECT_MISSING"
  | "USER_PROJECT_DENIED"
  | "RATE_LIMITED"
  | "SERVER_ERROR"
  | "TIMEOUT"
  | "NETWORK"
  | "MALFORMED_RESPONSE"
  | "REPEATED_PAGE_TOKEN"
  | "MODEL_MISSING"
  | "NO_CREDENTIALS"
  | "LOGIN_TIMEOUT"
  | "PULUMI_FAILED"
  | "REQUEST_FAILED";

/** An expected failure: printed as its message and fix, never with a stack trace. */
export class Failure extends Error {
  readonly reason: Reason;
  readonly fix: string;
  /** 1 when a check failed, 2 when the command was used wrongly or given a bad file. */
  readonly exitCode: 1 | 2;

  constructor(reason: Reason, message: string, fix: string, exitCode: 1 | 2 = 1) {
    super(message);
    this.name = "Failure";
    this.reason = reason;
    this.fix = fix;
    this.exitCode = exitCode;
  }
}

/** Bad arguments, a missing or malformed input file: exit code 2. */
export function usage(message: string, fix: string): Failure {
  return new Failure("USAGE", message, fix, 2);
}

/** A file the user named that cannot be used: exit code 2, one line. */
export function badInput(message: string, fix: string): Failure {
  return new Failure("BAD_INPUT", message, fix, 2);
}
