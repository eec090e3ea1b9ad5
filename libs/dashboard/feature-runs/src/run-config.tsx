import type { RunView } from '@advlab/dashboard-util';
import { formatEpsilon } from '@advlab/dashboard-util';

const yes = (b: boolean) => (b ? 'yes' : 'no');

/** The run's configuration as it was run (defaults filled in by the trainer). */
export function runConfigEntries(run: RunView): [string, string][] {
  const t = run.training;
  const entries: [string, string][] = [
    ['Dataset', run.datasetName && run.datasetName !== run.datasetId ? `${run.datasetName} (${run.datasetId})` : run.datasetId],
    ['Feature maps', `[${run.model.featureMaps.join(', ')}]`],
    ['Skip paths', yes(run.model.useSkip)],
    ['Batch norm', yes(run.model.batchNorm)],
    ['Dropout', String(run.model.dropRate)],
    ['Epochs', String(t.epochs)],
    ['Batch size', String(t.batchSize)],
    ['Learning rate', `${t.learningRate} (${t.lrSchedule})`],
    ['Loss', t.loss === 'ova' ? 'One-versus-all' : 'Cross-entropy'],
    ['Augmentation', [t.horizontalFlip ? 'flip' : null, t.colorJitter > 0 ? `jitter ${t.colorJitter}` : null, t.mix !== 'none' ? `${t.mix === 'mixup' ? 'Mixup' : 'CutMix'} α=${t.mixAlpha}` : null].filter(Boolean).join(', ') || 'none'],
    ['Validation split', `${Math.round(t.validationFraction * 100)}%`],
    ['Seed', String(t.seed)],
  ];
  if (run.adversarial) {
    const a = run.adversarial.attack;
    entries.push(['Attack', `${a.method === 'fgsm-rs' ? 'FGSM + random start' : `PGD-${a.steps}`}, ε ${formatEpsilon(a.epsilon)}, step ${formatEpsilon(a.stepSize)}`]);
    entries.push(['Robust eval images', String(run.adversarial.evalImages)]);
  }
  if (run.baseModelId) entries.push(['Base model', run.baseModelId]);
  if (run.backend) entries.push(['Backend', run.backend]);
  return entries;
}

export function RunConfig({ run }: { run: RunView }) {
  return (
    <dl className="grid grid-cols-[9rem_minmax(0,1fr)] gap-x-4 gap-y-1.5 text-sm">
      {runConfigEntries(run).map(([key, value]) => (
        <div key={key} className="contents">
          <dt className="text-neutral-500">{key}</dt>
          <dd className="break-words text-neutral-900">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
