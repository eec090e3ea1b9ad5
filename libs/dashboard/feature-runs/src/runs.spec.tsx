import { act, fireEvent, render, screen, within } from '@testing-library/react';
import type { RunEventView } from '@advlab/dashboard-util';
import { epochFixture, evaluationFixture, runFixture } from '@advlab/dashboard-util/testing';
import { RunEvaluation, RunLive, RunsPage, RunsTable, curveRows, filtersFromQuery, handoverText, initialRunState, keyConfig, postEvaluate, reduceRunEvent, runConfigEntries, type ModelEvaluator, type RunEventSource } from './index';

const refresh = jest.fn();
jest.mock('next/navigation', () => ({
  useRouter: () => ({ refresh, push: jest.fn(), replace: jest.fn() }),
  usePathname: () => '/runs',
  useSearchParams: () => new URLSearchParams(),
}));

const at = { runId: 'run-1', sequence: 0, time: null };
const batch = (epoch: number, b: number, loss: number): RunEventView => ({ ...at, type: 'batch', epoch, batch: b, batchesPerEpoch: 10, loss, accuracy: 0.5, imagesPerSecond: 200 });

describe('live run state', () => {
  const running = runFixture({ status: 'running', history: [], bestValAccuracy: null, modelId: '', finishedAt: null });

  it('adds batch points at fractional epochs and epoch metrics by epoch', () => {
    let state = initialRunState(running);
    state = reduceRunEvent(state, batch(1, 5, 2.1));
    state = reduceRunEvent(state, batch(1, 5, 2.0));
    state = reduceRunEvent(state, batch(2, 2, 1.5));
    state = reduceRunEvent(state, { ...at, sequence: 5, type: 'epoch', metrics: epochFixture(1) });
    state = reduceRunEvent(state, { ...at, sequence: 5, type: 'epoch', metrics: epochFixture(1) });
    expect(state.batches.map((b) => b.x)).toEqual([0.5, 1.2]);
    expect(state.epochs).toHaveLength(1);
    expect(state.progress).toMatchObject({ epoch: 2, batch: 2 });
    expect(state.bestValAccuracy).toBeCloseTo(0.45);
    expect(curveRows(state.epochs, state.batches)).toEqual([
      { x: 0.5, batchLoss: 2.1, batchAccuracy: 0.5 },
      { x: 1, trainLoss: 2, valLoss: 1.8, trainAccuracy: 0.4, valAccuracy: expect.closeTo(0.45) },
      { x: 1.2, batchLoss: 1.5, batchAccuracy: 0.5 },
    ]);
  });

  it('ends on finished, failed or cancelled and ignores later status changes', () => {
    const finished = reduceRunEvent(initialRunState(running), { ...at, type: 'finished', run: null, modelId: 'mdl-2' });
    expect(finished).toMatchObject({ status: 'succeeded', done: true, modelId: 'mdl-2' });
    expect(reduceRunEvent(finished, { ...at, type: 'status', status: 'running', queuePosition: 0 }).status).toBe('succeeded');
    expect(reduceRunEvent(initialRunState(running), { ...at, type: 'failed', error: 'out of memory' })).toMatchObject({ status: 'failed', error: 'out of memory', done: true });
    expect(reduceRunEvent(initialRunState(running), { ...at, type: 'cancelled', epochsCompleted: 1 }).status).toBe('cancelled');
  });

  it('on a hand-over drops the epochs and batches after the checkpoint the new worker resumes from', () => {
    let state = initialRunState(running);
    for (const e of [1, 2, 3]) state = reduceRunEvent(state, { ...at, type: 'epoch', metrics: epochFixture(e) });
    state = reduceRunEvent(state, batch(4, 5, 0.9));
    state = reduceRunEvent(state, { ...at, type: 'handover', fromWorker: 'w-a', toWorker: 'w-b', resumedAfterEpoch: 2, reason: 'worker w-a stopped sending heartbeats' });
    expect(state.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(state.batches).toEqual([]);
    expect(state.progress).toBeNull();
    expect(state.bestValAccuracy).toBeCloseTo(epochFixture(2).valAccuracy);
    expect(state.handover && handoverText(state.handover)).toBe('Moved from worker w-a to w-b: resumes after epoch 2 (worker w-a stopped sending heartbeats).');
    // The new worker trains epoch 3 again; then the curves go on.
    state = reduceRunEvent(state, batch(3, 1, 1.1));
    expect(state.batches.map((b) => b.x)).toEqual([2.1]);
    expect(handoverText({ time: null, fromWorker: '', toWorker: 'w-b', resumedAfterEpoch: 0, reason: '' })).toBe('Moved to worker w-b: starts from epoch 1.');
  });
});

describe('RunLive', () => {
  class FakeSource implements RunEventSource {
    listeners = new Map<string, (e: MessageEvent<string>) => void>();
    closed = false;
    constructor(readonly url: string) {}
    addEventListener(type: string, listener: (e: MessageEvent<string>) => void) {
      this.listeners.set(type, listener);
    }
    close() {
      this.closed = true;
    }
    emit(event: RunEventView) {
      act(() => this.listeners.get('run')?.({ data: JSON.stringify(event) } as MessageEvent<string>));
    }
  }

  it('subscribes to the run, plots arriving points and refreshes the page when it ends', () => {
    let source: FakeSource | undefined;
    const { container } = render(<RunLive run={runFixture({ status: 'running', history: [], modelId: '' })} eventSource={(url) => (source = new FakeSource(url))} />);
    expect(source?.url).toBe('/api/runs/run-1/events');
    const points = () => Number(container.querySelector('[data-testid="run-curves"] figure')?.getAttribute('data-points'));
    expect(points()).toBe(0);
    expect(screen.getByRole('button', { name: 'Cancel run' })).toBeTruthy();
    source?.emit(batch(1, 3, 2.2));
    source?.emit(batch(1, 6, 2.0));
    expect(points()).toBe(2);
    expect(screen.getByText('Epoch 1 of 2, batch 6 of 10')).toBeTruthy();
    source?.emit({ ...at, sequence: 9, type: 'epoch', metrics: epochFixture(1) });
    expect(points()).toBe(4);
    expect(screen.queryByTestId('run-handover')).toBeNull();
    source?.emit({ ...at, sequence: 10, type: 'handover', fromWorker: 'w-a', toWorker: 'w-b', resumedAfterEpoch: 1, reason: 'worker w-a stopped sending heartbeats' });
    expect(screen.getByTestId('run-handover').textContent).toBe('Moved from worker w-a to w-b: resumes after epoch 1 (worker w-a stopped sending heartbeats).');
    source?.emit({ ...at, sequence: 11, type: 'finished', run: null, modelId: 'mdl-1' });
    expect(source?.closed).toBe(true);
    expect(refresh).toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
    expect(screen.getByText('Succeeded')).toBeTruthy();
  });

  it('does not subscribe to a finished run', () => {
    const factory = jest.fn();
    render(<RunLive run={runFixture()} eventSource={factory} />);
    expect(factory).not.toHaveBeenCalled();
    expect(screen.getByText('2 of 2 epochs')).toBeTruthy();
  });
});

describe('runs table and page', () => {
  it('shows status, kind, key config, accuracies and duration per run', () => {
    render(<RunsTable runs={[runFixture(), runFixture({ id: 'run-2', name: 'adv', kind: 'adversarial', status: 'running', bestRobustAccuracy: 0.31, finishedAt: null })]} now={Date.parse('2026-11-29T09:00:31Z')} />);
    const rows = screen.getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]).getByRole('link', { name: 'train [8,16]' }).getAttribute('href')).toBe('/runs/run-1');
    expect(within(rows[1]).getByText('Succeeded')).toBeTruthy();
    expect(within(rows[1]).getByText('run-1 · Fashion-MNIST (mini)')).toBeTruthy();
    expect(within(rows[1]).getByText('1m 05s')).toBeTruthy();
    expect(within(rows[2]).getByText('31.0%')).toBeTruthy();
    expect(within(rows[2]).getByText('30s')).toBeTruthy();
  });

  it('names the dataset, with its id, and falls back to the id', () => {
    expect(runConfigEntries(runFixture())).toContainEqual(['Dataset', 'Fashion-MNIST (mini) (fashion-mnist-mini)']);
    expect(runConfigEntries(runFixture({ datasetName: '' }))).toContainEqual(['Dataset', 'fashion-mnist-mini']);
  });

  it('summarises the configuration that tells runs apart', () => {
    const run = runFixture({ training: { ...runFixture().training, mix: 'cutmix', mixAlpha: 1, loss: 'ova' } });
    expect(keyConfig(run)).toBe('[8,16] skip · 2 ep · bs 64 · lr 0.001 · CutMix 1 · OVA');
  });

  it('reads only known filters from the query', () => {
    expect(filtersFromQuery({ status: 'running', kind: 'nonsense', dataset: 'toy' })).toEqual({ status: 'running', kind: undefined, datasetId: 'toy' });
  });

  it('shows an error state when the trainer fails', async () => {
    render(await RunsPage({ query: {}, load: async () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'No connection established', unimplemented: false, unreachable: true } }) }));
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Runs could not be loaded');
    expect(alert.textContent).toContain('Is it running?');
  });

  it('lists the runs with the live indicator while one is active', async () => {
    render(await RunsPage({ query: {}, load: async () => ({ ok: true, data: [runFixture({ status: 'queued' })] }) }));
    expect(screen.getByText('Live: refreshing every few seconds')).toBeTruthy();
    expect(screen.getByText('1 run, 1 active.')).toBeTruthy();
  });
});

describe('RunEvaluation', () => {
  it('evaluates only when asked (a POST), then shows the confusion matrix and per-class accuracy', async () => {
    const evaluate = jest.fn<ReturnType<ModelEvaluator>, Parameters<ModelEvaluator>>(async () => ({ ok: true, data: evaluationFixture() }));
    render(<RunEvaluation modelId="mdl-1" evaluate={evaluate} />);
    expect(evaluate).not.toHaveBeenCalled();
    expect(screen.queryByTestId('run-evaluation')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Evaluate on held-out data' }));
    await screen.findByTestId('run-evaluation');
    expect(evaluate).toHaveBeenCalledTimes(1);
    expect(evaluate.mock.calls[0].slice(0, 2)).toEqual(['mdl-1', { epsilon255: 0, maxImages: 1000 }]);
    expect(screen.getByRole('list', { name: 'Accuracy per class' })).toBeTruthy();
  });

  it('shows a failure and offers to try again', async () => {
    const evaluate: ModelEvaluator = async () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'no model mdl-1', unimplemented: false, unreachable: false } });
    render(<RunEvaluation modelId="mdl-1" evaluate={evaluate} />);
    fireEvent.click(screen.getByRole('button', { name: 'Evaluate on held-out data' }));
    expect((await screen.findByRole('alert')).dataset['errorCode']).toBe('NOT_FOUND');
    expect(screen.getByRole('button', { name: 'Evaluate again' })).toBeTruthy();
  });

  it('posts JSON to the model’s evaluate route', async () => {
    const fetchMock = jest.fn(async () => ({ ok: true, status: 200, json: async () => ({ evaluation: evaluationFixture() }) }));
    Object.assign(globalThis, { fetch: fetchMock });
    const signal = new AbortController().signal;
    await expect(postEvaluate('mdl-1', { epsilon255: 0, maxImages: 1000 }, signal)).resolves.toEqual({ ok: true, data: evaluationFixture() });
    expect(fetchMock).toHaveBeenCalledWith('/api/models/mdl-1/evaluate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"epsilon255":0,"maxImages":1000}', signal });
  });
});
