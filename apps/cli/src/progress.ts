/**
 * A small progress bar for the CLI scripts: count/total, rate per second and ETA on stderr.
 * On a TTY it redraws one line (at most every 100 ms); otherwise (CI, a pipe, a log file) it
 * prints a plain line every `intervalMs` (2 s by default), so logs stay readable.
 */
export interface ProgressOptions {
  label: string;
  /** Expected total; `undefined` when unknown (no bar, no ETA). */
  total?: number;
  /** What is counted, for the line: "events", "commands". */
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Minimum interval between two non-TTY lines. */
  intervalMs?: number;
  clock?: () => number;
}

const BAR_WIDTH = 24;
const TTY_REDRAW_MS = 100;

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly clock: () => number;
  private readonly startedAt: number;
  private lastDrawAt = 0;
  private count = 0;
  private total: number | undefined;
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.clock = options.clock ?? (() => performance.now());
    this.startedAt = this.clock();
    this.total = options.total;
  }

  /** Sets the absolute count (and optionally a revised total); draws when due. */
  update(count: number, total?: number): void {
    this.count = count;
    if (total !== undefined) this.total = total;
    const now = this.clock();
    const due = this.tty ? TTY_REDRAW_MS : (this.options.intervalMs ?? 2000);
    if (now - this.lastDrawAt < due) return;
    this.lastDrawAt = now;
    this.draw(now);
  }

  increment(by = 1): void {
    this.update(this.count + by);
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.draw(this.clock());
    if (this.tty) this.stream.write('\n');
  }

  /** Elapsed seconds since the bar was created. */
  elapsedSeconds(): number {
    return (this.clock() - this.startedAt) / 1000;
  }

  /** The line as it would be drawn now (exported for tests and summaries). */
  render(now = this.clock()): string {
    const seconds = Math.max((now - this.startedAt) / 1000, 1e-3);
    const rate = this.count / seconds;
    const unit = this.options.unit ?? '';
    const parts = [this.options.label];
    if (this.total !== undefined && this.total > 0) {
      const ratio = Math.min(this.count / this.total, 1);
      const filled = Math.round(ratio * BAR_WIDTH);
      parts.push(
        `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`,
        `${(ratio * 100).toFixed(1).padStart(5)}%`,
      );
      parts.push(`${formatCount(this.count)}/${formatCount(this.total)}${unit ? ` ${unit}` : ''}`);
    } else {
      parts.push(`${formatCount(this.count)}${unit ? ` ${unit}` : ''}`);
    }
    parts.push(`${formatCount(Math.round(rate))}/s`);
    if (this.total !== undefined && rate > 0 && this.count < this.total) {
      parts.push(`ETA ${formatDuration((this.total - this.count) / rate)}`);
    } else {
      parts.push(`elapsed ${formatDuration(seconds)}`);
    }
    return parts.join('  ');
  }

  private draw(now: number): void {
    const line = this.render(now);
    if (this.tty) this.stream.write(`\r${line}\x1b[K`);
    else this.stream.write(`${line}\n`);
  }
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
