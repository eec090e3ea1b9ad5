import { render, screen, within } from '@testing-library/react';
import { runFixture, trialFixture } from '@advlab/dashboard-util/testing';
import { SweepsPage, axisName, rankedTrials, trialBarRows, trialLabel } from './index';

jest.mock('next/navigation', () => ({ useRouter: () => ({ refresh: jest.fn() }) }));

const trials = [trialFixture(0, 0.7, 2, { total: 3 }), trialFixture(1, 0.8, 1, { total: 3 }), trialFixture(2, 0, 0, { total: 3, status: 'running', overrides: { 'model.use_skip': 'false' } })];
const sweep = runFixture({
  id: 'run-s',
  name: 'lr sweep',
  kind: 'sweep',
  sweep: { axes: [{ path: 'training.learning_rate', values: ['0.001', '0.0005'] }], rankBy: 'val' },
  trials,
});

describe('sweep results', () => {
  it('labels configurations with short axis names', () => {
    expect(axisName('training.augmentation.mixup.alpha')).toBe('mixup.alpha');
    expect(trialLabel({ overrides: { 'training.learning_rate': '0.001', 'model.feature_maps': '[8,16]' } })).toBe('lr=0.001, maps=[8,16]');
  });

  it('ranks finished trials first and charts succeeded ones in grid order', () => {
    expect(rankedTrials(trials).map((t) => t.index)).toEqual([1, 0, 2]);
    expect(trialBarRows(trials)).toEqual([
      { config: 'lr=0.001', val: 0.7, robust: null },
      { config: 'lr=0.0005', val: 0.8, robust: null },
    ]);
  });
});

describe('SweepsPage', () => {
  it('shows the chosen sweep’s ranked table', async () => {
    render(await SweepsPage({ loadSweeps: async () => ({ ok: true, data: [sweep] }), loadRun: async () => ({ ok: true, data: sweep }) }));
    const table = screen.getByRole('table', { name: 'Sweep results, best first' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(4);
    expect(within(rows[1]).getByText('#1')).toBeTruthy();
    expect(within(rows[1]).getByText('80.0%')).toBeTruthy();
    expect(screen.getByText(/3 of 3 trials reported/)).toBeTruthy();
  });

  it('invites a new sweep when there is none', async () => {
    render(await SweepsPage({ loadSweeps: async () => ({ ok: true, data: [] }) }));
    expect(screen.getByRole('link', { name: 'New sweep' }).getAttribute('href')).toBe('/runs/new?kind=sweep');
  });
});
