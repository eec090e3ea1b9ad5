import { render, screen, within } from '@testing-library/react';
import type { WorkerView } from '@advlab/dashboard-util';
import { TrainerWorkers, WorkersPanel, summarizeWorkers } from './index';

const worker = (overrides: Partial<WorkerView> = {}): WorkerView => ({
  id: 'w-gpu-1-4121-1a2b',
  role: 'worker',
  state: 'alive',
  host: 'gpu-1',
  pid: 4121,
  backend: 'onednn',
  threads: 8,
  runIds: ['run-x', 'run-y'],
  slots: 2,
  startedAt: '2026-12-01T09:00:00.000Z',
  heartbeatAt: '2026-12-01T09:59:58.000Z',
  version: '0.1.0',
  ...overrides,
});
const api = worker({ id: 'w-api-0-7-00ff', role: 'api', host: 'api-0', pid: 7, backend: 'cpu', threads: 1, runIds: [], slots: 0, heartbeatAt: '2026-12-01T09:59:59.000Z' });
const lost = worker({ id: 'w-gpu-0-88-ffff', state: 'lost', host: 'gpu-0', pid: 88, runIds: [], heartbeatAt: '2026-12-01T09:58:25.000Z' });
const checkedAt = new Date('2026-12-01T10:00:00.000Z');

const row = (id: string) => screen.getByRole('table', { name: 'Workers' }).querySelector(`tr[data-worker-id="${id}"]`) as HTMLElement;
const field = (id: string, name: string) => row(id).querySelector(`[data-field="${name}"]`)?.textContent;

describe('WorkersPanel', () => {
  it('shows each process with its role, state badge, host, backend, load and heartbeat age', () => {
    render(<WorkersPanel workers={[api, worker(), lost]} checkedAt={checkedAt} />);
    expect(row(api.id).dataset['state']).toBe('alive');
    expect(field(api.id, 'role')).toBe('API');
    expect(field(api.id, 'load')).toBe('—');
    expect(field(api.id, 'heartbeat')).toBe('1s ago');
    expect(within(row(api.id)).getByText('api-0:7')).toBeTruthy();

    const w = worker();
    expect(field(w.id, 'backend')).toBe('onednn × 8 threads');
    expect(field(w.id, 'load')).toBe('2 / 2');
    expect(field(w.id, 'heartbeat')).toBe('2s ago');
    expect(within(row(w.id)).getByRole('link', { name: 'run-x' }).getAttribute('href')).toBe('/runs/run-x');
    expect(within(row(w.id)).getByRole('link', { name: 'run-y' }).getAttribute('href')).toBe('/runs/run-y');

    expect(row(lost.id).dataset['state']).toBe('lost');
    expect(within(row(lost.id)).getByText('Lost').closest('[data-tone]')?.getAttribute('data-tone')).toBe('danger');
    expect(field(lost.id, 'heartbeat')).toBe('1m 35s ago');
    expect(screen.getByRole('status').textContent).toMatch(/^3 processes: 2 alive, 1 lost\. Checked at \d\d:\d\d:\d\d\.$/);
    expect(screen.getByText(/A lost worker sent no heartbeat within its lease/)).toBeTruthy();
  });

  it('colours alive green, lost red and stopped grey', () => {
    render(<WorkersPanel workers={[worker({ id: 'a' }), worker({ id: 'l', state: 'lost' }), worker({ id: 's', state: 'stopped' })]} checkedAt={checkedAt} />);
    const tone = (id: string) => row(id).querySelector('[data-worker-state]')?.getAttribute('data-tone');
    expect([tone('a'), tone('l'), tone('s')]).toEqual(['success', 'danger', 'neutral']);
  });

  it('summarises one machine and an empty list', () => {
    expect(summarizeWorkers([worker({ role: 'all' })])).toBe('1 process: 1 alive.');
    expect(summarizeWorkers([])).toBe('No trainer processes are registered.');
  });
});

describe('TrainerWorkers', () => {
  it('loads the workers and renders them with the actions', async () => {
    const load = jest.fn(async () => ({ ok: true as const, data: [api, lost] }));
    render(await TrainerWorkers({ load, actions: <button>Refresh</button> }));
    expect(load).toHaveBeenCalledTimes(1);
    expect(screen.getAllByRole('row')).toHaveLength(3);
    expect(screen.getByRole('button', { name: 'Refresh' })).toBeTruthy();
  });

  it('says when the trainer does not list its workers yet', async () => {
    const load = async () => ({ ok: false as const, error: { code: 'UNIMPLEMENTED', message: 'ListWorkers is not implemented', unimplemented: true, unreachable: false } });
    render(await TrainerWorkers({ load }));
    expect(screen.getByRole('alert').textContent).toContain('Not available yet: Workers could not be loaded');
  });
});
