/**
 * The built dashboard, started with `next start`, renders the health of real gRPC servers.
 * Builds once when `.next` is missing or older than the sources it is built from.
 */
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { DASHBOARD_SERVICES } from '@advlab/dashboard-data-access';
import { ensureBuilt, startDashboard, stopDashboard, type Dashboard } from './support/next-app';

jest.setTimeout(240_000);

const [TRAINER, ATTACK] = DASHBOARD_SERVICES;

interface HealthServer {
  server: grpc.Server;
  health: HealthImplementation;
  address: string;
}

async function startHealthServer(service: string, status: ServingStatus): Promise<HealthServer> {
  const server = new grpc.Server();
  const health = new HealthImplementation({ '': status, [service]: status });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, health, address: `127.0.0.1:${port}` };
}

/** The `data-status` of a service's card in the rendered page. */
function statusOf(html: string, id: string): string | undefined {
  return new RegExp(`data-service="${id}"[^>]*data-status="([A-Z_]+)"`).exec(html)?.[1];
}

/** The rendered HTML of `route`, without the inline scripts that carry the same content as data. */
async function page(dashboard: Dashboard | undefined, route = '/'): Promise<string> {
  if (!dashboard) throw new Error('the dashboard did not start');
  const response = await fetch(`${dashboard.url}${route}`);
  expect(response.status).toBe(200);
  return (await response.text()).replace(/<script\b[\s\S]*?<\/script>/g, '');
}

describe('dashboard health page (next build + next start + real gRPC servers)', () => {
  let trainer: HealthServer;
  let attack: HealthServer;
  let dashboard: Dashboard | undefined;

  beforeAll(async () => {
    [, trainer, attack] = await Promise.all([
      ensureBuilt(),
      startHealthServer(TRAINER.grpcService, 'SERVING'),
      startHealthServer(ATTACK.grpcService, 'NOT_SERVING'),
    ]);
    dashboard = await startDashboard({ ADVLAB_TRAINER_ADDR: trainer.address, ADVLAB_ATTACK_ADDR: attack.address });
  });

  afterAll(async () => {
    await stopDashboard(dashboard);
    trainer?.server.forceShutdown();
    attack?.server.forceShutdown();
  });

  it('renders each service with its state, address and latency', async () => {
    const html = await page(dashboard);
    expect(statusOf(html, 'trainer')).toBe('SERVING');
    expect(statusOf(html, 'attack')).toBe('NOT_SERVING');
    expect(html).toContain('>Serving<');
    expect(html).toContain('>Not serving<');
    expect(html).toContain(trainer.address);
    expect(html).toContain(attack.address);
    expect(html).toMatch(/\d+ ms/);
    expect(html).toContain('1 of 2 services serving.');
    expect(html).toContain('<title>Health · advlab</title>');
  });

  it('checks again on every request', async () => {
    trainer.health.setStatus(TRAINER.grpcService, 'NOT_SERVING');
    attack.health.setStatus(ATTACK.grpcService, 'SERVING');
    const html = await page(dashboard);
    expect(statusOf(html, 'trainer')).toBe('NOT_SERVING');
    expect(statusOf(html, 'attack')).toBe('SERVING');
  });

  it('shows a stopped service as UNREACHABLE', async () => {
    attack.server.forceShutdown();
    const html = await page(dashboard);
    expect(statusOf(html, 'attack')).toBe('UNREACHABLE');
    expect(html).toContain('>Unreachable<');
    expect(statusOf(html, 'trainer')).toBe('NOT_SERVING');
  });

  it('serves the shell, and a page whose RPCs a server lacks says so', async () => {
    const html = await page(dashboard, '/gallery');
    expect(html).toContain('aria-label="Main"');
    expect(html).toContain('Not available yet');
    expect(html).toContain('UNIMPLEMENTED');
    expect(html).not.toContain('data-service=');
    const missing = await fetch(`${dashboard?.url}/no-such-page`);
    expect(missing.status).toBe(404);
  });
});
