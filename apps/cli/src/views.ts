import {
  AttackMethod,
  AutoAttackVersion,
  Norm,
  RunStatus,
  StudyStageKind,
  SweepRankBy,
  type AttackConfig,
  type Dataset,
  type EvaluateResponse,
  type Model,
  type RobustResult,
  type Run,
  type StudyStage,
  type SweepTrial,
} from '@advlab/contract';
import { details, duration, epsLabel, featureMaps, kindName, num, pct, statusName, table, when } from './format';
import { ATTACK_METHOD_NAMES } from './parse';

/** An attack in a few words: "pgd linf eps 8/255 step 0.002 x20". */
export function attackSummary(a: AttackConfig | undefined): string {
  if (!a) return '-';
  const method = Object.entries(ATTACK_METHOD_NAMES).find(([, m]) => m === a.method)?.[0] ?? 'pgd';
  const parts = [method];
  if (a.method === AttackMethod.ATTACK_METHOD_AUTOATTACK) parts.push(a.autoattackVersion === AutoAttackVersion.AUTO_ATTACK_VERSION_FAST ? 'fast' : 'standard');
  if (a.norm === Norm.NORM_L2) parts.push('l2');
  if (a.epsilon !== undefined) parts.push(`eps ${a.norm === Norm.NORM_L2 ? a.epsilon : epsLabel(a.epsilon)}`);
  if (method === 'pgd') {
    if (a.stepSize !== undefined) parts.push(`step ${+a.stepSize.toPrecision(4)}`);
    if (a.steps !== undefined) parts.push(`x${a.steps}`);
  }
  if (method.startsWith('apgd') && a.steps !== undefined) parts.push(`x${a.steps}`);
  if (a.queries !== undefined) parts.push(`${a.queries} queries`);
  return parts.join(' ');
}

/** AutoAttack's cascade, one line per member with what it broke, then its warnings; empty for other attacks. */
export function cascadeLines(results: readonly RobustResult[]): string[] {
  return results.flatMap((r) =>
    r.cascade.length
      ? [
          `${attackSummary(r.attack)}: ${r.cascade.map((s) => `${s.attack} broke ${s.broken} (${pct(s.robustAccuracy)} left)`).join(', then ')}`,
          ...r.warnings.map((w) => `  warning: ${w}`),
        ]
      : [],
  );
}

const trainingSummary = (run: Run) => {
  const t = run.training;
  if (!t) return '-';
  const mix = t.augmentation?.mix;
  const extra = mix ? ` ${mix.$case} ${mix.value.alpha}` : '';
  return `epochs ${t.epochs ?? '-'}  batch ${t.batchSize ?? '-'}  lr ${t.learningRate ?? '-'}  seed ${t.seed ?? '-'}${extra}`;
};

/** The per-epoch history of a run as a table. */
export function historyTable(run: Run): string {
  const robust = run.history.some((h) => h.robustValAccuracy !== undefined);
  const columns = [
    { header: 'epoch', align: 'right' as const },
    { header: 'train loss', align: 'right' as const },
    { header: 'train acc', align: 'right' as const },
    { header: 'val loss', align: 'right' as const },
    { header: 'val acc', align: 'right' as const },
    ...(robust ? [{ header: 'robust acc', align: 'right' as const }] : []),
    { header: 'lr', align: 'right' as const },
    { header: 'time', align: 'right' as const },
    { header: 'img/s', align: 'right' as const },
  ];
  const rows = run.history.map((h) => [
    h.epoch,
    num(h.trainLoss),
    pct(h.trainAccuracy),
    num(h.valLoss),
    pct(h.valAccuracy),
    ...(robust ? [pct(h.robustValAccuracy)] : []),
    +h.learningRate.toPrecision(3),
    duration(h.seconds),
    Math.round(h.imagesPerSecond),
  ]);
  return table(columns, rows);
}

/** A run's record: what it trained, how it ended, its history. */
export function runView(run: Run): string {
  const text = details([
    ['run', run.id],
    ['name', run.name],
    ['kind', kindName(run.kind)],
    ['status', statusName(run.status)],
    ['dataset', run.datasetId],
    ['model config', run.model ? `${featureMaps(run.model.featureMaps)} drop ${run.model.dropRate ?? '-'}${run.model.batchNorm === false ? ' no-bn' : ''}${run.model.useSkip === false ? ' no-skip' : ''}` : undefined],
    ['training', trainingSummary(run)],
    ['adversarial', run.adversarial ? attackSummary(run.adversarial.attack) : undefined],
    ['base model', run.baseModelId],
    ['parent sweep', run.parentRunId],
    ['best val acc', run.history.length ? pct(run.bestValAccuracy) : undefined],
    ['best robust acc', run.bestRobustAccuracy !== undefined ? pct(run.bestRobustAccuracy) : undefined],
    ['model', run.modelId],
    ['error', run.error],
    ['backend', run.backend],
    ['created', when(run.createdAt)],
    ['finished', run.finishedAt ? when(run.finishedAt) : undefined],
  ]);
  const history = run.history.length ? `\n${historyTable(run)}` : '';
  return text + history;
}

/** A stored model's record and its latest robust evaluations. */
export function modelView(model: Model): string {
  const text = details([
    ['model', model.id],
    ['name', model.name],
    ['run', model.runId],
    ['dataset', model.datasetId],
    ['architecture', model.config ? `${featureMaps(model.config.featureMaps)} ${model.config.imageSize}px` : undefined],
    ['classes', model.config?.classNames.join(', ')],
    ['parameters', model.numParameters.toLocaleString('en-US')],
    ['val acc', pct(model.valAccuracy)],
    ['robust acc', model.robustAccuracy !== undefined ? pct(model.robustAccuracy) : undefined],
    ['adversarial', model.adversarial ? attackSummary(model.adversarial.attack) : undefined],
    ['epoch', model.epoch],
    ['created', when(model.createdAt)],
  ]);
  return model.evaluations.length ? `${text}\n${robustTable(model.evaluations)}` : text;
}

/** Robust results, one row per attack. */
export function robustTable(results: readonly RobustResult[]): string {
  return table(
    ['attack', { header: 'eps', align: 'right' }, { header: 'images', align: 'right' }, { header: 'clean', align: 'right' }, { header: 'robust', align: 'right' }, { header: 'success', align: 'right' }, 'sanity', { header: 'time', align: 'right' }],
    results.map((r) => [
      attackSummary(r.attack),
      r.epsilonLabel || (r.attack?.epsilon !== undefined ? epsLabel(r.attack.epsilon) : '-'),
      r.numImages,
      pct(r.cleanAccuracy),
      pct(r.robustAccuracy),
      pct(r.attackSuccessRate),
      r.sanity ? (r.sanity.withinBudget && r.sanity.eps0MatchesClean && r.sanity.minPixel >= 0 && r.sanity.maxPixel <= 1 ? 'ok' : 'CHECK') : '-',
      duration(r.seconds),
    ]),
  );
}

/** A dataset's classes with their image counts. */
export function datasetView(d: Dataset): string {
  const text = details([
    ['dataset', d.id],
    ['name', d.name],
    ['source', d.source],
    ['image size', `${d.imageSize}px`],
    ['train images', d.trainCounts.reduce((a, b) => a + b, 0)],
    ['test images', d.testCounts.length ? d.testCounts.reduce((a, b) => a + b, 0) : undefined],
    ['skipped files', d.skipped.length],
  ]);
  const classes = table(
    ['class', { header: 'train', align: 'right' }, ...(d.testCounts.length ? [{ header: 'test', align: 'right' as const }] : [])],
    d.classNames.map((c, i) => [c, d.trainCounts[i] ?? 0, ...(d.testCounts.length ? [d.testCounts[i] ?? 0] : [])]),
  );
  return `${text}\n${classes}`;
}

/**
 * A sweep's trials, best first: by validation accuracy, or robust accuracy
 * when the sweep ranks by it (a trial event's own rank only counts the trials
 * finished before it).
 */
export function rankTrials(run: Run): SweepTrial[] {
  const robust = run.sweep?.rankBy === SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY;
  const score = (t: SweepTrial) => (t.status !== RunStatus.RUN_STATUS_SUCCEEDED ? -1 : robust ? (t.robustAccuracy ?? -1) : t.valAccuracy);
  return [...run.trials].sort((a, b) => score(b) - score(a) || a.index - b.index).map((t, i) => ({ ...t, rank: i + 1 }));
}

/** A sweep's record and its trials, best first. */
export function sweepView(run: Run): string {
  const trials = rankTrials(run);
  const paths = [...new Set(trials.flatMap((t) => Object.keys(t.overrides)))];
  const robust = trials.some((t) => t.robustAccuracy !== undefined);
  const head = details([
    ['sweep', run.id],
    ['name', run.name],
    ['status', statusName(run.status)],
    ['dataset', run.datasetId],
    ['trials', `${trials.length}${trials[0] ? ` of ${trials[0].total}` : ''}`],
    ['error', run.error],
  ]);
  const rows = trials.map((t) => [
    t.rank,
    ...paths.map((p) => t.overrides[p] ?? ''),
    pct(t.valAccuracy),
    pct(t.trainAccuracy),
    ...(robust ? [pct(t.robustAccuracy)] : []),
    statusName(t.status),
    duration(t.seconds),
    t.runId,
    t.modelId || '-',
  ]);
  const right = { align: 'right' as const };
  const columns = [
    { header: 'rank', ...right },
    ...paths,
    { header: 'val acc', ...right },
    { header: 'train acc', ...right },
    ...(robust ? [{ header: 'robust acc', ...right }] : []),
    'status',
    { header: 'time', ...right },
    'run',
    'model',
  ];
  return `${head}\n${table(columns, rows)}`;
}

/** A study stage's name for people. */
export function stageName(kind: StudyStageKind): string {
  return (
    {
      [StudyStageKind.STUDY_STAGE_KIND_TUNING]: 'tuning',
      [StudyStageKind.STUDY_STAGE_KIND_VARIANTS]: 'mixup / cutmix / ova',
      [StudyStageKind.STUDY_STAGE_KIND_ATTACK]: 'pgd-20 attack',
      [StudyStageKind.STUDY_STAGE_KIND_ADVERSARIAL]: 'adversarial training',
      [StudyStageKind.STUDY_STAGE_KIND_SUBMISSION]: 'submission',
    } as Record<number, string>
  )[kind] ?? 'stage';
}

const robustOf = (e: EvaluateResponse | undefined, method: AttackMethod) => e?.robust.find((r) => r.attack?.method === method)?.robustAccuracy;

/** One line of what a finished study stage found. */
export function stageSummary(stage: StudyStage): string {
  if (stage.skipped) return `skipped: ${stage.skipped}`;
  if (stage.tuning) {
    const best = stage.tuning.trials[0];
    const overrides = Object.entries(best?.overrides ?? {}).map(([k, v]) => `${k.split('.').pop()}=${v}`).join(' ');
    return `${stage.tuning.trials.length} trials, best ${overrides} val acc ${pct(best?.valAccuracy)}`;
  }
  if (stage.variants) return stage.variants.variants.map((v) => `${v.name} ${pct(v.test?.accuracy)}`).join(', ') + ' (test acc)';
  if (stage.attack) return `clean ${pct(stage.attack.test?.accuracy)}, fgsm ${pct(robustOf(stage.attack.test, AttackMethod.ATTACK_METHOD_FGSM))}, pgd-20 ${pct(stage.attack.pgd?.result?.robustAccuracy)}, gallery of ${stage.attack.pgd?.gallery.length ?? 0}`;
  if (stage.adversarial) {
    const t = stage.adversarial.test;
    return `clean ${pct(t?.accuracy)}, fgsm ${pct(robustOf(t, AttackMethod.ATTACK_METHOD_FGSM))}, pgd-20 ${pct(robustOf(t, AttackMethod.ATTACK_METHOD_PGD))} (model ${stage.adversarial.modelId})`;
  }
  if (stage.submission) return `${stage.submission.predicted} images predicted${stage.submission.errors ? `, ${stage.submission.errors} unreadable` : ''}`;
  return '';
}
