import type { CliContext } from '../context';
import { Output, type OutputOptions } from '../output';
import { writeStudyFiles } from './study';

export interface ReportOptions extends OutputOptions {
  out: string;
  csv?: string;
  timeout: number;
}

/** `advlab report <study> --out report.html`: the study's report as one self-contained HTML file (and its submission with --csv). */
export async function report(ctx: CliContext, runId: string, opts: ReportOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const study = await ctx.clients.trainerApi(opts.timeout).getStudy({ runId });
  const files = await writeStudyFiles(ctx, runId, study, { report: opts.out, csv: opts.csv });
  out.result({ runId, stages: study.stages.length, ...files });
  out.print(`report of study ${runId} (${study.stages.length} of 5 stages finished) written to ${files.report}`);
  if (files.csv) out.print(`submission written to ${files.csv}`);
}
