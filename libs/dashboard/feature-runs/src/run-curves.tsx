'use client';

import { LineChart, type LineSeries } from '@advlab/dashboard-charts';
import type { BatchPoint } from './run-state';
import { curveRows } from './run-state';
import type { EpochView } from '@advlab/dashboard-util';

const LOSS_SERIES: LineSeries[] = [
  { key: 'batchLoss', label: 'Train (live)', color: '#a3a3a3', dots: false },
  { key: 'trainLoss', label: 'Train', color: '#0072B2' },
  { key: 'valLoss', label: 'Validation', color: '#D55E00' },
];

const ACCURACY_SERIES: LineSeries[] = [
  { key: 'batchAccuracy', label: 'Train (live)', color: '#a3a3a3', dots: false },
  { key: 'trainAccuracy', label: 'Train', color: '#0072B2' },
  { key: 'valAccuracy', label: 'Validation', color: '#D55E00' },
];

const ROBUST_SERIES: LineSeries = { key: 'robustAccuracy', label: 'Robust (validation)', color: '#009E73', dashed: true };

/** Loss and accuracy per epoch (train and validation, robust for adversarial runs) with the live in-epoch train curve. */
export function RunCurves({ epochs, batches, totalEpochs, robust }: { epochs: readonly EpochView[]; batches: readonly BatchPoint[]; totalEpochs: number; robust: boolean }) {
  const rows = curveRows(epochs, batches);
  const xDomain: [number, number] = [0, Math.max(1, totalEpochs)];
  return (
    <div className="grid gap-4 lg:grid-cols-2" data-testid="run-curves">
      <LineChart
        title="Loss"
        description={`Training and validation loss over ${totalEpochs} epochs`}
        data={rows}
        xKey="x"
        xLabel="epoch"
        xDomain={xDomain}
        series={LOSS_SERIES}
        empty="Waiting for the first batches…"
      />
      <LineChart
        title="Accuracy"
        description={`Training and validation accuracy${robust ? ' and robust accuracy' : ''} over ${totalEpochs} epochs`}
        data={rows}
        xKey="x"
        xLabel="epoch"
        xDomain={xDomain}
        yDomain={[0, 1]}
        format="percent"
        series={robust ? [...ACCURACY_SERIES, ROBUST_SERIES] : ACCURACY_SERIES}
        empty="Waiting for the first batches…"
      />
    </div>
  );
}
