/**
 * End to end in headless Chromium: a real trainer and attack server on port 0 with a
 * temporary data directory, the built dashboard with `next start`, and the flows people
 * use: start a run from the form and watch its curves grow, open the gallery and count
 * the 20 pairs, run a live attack and watch frames arrive, import an image folder from
 * the Datasets page; then a page of another origin tries to start work through the
 * dashboard and a request names another host, and both are refused. Screenshots of every
 * page go to apps/dashboard/test-artifacts/.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { AttackStreamServiceClient, Split, TrainerServiceClient, promiseClient } from '@advlab/contract';
import { importDatasetRequestSchema, newRunRequestSchema } from '@advlab/dashboard-util';
import { startAttackServer } from '@advlab/attack-service';
import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import { ensureBuilt, startDashboard, stopDashboard, type Dashboard } from './support/next-app';

jest.setTimeout(300_000);

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const REBOUND_HOST = 'evil.example';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

type AttackServer = Awaited<ReturnType<typeof startAttackServer>>;

/** Null when the attack server streams frames, else the status it refuses with. */
function streamAttackStatus(address: string, modelId: string, datasetId: string): Promise<number | null> {
  const client = new AttackStreamServiceClient(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    const call = client.streamAttack({ modelId, image: { $case: 'datasetImage', value: { datasetId, split: Split.SPLIT_UNSPECIFIED, index: 0 } }, attack: { method: 2, norm: 1, loss: 0, autoattackVersion: 0, epsilon: 8 / 255, steps: 2, stepSize: 2 / 255 } });
    call.on('data', () => {
      call.cancel();
      resolve(null);
    });
    call.on('error', (error: grpc.ServiceError) => resolve(error.code === grpc.status.CANCELLED ? null : error.code));
    call.on('end', () => resolve(null));
  }).finally(() => client.close()) as Promise<number | null>;
}

/** A request from Node, with whatever Host header it is given. */
function rawRequest(port: number, options: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type'] ?? ''), body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A page on another origin that tries to start work through the dashboard in three ways. */
function crossSitePage(target: string, writes: ReadonlyArray<{ path: string; body: unknown }>): string {
  return `<!doctype html><html><body><script>
const target = ${JSON.stringify(target)};
const writes = ${JSON.stringify(writes)};
window.results = [];
(async () => {
  for (const w of writes) {
    const json = JSON.stringify(w.body);
    try {
      const r = await fetch(target + w.path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json });
      results.push({ path: w.path, mode: 'cors', outcome: 'answered ' + r.status });
    } catch (e) {
      results.push({ path: w.path, mode: 'cors', outcome: 'blocked' });
    }
    try {
      const r = await fetch(target + w.path, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: json });
      results.push({ path: w.path, mode: 'no-cors', outcome: r.type });
    } catch (e) {
      results.push({ path: w.path, mode: 'no-cors', outcome: 'blocked' });
    }
  }
  writes.forEach((w, i) => {
    const frame = document.createElement('iframe');
    frame.name = 'sink' + i;
    document.body.appendChild(frame);
    const form = document.createElement('form');
    form.method = 'post';
    form.enctype = 'text/plain';
    form.action = target + w.path;
    form.target = frame.name;
    // text/plain sends name=value: this name and value make the body the write's JSON.
    const json = JSON.stringify(w.body);
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = json.slice(0, -1) + ',"pad":"';
    input.value = '"}';
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  });
  window.done = true;
})();
</script></body></html>`;
}

describe('dashboard in a browser (real trainer, attack server, next start, chromium)', () => {
  let dir: string;
  let trainer: TrainerServer;
  let attack: AttackServer;
  let dashboard: Dashboard | undefined;
  let browser: Browser;
  let page: Page;
  let runId = '';
  let modelId = '';

  const trainerApi = () => promiseClient(new TrainerServiceClient(trainer.address, grpc.credentials.createInsecure()));
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const url = (route: string) => `${dashboard?.url}${route}`;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-dashboard-e2e-'));
    const dataDir = path.join(dir, 'data');
    const attackOptions = { dataDir, port: 0, logger: quiet } as Parameters<typeof startAttackServer>[0];
    [, trainer, attack] = await Promise.all([ensureBuilt(), startTrainerServer({ dataDir, port: 0, logger: quiet, files: { importRoots: [dir] } }), startAttackServer(attackOptions)]);
    dashboard = await startDashboard({ ADVLAB_TRAINER_ADDR: trainer.address, ADVLAB_ATTACK_ADDR: attack.address });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // evil.example resolves to 127.0.0.1 in this browser, as it would after DNS rebinding.
      args: [`--host-resolver-rules=MAP ${REBOUND_HOST} 127.0.0.1`, '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await stopDashboard(dashboard);
    await attack?.shutdown();
    await trainer?.shutdown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts a training run from the form and draws its curves as batches arrive', async () => {
    await page.goto(url('/runs/new'));
    await page.getByLabel('Epochs').fill('0');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByText('Epochs must be at least 1').waitFor();
    await page.getByLabel('Name').fill('e2e small cnn');
    await page.getByLabel('Feature maps').fill('8, 16');
    await page.getByLabel('Epochs').fill('1');
    await page.getByLabel('Batch size').fill('64');
    await page.getByLabel('Learning rate (Adam)').fill('0.003');
    await shot('new-run-form');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/\/runs\/run-[\w-]+$/, { timeout: 30_000 });
    runId = page.url().split('/').pop() as string;

    const lossPoints = () => page.locator('[data-testid="run-curves"] figure').first().getAttribute('data-points').then(Number);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-curves"] figure')?.getAttribute('data-points')) >= 2, null, { timeout: 90_000 });
    const early = await lossPoints();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="run-curves"] figure')?.getAttribute('data-points')) > n, early, { timeout: 60_000 });
    expect(await lossPoints()).toBeGreaterThan(early);
    await shot('run-live');

    await page.locator('[data-run-state="succeeded"]').waitFor({ timeout: 180_000 });
    // Opening the run evaluates nothing; the button does.
    await page.getByRole('button', { name: 'Evaluate on held-out data' }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('run-evaluation').count()).toBe(0);
    await page.getByRole('button', { name: 'Evaluate on held-out data' }).click();
    await page.getByTestId('run-evaluation').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('table', { name: /Confusion matrix/ }).locator('tbody tr').count()).toBe(10);
    await shot('run-detail-finished');

    const { run } = await trainerApi().getRun({ runId });
    modelId = run?.modelId ?? '';
    expect(modelId).toMatch(/^mdl-/);

    await page.goto(url('/runs'));
    await page.locator(`tr[data-run-id="${runId}"]`).getByText('Succeeded').waitFor();
    await shot('runs');
  });

  it('shows the gallery of 20 clean / adversarial / perturbation triples once the attack is asked for', async () => {
    await page.goto(url(`/gallery?model=${modelId}&method=pgd&eps=8&steps=5&step=2&seed=0`));
    const form = page.getByRole('form', { name: 'Gallery settings' });
    expect(await form.getByLabel('Steps').inputValue()).toBe('5');
    expect(await form.getByLabel('Model').inputValue()).toBe(modelId);
    // The GET only fills the form.
    await page.getByText('Choose a model and an attack').waitFor();
    expect(await page.getByTestId('gallery').count()).toBe(0);
    await form.getByRole('button', { name: 'Attack' }).click();
    await page.getByTestId('gallery').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('gallery-item').count()).toBe(20);
    expect(await page.locator('[data-check="budget"]').getAttribute('data-pass')).toBe('true');
    expect(await page.locator('[data-check="eps0"]').getAttribute('data-pass')).toBe('true');
    await page.getByLabel('Perturbation amplification').fill('30');
    await page.getByText('δ × 30').first().waitFor();
    await shot('gallery');
  });

  it('runs a live attack and shows the frames as they arrive', async () => {
    expect(await streamAttackStatus(attack.address, modelId, 'fashion-mnist-mini')).toBeNull();
    await page.goto(url(`/live?model=${modelId}`));
    await page.getByLabel('Steps').fill('12');
    await page.getByRole('button', { name: 'Start attack' }).click();
    const frames = () => page.getByTestId('live-attack').getAttribute('data-frames').then(Number);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="live-attack"]')?.getAttribute('data-frames')) >= 1, null, { timeout: 60_000 });
    await page.locator('[data-testid="live-attack"][data-status="done"]').waitFor({ timeout: 120_000 });
    expect(await frames()).toBeGreaterThanOrEqual(12);
    expect(await page.getByRole('list', { name: 'Top classes by probability' }).locator('li[data-label]').count()).toBe(5);
    await shot('live-attack');
  });

  it('shows datasets with samples, models and sweeps', async () => {
    const { samples } = await trainerApi().sampleDataset({ datasetId: 'fashion-mnist-mini', split: 0, count: 1, seed: 0 });
    expect(samples).toHaveLength(1);
    await page.goto(url('/datasets'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sample"]').length >= 32 + 3 * 8, null, { timeout: 60_000 });
    await shot('datasets');

    const folder = path.join(dir, 'shapes');
    await Promise.all(
      ['circle', 'square'].flatMap((label, c) =>
        [0, 1, 2, 3].map(async (i) => {
          fs.mkdirSync(path.join(folder, label), { recursive: true });
          const pixels = Buffer.alloc(16 * 16 * 3, c === 0 ? 40 + i * 20 : 200 - i * 20);
          await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(path.join(folder, label, `${i}.png`));
        }),
      ),
    );
    await page.getByLabel('Name').fill('e2e-shapes');
    await page.getByLabel('Folder path').fill(folder);
    await page.getByLabel('Image size').fill('16');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-result').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('import-result').textContent()).toContain('Imported e2e-shapes: 2 classes, 8 training images, 16 px.');
    await page.getByRole('table', { name: 'Datasets' }).getByRole('link', { name: 'e2e-shapes' }).waitFor({ timeout: 10_000 });
    await shot('datasets-imported');

    await page.goto(url('/models'));
    await page.locator(`tr[data-model-id="${modelId}"]`).waitFor();
    await shot('models');
    await page.goto(url('/sweeps'));
    await page.getByText('No sweeps yet').waitFor();
    await shot('sweeps');
  });

  it('refuses writes from a page of another origin: CORS fetch, no-cors text/plain fetch and a text/plain form', async () => {
    if (!dashboard) throw new Error('the dashboard did not start');
    const target = dashboard.url;
    const api = trainerApi();
    const listRuns = async () => (await api.listRuns({ pageSize: 500, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: true })).runs.map((r) => r.id).sort();
    const listDatasets = async () => (await api.listDatasets({})).datasets.map((d) => d.id).sort();
    const [runsBefore, datasetsBefore] = await Promise.all([listRuns(), listDatasets()]);

    const train = {
      kind: 'train',
      name: 'cross-site',
      datasetId: 'fashion-mnist-mini',
      model: { featureMaps: [8, 16], dropRate: 0, batchNorm: true, useSkip: false },
      training: { epochs: 1, batchSize: 64, learningRate: 0.001, seed: 0, validationFraction: 0.1, lrSchedule: 'constant', loss: 'ce', mix: 'none', mixAlpha: 0.2, horizontalFlip: false, colorJitter: 0 },
    };
    const dataset = { name: 'cross-site-shapes', folder: path.join(dir, 'shapes'), imageSize: 16 };
    // Valid requests: only the guard stands between them and a new run, a new dataset and an evaluation.
    expect(newRunRequestSchema.safeParse(train).success).toBe(true);
    expect(importDatasetRequestSchema.safeParse(dataset).success).toBe(true);
    expect(fs.existsSync(dataset.folder)).toBe(true);
    const writes = [
      { path: '/api/runs', body: train },
      { path: '/api/datasets/import', body: dataset },
      { path: `/api/models/${modelId}/evaluate`, body: { epsilon255: 8, maxImages: 20 } },
    ];

    const evil = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(crossSitePage(target, writes));
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilOrigin = `http://127.0.0.1:${(evil.address() as { port: number }).port}`;
    const posts: Array<{ path: string; status: number }> = [];
    page.on('response', (response) => {
      const request = response.request();
      if (request.method() === 'POST' && request.url().startsWith(target)) posts.push({ path: new URL(request.url()).pathname, status: response.status() });
    });
    try {
      await page.goto(evilOrigin);
      await page.waitForFunction(() => (window as unknown as { done?: boolean }).done === true, null, { timeout: 30_000 });
      const results = (await page.evaluate(() => (window as unknown as { results: unknown[] }).results)) as Array<{ path: string; mode: string; outcome: string }>;
      // The JSON POST needs a CORS preflight, which the dashboard does not grant: it is never sent.
      expect(results.filter((r) => r.mode === 'cors').map((r) => r.outcome)).toEqual(['blocked', 'blocked', 'blocked']);
      expect(results.filter((r) => r.mode === 'no-cors')).toHaveLength(3);
      for (let i = 0; i < writes.length; i++) {
        const deadline = Date.now() + 30_000;
        let frame = page.frame({ name: `sink${i}` });
        while (!frame?.url().startsWith(target)) {
          if (Date.now() > deadline) throw new Error(`the form POST to ${writes[i].path} never answered`);
          await new Promise((resolve) => setTimeout(resolve, 100));
          frame = page.frame({ name: `sink${i}` });
        }
        await frame.waitForLoadState();
        expect(await frame.textContent('body')).toContain('"code":"PERMISSION_DENIED"');
      }
      await shot('cross-site-refused');
    } finally {
      page.removeAllListeners('response');
      await new Promise((resolve) => evil.close(resolve));
    }
    // Every POST that left the browser (the no-cors fetches and the forms) was refused by the guard.
    for (const write of writes) {
      expect(posts.filter((p) => p.path === write.path).map((p) => p.status)).toEqual([403, 403]);
    }
    expect(await listRuns()).toEqual(runsBefore);
    expect(await listDatasets()).toEqual(datasetsBefore);
  });

  it('refuses a request that names another host: a page, an API route, and a DNS-rebound page in the browser', async () => {
    if (!dashboard) throw new Error('the dashboard did not start');
    const port = Number(new URL(dashboard.url).port);
    const runsBefore = (await trainerApi().listRuns({ pageSize: 500, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: true })).runs.length;
    const pageAnswer = await rawRequest(port, { method: 'GET', path: '/runs', headers: { Host: REBOUND_HOST } });
    expect(pageAnswer.status).toBe(403);
    expect(pageAnswer.body).toContain('ADVLAB_DASHBOARD_HOSTS');
    const body = JSON.stringify({ name: 'rebound', folder: path.join(dir, 'shapes'), imageSize: 16 });
    const apiAnswer = await rawRequest(port, { method: 'POST', path: '/api/datasets/import', headers: { Host: `${REBOUND_HOST}:${port}`, Origin: `http://${REBOUND_HOST}:${port}`, 'Content-Type': 'application/json' }, body });
    expect(apiAnswer.status).toBe(403);
    expect(JSON.parse(apiAnswer.body)).toMatchObject({ error: { code: 'PERMISSION_DENIED' } });
    // The same request naming 127.0.0.1 would pass the guard: only the Host differs.
    expect((await rawRequest(port, { method: 'GET', path: '/runs', headers: { Host: `127.0.0.1:${port}` } })).status).toBe(200);

    // In the browser, evil.example now resolves to 127.0.0.1: the page's own-origin requests reach the dashboard.
    const rebound = await page.goto(`http://${REBOUND_HOST}:${port}/runs`);
    expect(rebound?.status()).toBe(403);
    const statuses = await page.evaluate(
      async ({ runId, train }) => {
        const post = await fetch('/api/runs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(train) });
        const read = await fetch(`/api/runs/${runId}/events`);
        return [post.status, read.status];
      },
      { runId, train: { kind: 'train', datasetId: 'fashion-mnist-mini' } },
    );
    expect(statuses).toEqual([403, 403]);
    expect((await trainerApi().listRuns({ pageSize: 500, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: true })).runs.length).toBe(runsBefore);
  });
});
