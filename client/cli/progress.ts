/**
 * Progress of long work on stderr (DESIGN section 11: long work shows progress). On a terminal one
 * transient line is redrawn in place (a bar, the current step); elsewhere (a pipe, a log file, CI)
 * each distinct line is printed once, so logs stay readable and grep-able. Results go to stdout.
 */

/** `[#######-----------------]` for `done` of `total`. */
export function progressBar(done: number, total: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(frac * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}]`;
}

export interface ProgressStream {
  write(s: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export class ProgressLine {
  private last = "";
  private drawn = false;
  readonly tty: boolean;

  constructor(private readonly out: ProgressStream = process.stderr) {
    this.tty = out.isTTY === true;
  }

  /** The transient line: redrawn on a terminal, printed when it changed otherwise. */
  set(line: string): void {
    if (line === this.last) return;
    this.last = line;
    if (!this.tty) {
      this.out.write(`${line}\n`);
      return;
    }
    // Cut to the terminal's width: a wrapped line cannot be redrawn in place.
    const width = Math.max(20, (this.out.columns ?? 100) - 1);
    this.out.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.drawn = true;
  }

  /** Removes the transient line (before other output). */
  clear(): void {
    if (this.drawn) this.out.write("\r\x1b[2K");
    this.drawn = false;
    this.last = "";
  }

  /** A line that stays (clears the transient one first). */
  log(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
  }
}
