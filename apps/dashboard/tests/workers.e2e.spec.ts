/**
 * The Workers page in headless Chromium: a fake trainer answers ListWorkers with the api and
 * a worker that stopped sending heartbeats; the page, reached from the sidebar, shows both
 * with their states, and picks up a change on its own a few seconds later.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TrainerServiceService, Worker, WorkerRole, WorkerState } from '@advlab/contract';
import { ensureBuilt, startDashboard, stopDashboard, type Dashboard } from './support/next-app';

jest.setTimeout(240_000);

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

describe('the Workers page (fake trainer, next start, chromium)', () => {
  let server: grpc.Server;
  let dashboard: Dashboard | undefined;
  let browser: Browser;
  let page: Page;
  let lostState = WorkerState.WORKER_STATE_LOST;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const startedAt = new Date(Date.now() - 3_600_000);
    server = new grpc.Server();
    server.addService(TrainerServiceService, {
      listWorkers: (_call: unknown, done: grpc.sendUnaryData<unknown>) => {
        const now = Date.now();
        done(null, {
          workers: [
            Worker.fromPartial({ id: 'w-api-0-7-00ff', role: WorkerRole.WORKER_ROLE_API, state: WorkerState.WORKER_STATE_ALIVE, host: 'api-0', pid: 7, backend: 'cpu', threads: 1, startedAt, heartbeatAt: new Date(now - 1_000), version: '0.1.0' }),
            Worker.fromPartial({ id: 'w-gpu-0-88-ffff', role: WorkerRole.WORKER_ROLE_WORKER, state: lostState, host: 'gpu-0', pid: 88, backend: 'onednn', threads: 8, slots: 2, startedAt, heartbeatAt: new Date(now - 95_000), version: '0.1.0' }),
          ],
        });
      },
    } as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    await ensureBuilt();
    dashboard = await startDashboard({ ADVLAB_TRAINER_ADDR: `127.0.0.1:${port}`, ADVLAB_ATTACK_ADDR: '127.0.0.1:9' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await stopDashboard(dashboard);
    server?.forceShutdown();
  });

  it('lists the api and the lost worker with their states, and refreshes itself', async () => {
    await page.goto(`${dashboard?.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workers' }).click();
    await page.waitForURL(/\/workers$/);
    const table = page.getByRole('table', { name: 'Workers' });
    const row = (id: string) => table.locator(`tr[data-worker-id="${id}"]`);
    await row('w-api-0-7-00ff').waitFor({ timeout: 30_000 });
    expect(await table.locator('tbody tr').count()).toBe(2);
    expect(await row('w-api-0-7-00ff').getAttribute('data-state')).toBe('alive');
    expect(await row('w-api-0-7-00ff').locator('[data-field="role"]').textContent()).toBe('API');
    expect(await row('w-gpu-0-88-ffff').getAttribute('data-state')).toBe('lost');
    expect(await row('w-gpu-0-88-ffff').locator('[data-worker-state]').textContent()).toBe('Lost');
    expect(await row('w-gpu-0-88-ffff').locator('[data-field="backend"]').textContent()).toBe('onednn × 8 threads');
    expect(await row('w-gpu-0-88-ffff').locator('[data-field="heartbeat"]').textContent()).toMatch(/^1m 3\ds ago$/);
    expect(await page.getByRole('status').filter({ hasText: 'processes' }).textContent()).toContain('2 processes: 1 alive, 1 lost.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'workers.png'), fullPage: true });

    lostState = WorkerState.WORKER_STATE_STOPPED;
    await table.locator('tr[data-worker-id="w-gpu-0-88-ffff"][data-state="stopped"]').waitFor({ timeout: 15_000 });
  });
});
