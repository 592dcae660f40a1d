/**
 * Text a command prints that it did not write itself (a model's name, Google's error message, a line
 * of Pulumi's output) can carry terminal escape sequences that clear the screen, retitle the window,
 * hide text or make a link lie about its target. Every such string passes through `terminalSafe`
 * before it reaches a terminal; `jsonText` does the same for every string in a JSON document.
 */

/** CSI, OSC, DCS/SOS/PM/APC strings and two-character escapes (ECMA-48). */
const ESCAPE_SEQUENCES =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[\u0020-\u007e])/g;
/**
 * C0 controls but tab and newline (carriage return included: it overwrites a line), DEL, C1 controls
 * (U+009B is a one-byte CSI on some terminals), and the bidirectional overrides and isolates that make
 * a terminal show characters in another order than they are.
 */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The text without escape sequences or control characters; newlines and tabs stay. */
export function terminalSafe(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, "").replace(CONTROLS, "");
}

/**
 * One field of a report line (a model's name, Google's message, a billing account): terminal-safe,
 * and on one line, so a value that came from outside cannot start a line of its own in a report
 * (`"\nPASS  project: forged"`).
 */
export function terminalLine(text: string): string {
  return terminalSafe(text.replace(/\r?\n|[\u2028\u2029]/g, " "));
}

/** A JSON document for stdout: indented, every string made terminal-safe, ending in a newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? terminalSafe(v) : v), 2)}\n`;
}

/** Controls and invisible formatting characters (zero-width spaces and joiners, bidi marks, BOM). */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * A value quoted in a message so that every character shows: JSON-quoted, with each control or
 * invisible formatting character written as `\uXXXX` (`"run\u200btime"`), where a terminal would
 * show nothing and the culprit would be invisible.
 */
export function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.replace(INVISIBLE, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

/** The first control or invisible formatting character in the text, as `U+XXXX`, if any. */
export function invisibleCharacter(text: string): string | undefined {
  const c = text.match(INVISIBLE)?.[0];
  return c === undefined
    ? undefined
    : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}
