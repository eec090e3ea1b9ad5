/**
 * Token mode end to end: the trainer and the attack server require a bearer token, the
 * dashboard is started with the same ADVLAB_TOKEN. Without a session, pages redirect to
 * /signin and API routes answer 401; in headless Chromium, signing in through the page
 * sets an HttpOnly, SameSite=Strict cookie, and then the health page, the runs page and a
 * run started from the form work (the dashboard forwards the token to both services).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ServerInfoServiceClient, TrainerServiceClient, clientCredentials, promiseClient } from '@advlab/contract';
import { startAttackServer } from '@advlab/attack-service';
import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import { ensureBuilt, startDashboard, stopDashboard, type Dashboard } from './support/next-app';

jest.setTimeout(240_000);

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const TOKEN = 'e2e-token-0f3a9c';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

type AttackServer = Awaited<ReturnType<typeof startAttackServer>>;

describe('dashboard in token mode (ADVLAB_TOKEN, services with the same token, chromium)', () => {
  let dir: string;
  let trainer: TrainerServer;
  let attack: AttackServer;
  let dashboard: Dashboard | undefined;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const url = (route: string) => `${dashboard?.url}${route}`;
  const trainerApi = () => {
    const { credentials, options } = clientCredentials({ token: TOKEN });
    return promiseClient(new TrainerServiceClient(trainer.address, credentials, options));
  };

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-dashboard-token-'));
    const dataDir = path.join(dir, 'data');
    const attackOptions = { dataDir, port: 0, logger: quiet, token: TOKEN } as Parameters<typeof startAttackServer>[0];
    [, trainer, attack] = await Promise.all([ensureBuilt(), startTrainerServer({ dataDir, port: 0, logger: quiet, token: TOKEN }), startAttackServer(attackOptions)]);
    dashboard = await startDashboard({ ADVLAB_TRAINER_ADDR: trainer.address, ADVLAB_ATTACK_ADDR: attack.address, ADVLAB_TOKEN: TOKEN });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stopDashboard(dashboard);
    await attack?.shutdown();
    await trainer?.shutdown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('without a session: pages redirect to /signin, API routes answer 401, the sign-in page and assets load', async () => {
    for (const route of ['/', '/runs?status=running', '/gallery']) {
      const response = await fetch(url(route), { redirect: 'manual' });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(route)}`);
    }
    const write = await fetch(url('/api/runs'), { method: 'POST', headers: { Origin: url(''), 'Content-Type': 'application/json' }, body: '{}' });
    expect(write.status).toBe(401);
    expect(await write.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const read = await fetch(url('/api/runs/run-1/events'));
    expect(read.status).toBe(401);
    const signin = await fetch(url('/signin?next=%2Fruns'));
    expect(signin.status).toBe(200);
    const html = await signin.text();
    expect(html).toContain('Access token');
    const asset = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    expect((await fetch(url(asset ?? ''))).status).toBe(200);
    // A forged cookie (the token itself, or the session of another token) is no session.
    for (const value of [TOKEN, 'x'.repeat(43)]) {
      const forged = await fetch(url('/runs'), { redirect: 'manual', headers: { Cookie: `advlab_session=${value}` } });
      expect(forged.status).toBe(303);
    }
  });

  it('signs in through the page, with an HttpOnly SameSite=Strict cookie, then shows health and runs and starts a run', async () => {
    // Without the token, the services refuse this process's calls: what the pages show below came through the dashboard's token.
    const bare = new ServerInfoServiceClient(attack.address, grpc.credentials.createInsecure());
    const refused = await new Promise<number | undefined>((resolve) => bare.getServerInfo({}, (error) => resolve(error?.code)));
    bare.close();
    expect(refused).toBe(grpc.status.UNAUTHENTICATED);

    await page.goto(url('/runs'));
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/runs');
    await page.getByLabel('Access token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByText('That is not the dashboard’s access token.').textContent()).toBeTruthy();
    expect(await context.cookies()).toEqual([]);

    await page.getByLabel('Access token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/runs', { timeout: 30_000 });
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'advlab_session', httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(cookies[0].value).not.toContain(TOKEN);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.getByText('No runs match').waitFor();
    expect(await page.locator('[data-error-code]').count()).toBe(0);

    await page.goto(url('/'));
    for (const service of ['trainer', 'attack']) {
      await page.locator(`[data-service="${service}"][data-status="SERVING"]`).waitFor();
      expect(await page.locator(`[data-service="${service}"] [data-field="process"]`).textContent()).toContain(`pid ${process.pid}`);
    }
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'token-health.png'), fullPage: true });

    await page.goto(url('/runs/new'));
    await page.getByLabel('Name').fill('token-mode run');
    await page.getByLabel('Feature maps').fill('4, 8');
    await page.getByLabel('Epochs').fill('1');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/\/runs\/run-[\w-]+$/, { timeout: 30_000 });
    const runId = page.url().split('/').pop() as string;
    const { run } = await trainerApi().getRun({ runId });
    expect(run?.name).toBe('token-mode run');
    // Stop it: this test is about getting there, not about training.
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('[data-run-state="cancelled"]').waitFor({ timeout: 60_000 });
  });

  it('signs out: the cookie is gone and pages ask for the token again', async () => {
    await page.goto(url('/'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/signin');
    expect(await context.cookies()).toEqual([]);
    await page.goto(url('/runs'));
    expect(new URL(page.url()).pathname).toBe('/signin');
  });
});
