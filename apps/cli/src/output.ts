import type { CliContext } from './context';
import { Progress, progressMode } from './progress';

/** The output flags every command takes. */
export interface OutputOptions {
  /** One machine-readable JSON document on stdout. */
  json?: boolean;
  /** NDJSON on stdout: one line per event, then a summary line (streaming commands). */
  jsonLines?: boolean;
  /** No progress and no informational lines on stderr. */
  quiet?: boolean;
}

/** Where a command's results go: tables for people or JSON for scripts on stdout, progress on stderr. */
export class Output {
  constructor(
    readonly ctx: CliContext,
    readonly opts: OutputOptions,
  ) {}

  /** Machine-readable output was asked for: stdout carries JSON only. */
  get machine(): boolean {
    return !!(this.opts.json || this.opts.jsonLines);
  }

  /** Human output on stdout (nothing in JSON modes). */
  print(text = ''): void {
    if (!this.machine) this.ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** An informational line on stderr, unless --quiet. */
  info(line: string): void {
    if (!this.opts.quiet) this.ctx.stderr.write(`${line}\n`);
  }

  /** A warning on stderr, always. */
  warn(line: string): void {
    this.ctx.stderr.write(`warning: ${line}\n`);
  }

  /** The command's result as JSON: pretty with --json, one line with --json-lines. */
  result(doc: unknown): void {
    if (this.opts.jsonLines) this.ctx.stdout.write(`${JSON.stringify({ type: 'summary', ...(doc as object) })}\n`);
    else if (this.opts.json) this.ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }

  /** One streamed event as an NDJSON line (--json-lines only). */
  event(doc: unknown): void {
    if (this.opts.jsonLines) this.ctx.stdout.write(`${JSON.stringify({ type: 'event', event: doc })}\n`);
  }

  progress(): Progress {
    return new Progress(this.ctx.stderr, progressMode(this.ctx.stderr, { json: this.machine, quiet: this.opts.quiet }));
  }
}
