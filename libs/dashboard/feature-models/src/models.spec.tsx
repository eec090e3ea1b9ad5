import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { epochFixture, modelFixture, robustFixture } from '@advlab/dashboard-util/testing';
import { ModelActions, compareRows, robustnessRows } from './index';

const refresh = jest.fn();
jest.mock('next/navigation', () => ({ useRouter: () => ({ refresh }) }));

describe('model charts', () => {
  it('puts clean, FGSM, PGD and AutoAttack accuracy of each evaluated model side by side', () => {
    const standard = robustFixture('autoattack', 0.3, { attack: { ...robustFixture('autoattack', 0).attack, version: 'standard' } });
    const rows = robustnessRows([
      modelFixture({ name: 'robust', evaluations: [robustFixture('fgsm', 0.6), robustFixture('pgd', 0.5), robustFixture('autoattack', 0.4)] }),
      modelFixture({ id: 'mdl-2', name: 'plain' }),
      modelFixture({ id: 'mdl-3', name: 'pgd only', evaluations: [robustFixture('pgd', 0.1)] }),
      modelFixture({ id: 'mdl-4', name: 'autoattack only', evaluations: [robustFixture('autoattack', 0.35), standard] }),
    ]);
    expect(rows).toEqual([
      { model: 'robust', clean: 0.8, fgsm: 0.6, pgd: 0.5, autoattack: 0.4 },
      { model: 'pgd only', clean: 0.8, fgsm: null, pgd: 0.1, autoattack: null },
      // The standard version, when the model has both.
      { model: 'autoattack only', clean: 0.8, fgsm: null, pgd: null, autoattack: 0.3 },
    ]);
  });

  it('aligns two runs on epochs', () => {
    expect(compareRows([epochFixture(1), epochFixture(2)], [epochFixture(1, { valAccuracy: 0.9, valLoss: 0.2 })])).toEqual([
      { epoch: 1, aVal: epochFixture(1).valAccuracy, aLoss: 1.8, bVal: 0.9, bLoss: 0.2 },
      { epoch: 2, aVal: epochFixture(2).valAccuracy, aLoss: 0.9 },
    ]);
  });
});

describe('ModelActions', () => {
  const fetchMock = jest.fn();
  beforeEach(() => {
    fetchMock.mockReset();
    refresh.mockReset();
    Object.assign(globalThis, { fetch: fetchMock });
  });

  it('evaluates robustness and refreshes the page', async () => {
    fetchMock.mockResolvedValue({ ok: true, json: async () => ({}) });
    render(<ModelActions modelId="mdl-1" name="baseline" />);
    fireEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    await waitFor(() => expect(refresh).toHaveBeenCalled());
    expect(fetchMock).toHaveBeenCalledWith('/api/models/mdl-1/evaluate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ epsilon255: 8, maxImages: 500 }) });
  });

  it('runs AutoAttack (fast) on 200 images when asked', async () => {
    fetchMock.mockResolvedValue({ ok: true, json: async () => ({}) });
    render(<ModelActions modelId="mdl-1" name="baseline" />);
    fireEvent.click(screen.getByRole('button', { name: 'AutoAttack' }));
    expect(screen.getByRole('button', { name: 'Running AutoAttack…' }).getAttribute('aria-busy')).toBe('true');
    await waitFor(() => expect(refresh).toHaveBeenCalled());
    expect(fetchMock).toHaveBeenCalledWith('/api/models/mdl-1/evaluate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ epsilon255: 8, maxImages: 200, autoattack: true }),
    });
  });

  it('asks before deleting and shows a refusal', async () => {
    const confirm = jest.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    fetchMock.mockResolvedValue({ ok: false, status: 404, json: async () => ({ error: { code: 'NOT_FOUND', message: 'no model mdl-1' } }) });
    render(<ModelActions modelId="mdl-1" name="baseline" />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete model baseline' }));
    expect(fetchMock).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Delete model baseline' }));
    expect((await screen.findByRole('alert')).textContent).toBe('NOT_FOUND: no model mdl-1');
    // The API takes writes only as JSON (its guard answers 415 otherwise), so even a DELETE sends `{}`.
    expect(fetchMock).toHaveBeenCalledWith('/api/models/mdl-1', { method: 'DELETE', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    confirm.mockRestore();
  });
});
