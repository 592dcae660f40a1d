/**
 * Progress of a deploy across stacks. On a terminal, one line per stack redrawn in place; elsewhere
 * (CI logs, pipes), a line when a stack changes phase and every tenth resource.
 */

import type { StackProgress } from "./events.ts";

export interface Display {
  phase(stack: string, text: string): void;
  progress(stack: string, p: StackProgress): void;
  /** Leaves the display; later output goes below it. */
  close(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(0)}s`;

export class LineDisplay implements Display {
  private readonly reported = new Map<string, number>();
  private readonly write: (line: string) => void;

  constructor(write: (line: string) => void) {
    this.write = write;
  }

  phase(stack: string, text: string): void {
    this.write(`[${stack}] ${text}\n`);
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

export class TtyDisplay implements Display {
  private readonly lines = new Map<string, { text: string; since: number; progress?: StackProgress }>();
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly write: (text: string) => void;
  private readonly now: () => number;

  constructor(write: (text: string) => void, now: () => number) {
    this.write = write;
    this.now = now;
    this.timer = setInterval(() => this.draw(), 500);
    this.timer.unref();
  }

  phase(stack: string, text: string): void {
    this.lines.set(stack, { text, since: this.now() });
    this.draw();
  }

  progress(stack: string, p: StackProgress): void {
    const line = this.lines.get(stack);
    if (line) line.progress = { ...p };
    this.draw();
  }

  private draw(): void {
    const out = [...this.lines].map(([stack, l]) => {
      const count = l.progress ? `  ${l.progress.done} done${l.progress.started > l.progress.done ? `, ${l.progress.started - l.progress.done} in progress` : ""}` : "";
      return `\x1b[2K  ${stack.padEnd(14)} ${l.text}${count}  ${seconds(this.now() - l.since)}`;
    });
    this.write(`${this.drawn > 0 ? `\x1b[${this.drawn}A` : ""}${out.join("\n")}\n`);
    this.drawn = out.length;
  }

  close(): void {
    clearInterval(this.timer);
    this.draw();
  }
}
