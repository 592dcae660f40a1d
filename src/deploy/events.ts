/**
 * Reads the engine events `pulumi preview|up --event-log FILE` writes, one JSON object per line, as
 * the run goes: how many resources have started and finished, the change summary, the errors.
 */

export interface StackProgress {
  started: number;
  done: number;
  failed: number;
  /** `resourceChanges` of the summary event: create, update, delete, replace, same. */
  changes?: Record<string, number>;
  /** Error diagnostics, in order. */
  errors: string[];
}

export function emptyProgress(): StackProgress {
  return { started: 0, done: 0, failed: 0, errors: [] };
}

/** Applies one event line; lines that are not events (a torn last line) are left for the next read. */
function applyEvent(p: StackProgress, line: string): boolean {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (event.resourcePreEvent !== undefined) p.started++;
  if (event.resOutputsEvent !== undefined) p.done++;
  if (event.resOpFailedEvent !== undefined) p.failed++;
  const diagnostic = event.diagnosticEvent as { severity?: string; message?: string } | undefined;
  if (diagnostic?.severity === "error" && diagnostic.message)
    p.errors.push(diagnostic.message.trim());
  const summary = event.summaryEvent as { resourceChanges?: Record<string, number> } | undefined;
  if (summary !== undefined) p.changes = summary.resourceChanges ?? {};
  return true;
}

/** Feeds the new part of a growing event log; returns what is left over (an incomplete last line). */
export function consume(p: StackProgress, carry: string, chunk: string): string {
  const lines = (carry + chunk).split("\n");
  const rest = lines.pop() ?? "";
  for (const line of lines) if (line.trim() !== "") applyEvent(p, line);
  return rest;
}

/** `+3 ~1 -0 =5`: created, updated, deleted, unchanged. Replacements count as updates. */
export function formatChanges(changes: Record<string, number> | undefined): string {
  if (changes === undefined) return "-";
  const n = (k: string) => changes[k] ?? 0;
  return `+${n("create")} ~${n("update") + n("replace")} -${n("delete")} =${n("same")}`;
}
