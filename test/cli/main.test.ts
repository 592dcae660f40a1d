/** The spine every command runs on: how an expected failure and an unexpected error are printed. */

import { EXIT, exitCodesHelp, Failure, usage } from "../../src/cli/failure.ts";
import {
  commandContext,
  parseCommandLine,
  runCommand,
  type MainContext,
} from "../../src/cli/main.ts";
import { jsonText, terminalSafe } from "../../src/cli/output.ts";
import { Redactor } from "../../src/cli/redact.ts";

async function run(
  argv: string[],
  main: (ctx: MainContext) => Promise<number>,
  redactor = new Redactor(),
) {
  let out = "";
  let err = "";
  const ctx = commandContext(
    argv,
    { stdout: (t) => (out += t), stderr: (t) => (err += t) },
    redactor,
  );
  const code = await runCommand("demo", main, ctx);
  return { code, out, err };
}

describe("a command's main", () => {
  test("an expected failure is one line, message then fix, on stderr, with its exit code", async () => {
    const result = await run([], () => Promise.reject(usage("--x is wrong.", "Pass --y.")));
    expect(result).toEqual({ code: EXIT.usage, out: "", err: "--x is wrong. Pass --y.\n" });
  });

  test("with --json the same failure is one JSON document on stdout, and stderr stays empty", async () => {
    const result = await run(["--json"], () =>
      Promise.reject(
        new Failure("SERVICE_DISABLED", "It is off.", "Enable it.", 1, {
          service: "x.googleapis.com",
        }),
      ),
    );
    expect(result.err).toBe("");
    expect(result.code).toBe(EXIT.failed);
    expect(JSON.parse(result.out)).toEqual({
      ok: false,
      command: "demo",
      error: {
        reason: "SERVICE_DISABLED",
        message: "It is off.",
        fix: "Enable it.",
        service: "x.googleapis.com",
      },
    });
  });

  test("an unexpected error is one line that says it is a bug, with no stack trace", async () => {
    const result = await run([], () =>
      Promise.reject(
        new TypeError(
          "Cannot read properties of undefined (reading 'x')\n    at deep (file.ts:1:1)",
        ),
      ),
    );
    expect(result.code).toBe(EXIT.failed);
    expect(result.err).toBe(
      "demo: unexpected error: Cannot read properties of undefined (reading 'x') This is a bug in gemini-access-kit: run again with --debug to see where it happened, and report it with that output.\n",
    );
  });

  test("--debug adds the stack trace of an unexpected error, redacted", async () => {
    const redactor = new Redactor();
    redactor.add("super-secret-token-value");
    const result = await run(
      ["--debug"],
      () => Promise.reject(new Error("failed with super-secret-token-value")),
      redactor,
    );
    expect(result.err).toMatch(/^demo: unexpected error: failed with \[redacted\] This is a bug/);
    expect(result.err).toMatch(/\n {4}at /);
    expect(result.err).not.toContain("super-secret-token-value");
  });

  test("what a failure says passes through the redactor and is made terminal-safe", async () => {
    const redactor = new Redactor();
    redactor.add("another-secret-value");
    const result = await run(
      [],
      () =>
        Promise.reject(
          new Failure(
            "REQUEST_FAILED",
            "Server said \u001b[2Jhi another-secret-value\u0007",
            "Fix.",
          ),
        ),
      redactor,
    );
    expect(result.err).toBe("Server said hi [redacted] Fix.\n");
  });
});

describe("the command line", () => {
  test("A18b: a negative number after an option is one line saying what happened, not Node's 'ambiguous'", () => {
    let failure: unknown;
    try {
      parseCommandLine("verify", ["--timeout", "-1"], { timeout: { type: "string" } });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(Failure);
    const f = failure as Failure;
    expect([f.exitCode, f.message]).toEqual([
      2,
      '--timeout is followed by a value that starts with "-", which reads as another option.',
    ]);
    expect(f.fix).toContain("write it --timeout=VALUE");
    expect(f.message).not.toContain("ambiguous");
  });
});

describe("exit codes", () => {
  test("are declared once, and every command's help lists each of them", () => {
    const help = exitCodesHelp({ ok: "done", failed: "a check failed" });
    for (const code of Object.values(EXIT))
      expect(help).toMatch(new RegExp(`^ {2}${code} +\\S`, "m"));
    expect(Object.values(EXIT)).toEqual([0, 1, 2, 130]);
  });
});

describe("terminal safety", () => {
  test("strips escape sequences, control characters and bidirectional overrides, keeping newlines and tabs", () => {
    expect(
      terminalSafe(
        "a\u001b[31mred\u001b[0m\tb\nc\r\u0000\u007f\u009b2J\u001b]8;;http://evil\u0007link\u001b]8;;\u0007\u202eevil",
      ),
    ).toBe("ared\tb\nc2Jlinkevil");
  });

  test("JSON output carries no character a terminal would act on, even ones JSON leaves as they are", () => {
    const text = jsonText({ name: "x\u009b2J\u202ey", nested: ["\u001b[2J"] });
    expect(JSON.parse(text)).toEqual({ name: "x2Jy", nested: [""] });
    expect(text).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
  });
});
