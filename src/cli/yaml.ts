/**
 * YAML files the kit reads (stack files, the deploy order): a syntax error is one Failure naming the
 * file, line and column and what to do, never a parser's stack trace or a code frame (which could
 * show a secret value from the line).
 */

import { parseDocument, type ErrorCode, type YAMLError } from "yaml";
import { Failure, type Reason } from "./failure.ts";

/** What to do about the YAML mistakes people make most, by the parser's error code. */
const FIXES: Partial<Record<ErrorCode, string>> = {
  TAB_AS_INDENT: "Indent with spaces: YAML does not allow tabs for indentation.",
  BAD_INDENT:
    "Line the entry up with the other entries of its map or list, and close every [ or { that was opened.",
  BLOCK_AS_IMPLICIT_KEY:
    "Check the indentation of this line and the one after it: a key is indented under a value.",
  MULTILINE_IMPLICIT_KEY:
    "Check the indentation of this line and the one after it: a key is indented under a value.",
  DUPLICATE_KEY: "Give each key once: merge the two entries into one.",
  MISSING_CHAR: "Close the quote or bracket that was opened.",
  UNEXPECTED_TOKEN:
    "Check the punctuation on this line (a colon and a space after each key, commas between items in [ ]).",
};

function yamlFailure(file: string, error: YAMLError, reason: Reason): Failure {
  const at = error.linePos?.[0];
  // The parser appends " at line L, column C:" and a code frame to its message; only the first part is kept.
  const said = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  const where = at === undefined ? file : `${file}:${at.line}:${at.col}`;
  // The parser reports running out of stack as an error of the file; it is the depth, not the syntax.
  if (/Maximum call stack size exceeded/.test(said))
    return new Failure(
      reason,
      `${where}: the file nests too deeply to be read (valid YAML, but no stack setting is that deep).`,
      "Write the values with less nesting.",
      2,
    );
  return new Failure(
    reason,
    `${where}: ${said} (the file is not valid YAML).`,
    FIXES[error.code] ?? "Correct the YAML at that line.",
    2,
  );
}

/**
 * The file's content as plain values; keys must be unique, as in every file Pulumi reads, and merge
 * keys (`<<: *defaults`) are resolved, as Pulumi's reader (go-yaml v3) resolves them.
 */
export function parseYaml(text: string, file: string, reason: Reason = "BAD_INPUT"): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  const error = doc.errors[0];
  if (error !== undefined) throw yamlFailure(file, error, reason);
  try {
    return doc.toJS() as unknown;
  } catch (err) {
    // Resolving aliases is bounded (the parser's maxAliasCount): a file whose aliases expand past it
    // (a "billion laughs") is refused as the file's mistake, not the kit's.
    const said = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    throw new Failure(
      reason,
      `${file}: ${said} (the file's aliases expand too far to be read).`,
      "Write the values out instead of through so many aliases (*name).",
      2,
    );
  }
}
