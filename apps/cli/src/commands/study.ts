import { StudyPreset, StudyRequest, StudyStageKind, type GetStudyResponse, type StudyStage, type SweepAxis } from '@advlab/contract';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CliContext } from '../context';
import { EXIT, OperationFailed } from '../errors';
import { detachedHint, followRun } from '../follow';
import { details, duration, pct, statusName } from '../format';
import { runJson } from '../json';
import { Output, type OutputOptions } from '../output';
import { stageName, stageSummary } from '../views';

export interface StudyOptions extends OutputOptions {
  dataset: string;
  preset?: StudyPreset;
  axis?: SweepAxis[];
  epochs?: number;
  advEpochs?: number;
  attackImages?: number;
  testFolder?: string;
  report?: string;
  csv?: string;
  name?: string;
  detach?: boolean;
}

/** A study's stages as JSON for scripts. */
function stagesJson(study: GetStudyResponse) {
  return study.stages.map((s) => ({ stage: stageName(s.kind), seconds: s.seconds, skipped: s.skipped, runIds: s.runIds, summary: stageSummary(s) }));
}

/** Writes the study's report and submission where asked; returns the paths written. */
export async function writeStudyFiles(ctx: CliContext, runId: string, study: GetStudyResponse, opts: { report?: string; csv?: string }): Promise<{ report: string | null; csv: string | null }> {
  let report: string | null = null;
  let csv: string | null = null;
  if (opts.report !== undefined) {
    report = path.resolve(ctx.cwd, opts.report);
    const { html } = await ctx.clients.trainerApi().exportStudyReport({ runId });
    await fs.writeFile(report, html);
  }
  if (opts.csv !== undefined) {
    const submission = study.stages.find((s: StudyStage) => s.kind === StudyStageKind.STUDY_STAGE_KIND_SUBMISSION)?.submission;
    if (!submission) throw new OperationFailed(`study ${runId} has no submission (give it a --test-folder)`);
    csv = path.resolve(ctx.cwd, opts.csv);
    await fs.writeFile(csv, submission.csv);
  }
  return { report, csv };
}

/**
 * `advlab study`: the notebook's whole study as one run (tuning, Mixup / CutMix / OVA, PGD-20,
 * adversarial training, submission), a line per stage as it begins and ends; --report and
 * --csv write the HTML report and the submission at the end.
 */
export async function study(ctx: CliContext, opts: StudyOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const request = StudyRequest.fromPartial({
    datasetId: opts.dataset,
    study: {
      preset: opts.preset,
      grid: opts.axis ?? [],
      epochs: opts.epochs,
      adversarialEpochs: opts.advEpochs,
      attackImages: opts.attackImages,
      testFolder: opts.testFolder ? path.resolve(ctx.cwd, opts.testFolder) : '',
    },
    name: opts.name ?? '',
  });
  const followed = await followRun(out, ctx.clients.trainer.study(request, ctx.clients.metadata()), { detach: opts.detach });
  const runId = followed.runId;
  if (followed.outcome === 'detached') {
    if (!runId) throw new OperationFailed('stopped before the service created the study', EXIT.interrupted);
    out.result({ runId, status: 'detached', detached: true });
    if (followed.interrupted) {
      detachedHint(out, runId, 'stopped following');
      throw new OperationFailed('', EXIT.interrupted);
    }
    out.print(`study ${runId} submitted`);
    if (!out.machine) detachedHint(out, runId, 'detached');
    return;
  }
  const result = await ctx.clients.trainerApi().getStudy({ runId });
  const files = followed.outcome === 'succeeded' ? await writeStudyFiles(ctx, runId, result, opts) : { report: null, csv: null };
  out.result({ runId, status: followed.outcome, error: followed.error ?? '', modelId: result.run?.modelId ?? '', run: result.run ? runJson(result.run) : null, stages: stagesJson(result), ...files });
  out.print(studyView(result));
  if (files.report) out.print(`report written to ${files.report}`);
  if (files.csv) out.print(`submission written to ${files.csv}`);
  if (followed.outcome === 'failed') throw new OperationFailed(`study ${runId} failed: ${followed.error || 'no reason given'}`);
  if (followed.outcome !== 'succeeded') throw new OperationFailed(`study ${runId} ${followed.error || followed.outcome}`);
}

/** A study for people: its record, then one line per finished stage. */
export function studyView(study: GetStudyResponse): string {
  const run = study.run;
  const head = details([
    ['study', run?.id ?? ''],
    ['name', run?.name ?? ''],
    ['status', run ? statusName(run.status) : ''],
    ['dataset', run?.datasetId ?? ''],
    ['preset', run?.study?.preset === StudyPreset.STUDY_PRESET_QUICK ? 'quick' : 'notebook'],
    ['model', run?.modelId || '-'],
    ['error', run?.error ?? ''],
  ]);
  const lines = study.stages.map((s) => `  ${stageName(s.kind).padEnd(22)} ${duration(s.seconds).padStart(7)}  ${stageSummary(s)}`);
  const best = study.stages.find((s) => s.kind === StudyStageKind.STUDY_STAGE_KIND_TUNING)?.tuning?.trials[0];
  return [head, '', 'stages:', ...lines, ...(best ? ['', `best tuning trial: val acc ${pct(best.valAccuracy)}`] : [])].join('\n');
}
