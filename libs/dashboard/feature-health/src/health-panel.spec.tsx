import { render, screen, within } from '@testing-library/react';
import type { ServiceHealth } from '@advlab/dashboard-data-access';
import { HealthPanel, summarize } from './health-panel';
import { HealthPanelSkeleton } from './health-panel-skeleton';
import { ServicesHealth } from './services-health';

const trainer = (overrides: Partial<ServiceHealth> = {}): ServiceHealth => ({
  id: 'trainer',
  name: 'Trainer',
  grpcService: 'advlab.v1.TrainerService',
  address: '127.0.0.1:50051',
  status: 'SERVING',
  latencyMs: 3,
  ...overrides,
});

const attack = (overrides: Partial<ServiceHealth> = {}): ServiceHealth => ({
  id: 'attack',
  name: 'Attack server',
  grpcService: 'advlab.v1.AttackStreamService',
  address: '127.0.0.1:50052',
  status: 'SERVING',
  latencyMs: 4,
  ...overrides,
});

const card = (name: string) => screen.getByRole('group', { name });

describe('HealthPanel', () => {
  it.each([
    ['SERVING', 'Serving', null],
    ['NOT_SERVING', 'Not serving', /not taking requests/],
    ['UNKNOWN', 'Unknown', /could not be determined/],
    ['UNREACHABLE', 'Unreachable', /Is the service running\?/],
  ] as const)('shows %s as the text "%s"', (status, label, hint) => {
    render(<HealthPanel services={[trainer({ status, detail: status === 'SERVING' ? undefined : `detail for ${status}` })]} />);
    const trainerCard = card('Trainer');
    expect(trainerCard.dataset['status']).toBe(status);
    expect(within(trainerCard).getByText(label)).toBeTruthy();
    expect(within(trainerCard).getByText('127.0.0.1:50051')).toBeTruthy();
    expect(within(trainerCard).getByText('advlab.v1.TrainerService')).toBeTruthy();
    if (hint) {
      expect(within(trainerCard).getByText(hint)).toBeTruthy();
      expect(within(trainerCard).getByText(`detail for ${status}`)).toBeTruthy();
    } else {
      expect(within(trainerCard).queryByText(/detail for/)).toBeNull();
    }
  });

  it('shows latency, and how long an unreachable service took to fail', () => {
    render(<HealthPanel services={[trainer({ latencyMs: 12 }), attack({ status: 'UNREACHABLE', latencyMs: 1500, detail: 'No connection established' })]} />);
    expect(within(card('Trainer')).getByText('12 ms')).toBeTruthy();
    expect(within(card('Attack server')).getByText('failed after 1500 ms')).toBeTruthy();
    expect(within(card('Attack server')).getByText('No connection established')).toBeTruthy();
  });

  it('summarises the services and shows when they were checked', () => {
    render(
      <HealthPanel services={[trainer(), attack({ status: 'NOT_SERVING' })]} checkedAt={new Date('2025-01-02T03:04:05Z')} actions={<button>Refresh</button>} />,
    );
    const summary = screen.getByRole('status');
    expect(summary.textContent).toMatch(/^1 of 2 services serving\. Checked at \d\d:\d\d:\d\d\.$/);
    expect(summary.querySelector('time')?.getAttribute('datetime')).toBe('2025-01-02T03:04:05.000Z');
    expect(screen.getByRole('heading', { level: 2, name: 'Services' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Refresh' })).toBeTruthy();
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
  });

  it("shows what a server says about itself: its tensor backend, process and incidents", () => {
    const info = {
      pid: 42, version: '0.1.0', uptimeSeconds: 125, backend: 'onednn', backendNote: 'onednn (oneDNN 2.6.3, 2 OpenMP threads)',
      rssBytes: 300 * 1024 * 1024, tensors: 12, activeCalls: 1, runningRuns: 1, queuedRuns: 2, runningAttacks: 0,
      unhandledRejections: 1, lastIncident: { id: 'inc-0badc0de', message: 'boom' },
    };
    render(<HealthPanel services={[trainer({ info }), attack()]} />);
    expect(within(card('Trainer')).getByText('Backend')).toBeTruthy();
    expect(within(card('Trainer')).getByText('onednn (oneDNN 2.6.3, 2 OpenMP threads)')).toBeTruthy();
    expect(within(card('Trainer')).getByText('pid 42, up 2 min 05 s, v0.1.0')).toBeTruthy();
    expect(within(card('Trainer')).getByText(/1 unhandled rejection logged and survived \(last: inc-0badc0de, boom\)/)).toBeTruthy();
    expect(within(card('Attack server')).queryByText('Backend')).toBeNull();
  });

  it('shows a supervised service that is restarting, and its restarts', () => {
    const supervisor = { state: 'restarting' as const, restarts: 2, lastExit: { code: 'SIGKILL', at: '2026-12-02T10:00:00.000Z' }, message: 'trainer exited unexpectedly (SIGKILL); restarting in 2.0 s (restart 2)' };
    render(<HealthPanel services={[trainer({ status: 'RESTARTING', supervisor, detail: supervisor.message }), attack()]} />);
    expect(within(card('Trainer')).getByText('Restarting')).toBeTruthy();
    expect(within(card('Trainer')).getByText(/^2, last exit SIGKILL at/)).toBeTruthy();
  });

  it('summarises every case', () => {
    expect(summarize([])).toBe('No services configured.');
    expect(summarize([trainer()])).toBe('The service is serving.');
    expect(summarize([trainer(), attack()])).toBe('All 2 services are serving.');
    expect(summarize([trainer({ status: 'UNREACHABLE' }), attack({ status: 'UNKNOWN' })])).toBe('0 of 2 services serving.');
  });
});

describe('ServicesHealth', () => {
  it('loads the statuses and renders them', async () => {
    const load = jest.fn(async () => [trainer(), attack({ status: 'UNREACHABLE' })]);
    render(await ServicesHealth({ load }));
    expect(load).toHaveBeenCalledTimes(1);
    expect(card('Trainer').dataset['status']).toBe('SERVING');
    expect(card('Attack server').dataset['status']).toBe('UNREACHABLE');
    expect(screen.getByRole('status').querySelector('time')).not.toBeNull();
  });
});

describe('HealthPanelSkeleton', () => {
  it('marks itself busy and draws one placeholder per service', () => {
    render(<HealthPanelSkeleton count={3} />);
    const region = screen.getByRole('region', { name: 'Checking services' });
    expect(region.getAttribute('aria-busy')).toBe('true');
    expect(within(region).getAllByRole('listitem')).toHaveLength(3);
  });
});
