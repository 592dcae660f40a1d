/**
 * Progress of a deploy across stacks. On a terminal, one line per stack redrawn in place, each cut to
 * the terminal's width (a line that wrapped would take two rows, and the redraw would then overwrite
 * the wrong ones); elsewhere (CI logs, pipes), a line when a stack changes phase and every tenth
 * resource. Times count from the stack's start, the same clock the summary's TIME column uses.
 */

import type { StackProgress } from "./events.ts";

export interface Display {
  /** A stack starts: its first phase, at `at` (epoch ms). */
  start(stack: string, text: string, at: number): void;
  phase(stack: string, text: string): void;
  progress(stack: string, p: StackProgress): void;
  /** A stack ends at `at`: its time stops there, as the summary shows it. */
  finish(stack: string, text: string, at: number): void;
  /** Leaves the display; later output goes below it. */
  close(): void;
}

/** Whole seconds, as both the display and the summary show them. */
export function elapsedSeconds(ms: number): number {
  return Math.round(ms / 1000);
}

export class LineDisplay implements Display {
  private readonly reported = new Map<string, number>();
  private readonly write: (line: string) => void;

  constructor(write: (line: string) => void) {
    this.write = write;
  }

  start(stack: string, text: string): void {
    this.phase(stack, text);
  }

  phase(stack: string, text: string): void {
    this.write(`[${stack}] ${text}\n`);
  }

  finish(stack: string, text: string): void {
    this.phase(stack, text);
  }

  progress(stack: string, p: StackProgress): void {
    const step = Math.floor(p.done / 10);
    if (step > (this.reported.get(stack) ?? 0)) {
      this.reported.set(stack, step);
      this.write(`[${stack}] ${p.done} resources done\n`);
    }
  }

  close(): void {}
}

/** The text cut to `width` columns, with an ellipsis where it was cut. */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

export class TtyDisplay implements Display {
  private readonly lines = new Map<
    string,
    { text: string; since: number; until?: number; progress?: StackProgress }
  >();
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly write: (text: string) => void;
  private readonly now: () => number;
  private readonly columns: () => number;

  /** `columns` is read at every redraw, so a resized terminal is followed. */
  constructor(write: (text: string) => void, now: () => number, columns: () => number) {
    this.write = write;
    this.now = now;
    this.columns = columns;
    this.timer = setInterval(() => this.draw(), 500);
    this.timer.unref();
  }

  start(stack: string, text: string, at: number): void {
    this.lines.set(stack, { text, since: at });
    this.draw();
  }

  phase(stack: string, text: string): void {
    const line = this.lines.get(stack);
    if (line) line.text = text;
    this.draw();
  }

  progress(stack: string, p: StackProgress): void {
    const line = this.lines.get(stack);
    if (line) line.progress = { ...p };
    this.draw();
  }

  finish(stack: string, text: string, at: number): void {
    const line = this.lines.get(stack);
    if (line) Object.assign(line, { text, until: at });
    this.draw();
  }

  private draw(): void {
    // One column short of the width: a line that fills the last column wraps on some terminals.
    const width = Math.max(20, this.columns() - 1);
    const out = [...this.lines].map(([stack, l]) => {
      const running =
        l.progress !== undefined && l.until === undefined && l.progress.started > l.progress.done;
      const count = l.progress
        ? `  ${l.progress.done} done${running ? `, ${l.progress.started - l.progress.done} in progress` : ""}`
        : "";
      // The time is never cut: what gives way to a narrow terminal is the text before it.
      const time = `${elapsedSeconds((l.until ?? this.now()) - l.since)}s`;
      return `\x1b[2K${fit(`  ${stack.padEnd(14)} ${l.text}${count}`, width - time.length - 2)}  ${time}`;
    });
    this.write(`${this.drawn > 0 ? `\x1b[${this.drawn}A` : ""}${out.join("\n")}\n`);
    this.drawn = out.length;
  }

  close(): void {
    clearInterval(this.timer);
    this.draw();
  }
}
