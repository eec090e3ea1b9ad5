import { MultiBar, type SingleBar } from 'cli-progress';
import type { Writer } from './context';

/** Bars on a terminal, occasional plain lines otherwise, or nothing (--quiet). */
export type ProgressMode = 'bar' | 'lines' | 'off';

/** Bars only on an interactive stderr and never with --json; --quiet silences progress. */
export function progressMode(stderr: Writer, opts: { json?: boolean; quiet?: boolean }): ProgressMode {
  if (opts.quiet) return 'off';
  return stderr.isTTY && !opts.json ? 'bar' : 'lines';
}

/** Plain progress lines are written at most this often (and always on completion). */
const LINE_INTERVAL_MS = 5000;

/**
 * Progress of one long operation on stderr: a cli-progress bar with a label
 * and a detail text (loss, accuracy, img/s) on a terminal, or a plain line
 * every few seconds when stderr is a file or a pipe. `log` writes a line that
 * stays (an epoch's summary) in every mode but `off`.
 */
export class Progress {
  private multi?: MultiBar;
  private bar?: SingleBar;
  private lastLine = 0;

  constructor(
    private readonly stderr: Writer,
    readonly mode: ProgressMode,
    private readonly lineIntervalMs = LINE_INTERVAL_MS,
  ) {}

  /** Shows `value` of `total` with a label and a detail text. */
  update(label: string, value: number, total: number, detail = ''): void {
    if (this.mode === 'bar') {
      if (!this.multi) {
        this.multi = new MultiBar(
          {
            stream: this.stderr as NodeJS.WritableStream,
            format: ' {label} |{bar}| {value}/{total} {detail}',
            barsize: 24,
            hideCursor: true,
            clearOnComplete: true,
            etaBuffer: 20,
          },
        );
      }
      if (!this.bar) this.bar = this.multi.create(total, value, { label, detail });
      this.bar.setTotal(total);
      this.bar.update(value, { label, detail });
      return;
    }
    if (this.mode === 'lines') {
      const now = Date.now();
      if (value < total && now - this.lastLine < this.lineIntervalMs) return;
      this.lastLine = now;
      this.stderr.write(`${label} ${value}/${total}${detail ? ` ${detail}` : ''}\n`);
    }
  }

  /** A line that stays: above the bar on a terminal, plain otherwise. */
  log(line: string): void {
    if (this.mode === 'off') return;
    if (this.multi) this.multi.log(`${line}\n`);
    else this.stderr.write(`${line}\n`);
    // A logged line is news enough: the next plain progress line can wait.
    this.lastLine = Date.now();
  }

  /** Removes the bar (the next update starts a fresh one). */
  done(): void {
    this.multi?.stop();
    this.multi = undefined;
    this.bar = undefined;
    this.lastLine = 0;
  }
}
