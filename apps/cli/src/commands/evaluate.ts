import { AttackMethod, type AttackConfig, type EvaluateResponse, type Split } from '@advlab/contract';
import type { CliContext } from '../context';
import { details, duration, num, pct, splitName, table } from '../format';
import { robustJson } from '../json';
import { attackConfigFrom, type AttackFlags } from '../options';
import { Output, type OutputOptions } from '../output';
import { robustTable } from '../views';

export interface EvaluateOptions extends OutputOptions, Omit<AttackFlags, 'method' | 'eps'> {
  dataset?: string;
  split?: Split;
  maxImages?: number;
  seed?: number;
  attack?: AttackMethod[];
  eps?: number[];
  timeout: number;
}

/** The attacks to run: each --attack at each --eps (PGD when only --eps is given). */
export function evaluationAttacks(opts: Omit<EvaluateOptions, 'timeout'>): AttackConfig[] {
  const { attack, eps: epsList, ...flags } = opts;
  const methods = attack?.length ? attack : epsList?.length ? [AttackMethod.ATTACK_METHOD_PGD] : [];
  const epsilons: (number | undefined)[] = epsList?.length ? epsList : [undefined];
  return methods.flatMap((method) => epsilons.map((eps) => attackConfigFrom({ ...flags, eps }, method)));
}

export function confusionTable(res: EvaluateResponse): string {
  const labels = res.confusion?.labels ?? [];
  const counts = res.confusion?.counts ?? [];
  const k = labels.length;
  return table(
    ['true \\ predicted', ...labels.map((l) => ({ header: l, align: 'right' as const }))],
    labels.map((l, i) => [l, ...labels.map((_, j) => counts[i * k + j] ?? 0)]),
  );
}

/** `advlab evaluate <model>`: clean accuracy, per class, confusion matrix, and robust accuracy under each attack. */
export async function evaluate(ctx: CliContext, modelId: string, opts: EvaluateOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const res = await ctx.clients.trainerApi(opts.timeout).evaluate({
    modelId,
    datasetId: opts.dataset ?? '',
    split: opts.split ?? 0,
    attacks: evaluationAttacks(opts),
    maxImages: opts.maxImages ?? 0,
    seed: opts.seed ?? 0,
  });
  const labels = res.confusion?.labels ?? [];
  const counts = res.confusion?.counts ?? [];
  out.result({
    modelId: res.modelId,
    split: splitName(res.split),
    numImages: res.numImages,
    loss: res.loss,
    accuracy: res.accuracy,
    worstCaseAccuracy: res.worstCaseAccuracy,
    perClass: res.perClass.map((c) => ({ classIndex: c.classIndex, label: c.label, accuracy: c.accuracy, support: c.support })),
    confusion: { labels, counts, matrix: labels.map((_, i) => counts.slice(i * labels.length, (i + 1) * labels.length)) },
    robust: res.robust.map(robustJson),
    seconds: res.seconds,
  });
  if (out.machine) return;
  out.print(
    details([
      ['model', res.modelId],
      ['split', `${splitName(res.split)} (${res.numImages} images)`],
      ['loss', num(res.loss, 4)],
      ['accuracy', pct(res.accuracy)],
      ['worst case', res.robust.length ? pct(res.worstCaseAccuracy) : undefined],
      ['time', duration(res.seconds)],
    ]),
  );
  out.print(table(['class', { header: 'accuracy', align: 'right' }, { header: 'images', align: 'right' }], res.perClass.map((c) => [c.label, pct(c.accuracy), c.support])));
  out.print(confusionTable(res));
  if (res.robust.length) out.print(robustTable(res.robust));
}
