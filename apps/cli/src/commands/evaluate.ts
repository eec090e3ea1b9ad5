import { AttackMethod, EvaluateRequest, type AttackConfig, type EvaluateProgress, type EvaluateResponse, type EvaluateStreamResponse, type Split } from '@advlab/contract';
import type { CliContext } from '../context';
import { details, duration, num, pct, splitName, table } from '../format';
import { robustJson } from '../json';
import { attackConfigFrom, type AttackFlags } from '../options';
import { Output, type OutputOptions } from '../output';
import { cascadeLines, robustTable } from '../views';

export interface EvaluateOptions extends OutputOptions, Omit<AttackFlags, 'method' | 'eps'> {
  dataset?: string;
  split?: Split;
  maxImages?: number;
  seed?: number;
  attack?: AttackMethod[];
  eps?: number[];
  timeout: number;
}

/**
 * The attacks to run: each --attack at each --eps (PGD when only --eps is given). --version goes
 * to AutoAttack only, --queries to Square and AutoAttack only.
 */
export function evaluationAttacks(opts: Omit<EvaluateOptions, 'timeout'>): AttackConfig[] {
  const { attack, eps: epsList, version, queries, ...flags } = opts;
  const methods = attack?.length ? attack : epsList?.length ? [AttackMethod.ATTACK_METHOD_PGD] : [];
  const epsilons: (number | undefined)[] = epsList?.length ? epsList : [undefined];
  const autoattack = (m: AttackMethod) => m === AttackMethod.ATTACK_METHOD_AUTOATTACK;
  return methods.flatMap((method) =>
    epsilons.map((eps) =>
      attackConfigFrom({ ...flags, eps, version: autoattack(method) ? version : undefined, queries: autoattack(method) || method === AttackMethod.ATTACK_METHOD_SQUARE ? queries : undefined }, method),
    ),
  );
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

/** The progress line of an evaluation: the attack (`AutoAttack (fast)`), then which of the attacks and the cascade member running (`attack 2/2 apgd-t`). */
export function progressLabel(p: EvaluateProgress): { label: string; detail: string } {
  return { label: p.attack, detail: [p.attackCount > 1 ? `attack ${p.attackIndex + 1}/${p.attackCount}` : '', p.stage].filter(Boolean).join(' ') };
}

/** `advlab evaluate <model>`: clean accuracy, per class, confusion matrix, and robust accuracy under each attack, with progress while the attacks run. */
export async function evaluate(ctx: CliContext, modelId: string, opts: EvaluateOptions): Promise<void> {
  const out = new Output(ctx, opts);
  const request = EvaluateRequest.fromPartial({
    modelId,
    datasetId: opts.dataset ?? '',
    split: opts.split ?? 0,
    attacks: evaluationAttacks(opts),
    maxImages: opts.maxImages ?? 0,
    seed: opts.seed ?? 0,
  });
  const progress = out.progress();
  // Each attack, and each member of an AutoAttack cascade, is named by a line of its own when it first starts.
  const started = new Set<string>();
  let res: EvaluateResponse | undefined;
  try {
    const stream = ctx.clients.trainer.evaluateStream({ evaluation: request }, ctx.clients.metadata(), ctx.clients.options(opts.timeout));
    for await (const message of stream as AsyncIterable<EvaluateStreamResponse>) {
      const e = message.event;
      if (e?.$case === 'progress') {
        const p = e.value;
        const key = `${p.attackIndex} ${p.stage}`;
        if (!started.has(key) && p.imagesDone < p.imagesTotal) {
          started.add(key);
          progress.log(p.stage ? `${p.attack}: ${p.stage}` : `attack ${p.attackIndex + 1}/${p.attackCount}: ${p.attack}`);
        }
        const { label, detail } = progressLabel(p);
        progress.update(label, p.imagesDone, p.imagesTotal, detail);
      } else if (e?.$case === 'result') res = e.value;
    }
  } finally {
    progress.done();
  }
  if (!res) throw new Error('the evaluation ended without a result');
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
  const cascade = cascadeLines(res.robust);
  if (cascade.length) out.print(cascade.join('\n'));
}
