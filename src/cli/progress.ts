import { formatPercent } from './format';

/** Where progress goes: stderr, so that stdout holds only the result (`--json` stays parseable). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Redraw one line in place (a terminal) or print a plain line now and then (a log, a pipe). */
  isTty: boolean;
  /** Plain mode: at most one line per interval within a phase (its first and last always print). */
  plainIntervalMs?: number;
  isQuiet?: boolean;
  now?: () => number;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

/**
 * One progress line per phase (upload, processing, download): in a terminal a bar redrawn in
 * place at most ten times a second; elsewhere a line when the phase starts, at most one per
 * interval while it runs, and one when it ends, so that logs of long imports stay short.
 */
export class Progress {
  private label = '';
  private lastDrawAt = -Infinity;
  private isLineOpen = false;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.intervalMs = options.plainIntervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts a phase; a phase still open ends as it stood. */
  phase(label: string, detail = ''): void {
    this.closeLine();
    this.label = label;
    this.lastDrawAt = -Infinity;
    this.update(null, detail);
  }

  /** `fraction` null: no known share (queued, waiting). */
  update(fraction: number | null, detail: string): void {
    if (this.options.isQuiet) {
      return;
    }
    const at = this.now();
    if (this.options.isTty) {
      if (at - this.lastDrawAt >= REDRAW_MS) {
        this.lastDrawAt = at;
        this.draw(fraction, detail);
      }
      return;
    }
    if (at - this.lastDrawAt >= this.intervalMs) {
      this.lastDrawAt = at;
      this.stream.write(`${this.text(fraction, detail)}\n`);
    }
  }

  /** Ends the phase with its last figures, always shown. */
  done(fraction: number | null, detail: string): void {
    if (this.options.isQuiet) {
      return;
    }
    if (this.options.isTty) {
      this.draw(fraction, detail);
      this.closeLine();
    } else {
      this.stream.write(`${this.text(fraction, detail)}\n`);
    }
    this.lastDrawAt = this.now();
  }

  /** Leaves a redrawn line before something else is printed. */
  closeLine(): void {
    if (this.isLineOpen) {
      this.stream.write('\n');
      this.isLineOpen = false;
    }
  }

  private draw(fraction: number | null, detail: string): void {
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    const line = this.text(fraction, detail, true);
    this.stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.isLineOpen = true;
  }

  private text(fraction: number | null, detail: string, withBar = false): string {
    const parts = [`${this.label}:`];
    if (fraction !== null) {
      if (withBar) {
        const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
        parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
      }
      parts.push(formatPercent(fraction));
    }
    if (detail) {
      parts.push(detail);
    }
    return parts.join(' ');
  }
}
