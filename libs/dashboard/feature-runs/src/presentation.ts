import type { RunKindView, RunStatusView, RunView } from '@advlab/dashboard-util';
import type { BadgeTone } from '@advlab/dashboard-ui';
import { formatEpsilon } from '@advlab/dashboard-util';

export const RUN_STATUS_PRESENTATION: Readonly<Record<RunStatusView, { label: string; tone: BadgeTone }>> = {
  queued: { label: 'Queued', tone: 'neutral' },
  running: { label: 'Running', tone: 'info' },
  succeeded: { label: 'Succeeded', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
  cancelled: { label: 'Cancelled', tone: 'warning' },
  interrupted: { label: 'Interrupted', tone: 'warning' },
};

export const RUN_KIND_LABELS: Readonly<Record<RunKindView, string>> = {
  train: 'Training',
  adversarial: 'Adversarial',
  sweep: 'Sweep',
  study: 'Study',
};

export const isActive = (status: RunStatusView) => status === 'queued' || status === 'running';

/** The configuration that tells runs apart, in one line: "[8,16] skip · 2 ep · bs 64 · lr 0.001 · Mixup 0.4 · PGD-10 8/255". */
export function keyConfig(run: Pick<RunView, 'kind' | 'model' | 'training' | 'adversarial' | 'sweep'>): string {
  const parts: string[] = [];
  if (run.model.featureMaps.length) parts.push(`[${run.model.featureMaps.join(',')}]${run.model.useSkip ? ' skip' : ''}`);
  parts.push(`${run.training.epochs} ep`, `bs ${run.training.batchSize}`, `lr ${run.training.learningRate}`);
  if (run.training.mix === 'mixup') parts.push(`Mixup ${run.training.mixAlpha ?? ''}`.trim());
  if (run.training.mix === 'cutmix') parts.push(`CutMix ${run.training.mixAlpha ?? ''}`.trim());
  if (run.training.loss === 'ova') parts.push('OVA');
  if (run.adversarial) {
    const a = run.adversarial.attack;
    parts.push(`${a.method === 'fgsm-rs' ? 'FGSM-RS' : `PGD-${a.steps}`} ${formatEpsilon(a.epsilon)}`);
  }
  if (run.sweep) parts.push(`${run.sweep.axes.length} axis${run.sweep.axes.length === 1 ? '' : 'es'}: ${run.sweep.axes.map((a) => a.path.split('.').pop()).join(', ')}`);
  return parts.join(' · ');
}
