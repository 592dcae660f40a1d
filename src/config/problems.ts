/**
 * Collects config problems so that one run reports all of them, each saying the four things a
 * person needs: which key, the value it got, what is allowed, and what to do.
 */

import { Failure } from "../cli/failure.ts";
import { quoted } from "../cli/output.ts";

/** Stands in for a value that must never be shown (a client secret, a key). */
export const HIDDEN = Symbol("hidden");

/** One thing wrong with a stack's config. */
export interface Problem {
  /** The key's path, e.g. `serviceAccounts.runtime.accountId`. */
  path: string;
  /** The value found; undefined when the key is missing, HIDDEN when it is secret. */
  got: unknown;
  /** What is wrong with it and what is allowed. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** An id the kit derived from namePrefix and environment broke a limit (see collapseDerived). */
  derived?: boolean;
}

function show(got: unknown): string {
  if (got === HIDDEN) return "(secret value, not shown)";
  if (got === undefined) return "(not set)";
  const text = quoted(got);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** `[path] "value" message. Fix.` */
export function formatProblem(p: Problem): string {
  return `[${p.path}] ${show(p.got)} ${p.message}. ${p.fix}`;
}

/**
 * The error a stack's program stops with when its config is wrong; it lists every problem, each with
 * its own fix. Under `pulumi up` it becomes a RunError (src/index.ts); the commands print it as any
 * other Failure, and `--json` readers get the problems as a list.
 */
export class ConfigError extends Failure {
  readonly problems: Problem[];
  constructor(stackFile: string, problems: Problem[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      "CONFIG_INVALID",
      `${stackFile} has ${count}; nothing was created:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
      `Correct ${problems.length === 1 ? "it" : "each"} in ${stackFile} as the line says, then run again.`,
      2,
      { stackFile, problems: problems.map((p) => ({ path: p.path, problem: formatProblem(p) })) },
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Levenshtein distance, for "did you mean" on misspelt keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest known name within a small edit distance, if any. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** A problem list with typed readers that record what they reject. */
export class Problems {
  readonly list: Problem[] = [];

  add(path: string, got: unknown, message: string, fix: string): void {
    this.list.push({ path, got, message, fix });
  }

  /** A problem with an id derived from namePrefix and environment, rather than one the file sets. */
  derived(path: string, got: unknown, message: string, fix: string): void {
    this.list.push({ path, got, message, fix, derived: true });
  }

  /**
   * When several derived ids break Google's limits, the cause is one value (a long environment or
   * prefix), so they become one problem naming it and every id it breaks.
   */
  collapseDerived(cause: { path: string; value: string; other: string }): void {
    const derived = this.list.filter((x) => x.derived);
    if (derived.length < 2) return;
    this.list.splice(0, this.list.length, ...this.list.filter((x) => !x.derived));
    this.add(
      cause.path,
      cause.value,
      `with ${cause.other} gives ids that Google does not allow (too long, most often): ${derived.map((x) => `${x.path} ${quoted(x.got)}`).join(", ")}`,
      "Shorten environment or namePrefix (derived ids are <namePrefix>-<what>-<environment>), or set the ids the file allows explicitly (serviceAccounts.KEY.accountId, ci.poolId).",
    );
  }

  /** Reports fields of `obj` that are not in `known`, suggesting the closest known name. */
  /** Reports each field not in `known`; returns the known fields those look like misspellings of, so "not set" is not said of them too. */
  unknownFields(path: string, obj: Record<string, unknown>, known: readonly string[]): Set<string> {
    const meant = new Set<string>();
    for (const field of Object.keys(obj)) {
      if (known.includes(field)) continue;
      const guess = closest(field, known);
      if (guess !== undefined) meant.add(guess);
      this.add(
        `${path}.${field}`,
        obj[field],
        `is not a setting the kit knows; allowed here: ${known.join(", ")}`,
        guess !== undefined ? `Did you mean ${guess}?` : "Remove it.",
      );
    }
    return meant;
  }

  string(path: string, value: unknown, fix: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "string") return value;
    this.add(path, value, "is not a string", fix);
    return undefined;
  }

  boolean(path: string, value: unknown, fix: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "boolean") return value;
    this.add(path, value, "is not true or false", fix);
    return undefined;
  }

  stringList(path: string, value: unknown, fix: string): string[] | undefined {
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
    this.add(path, value, "is not a list of strings", fix);
    return undefined;
  }

  record(path: string, value: unknown, fix: string): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    this.add(path, value, "is not a map of settings", fix);
    return undefined;
  }

  /** Reports each entry that appears more than once. */
  duplicates(path: string, values: readonly string[]): void {
    const seen = new Set<string>();
    values.forEach((v, i) => {
      if (seen.has(v)) this.add(`${path}[${i}]`, v, "is listed twice", "Remove the duplicate.");
      seen.add(v);
    });
  }
}

/** Reports `value` at `path` unless it follows Google's `rule`; `derived` for ids the kit computes. */
export function checkRule(
  p: Problems,
  path: string,
  value: string,
  rule: { pattern: RegExp; allowed: string },
  fix: string,
  derived = false,
): void {
  if (rule.pattern.test(value)) return;
  if (derived) p.derived(path, value, `is not allowed; Google allows ${rule.allowed}`, fix);
  else p.add(path, value, `is not allowed; Google allows ${rule.allowed}`, fix);
}
