/**
 * End to end in headless Chromium: a real trainer and attack server on port 0 with a
 * temporary data directory, the built dashboard with `next start`, and the flows people
 * use: start a run from the form and watch its curves grow, open the gallery and count
 * the 20 pairs, run a live attack and watch frames arrive, import an image folder from
 * the Datasets page. Screenshots of every page go
 * to apps/dashboard/test-artifacts/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { AttackStreamServiceClient, Split, TrainerServiceClient, promiseClient } from '@advlab/contract';
import { startAttackServer } from '@advlab/attack-service';
import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import { ensureBuilt, startDashboard, stopDashboard, type Dashboard } from './support/next-app';

jest.setTimeout(300_000);

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

type AttackServer = Awaited<ReturnType<typeof startAttackServer>>;

/** Resolves with the gRPC status code a call fails with, or null when it succeeds. */
function statusOf(call: Promise<unknown>): Promise<number | null> {
  return call.then(
    () => null,
    (error: { code?: number }) => error.code ?? grpc.status.UNKNOWN,
  );
}

/** Whether the attack server streams frames, or the status it refuses with. */
function streamAttackStatus(address: string, modelId: string, datasetId: string): Promise<number | null> {
  const client = new AttackStreamServiceClient(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    const call = client.streamAttack({ modelId, image: { $case: 'datasetImage', value: { datasetId, split: Split.SPLIT_UNSPECIFIED, index: 0 } }, attack: { method: 2, norm: 1, loss: 0, epsilon: 8 / 255, steps: 2, stepSize: 2 / 255 } });
    call.on('data', () => {
      call.cancel();
      resolve(null);
    });
    call.on('error', (error: grpc.ServiceError) => resolve(error.code === grpc.status.CANCELLED ? null : error.code));
    call.on('end', () => resolve(null));
  }).finally(() => client.close()) as Promise<number | null>;
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
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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
    await page.getByTestId('run-evaluation').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('table', { name: /Confusion matrix/ }).locator('tbody tr').count()).toBe(10);
    await shot('run-detail-finished');

    const { run } = await promiseClient(new TrainerServiceClient(trainer.address, grpc.credentials.createInsecure())).getRun({ runId });
    modelId = run?.modelId ?? '';
    expect(modelId).toMatch(/^mdl-/);

    await page.goto(url('/runs'));
    await page.locator(`tr[data-run-id="${runId}"]`).getByText('Succeeded').waitFor();
    await shot('runs');
  });

  it('shows the gallery of 20 clean / adversarial / perturbation triples', async () => {
    const api = promiseClient(new TrainerServiceClient(trainer.address, grpc.credentials.createInsecure()));
    const attackStatus = await statusOf(api.attack({ modelId, datasetId: '', split: 0, maxImages: 4, gallerySize: 0, seed: 0, curveEpsilons: [], contactSheet: false }));
    await page.goto(url(`/gallery?model=${modelId}&method=pgd&eps=8&steps=5&step=2&seed=0`), { timeout: 120_000 });
    if (attackStatus === grpc.status.UNIMPLEMENTED) {
      expect(await page.getByRole('alert').textContent()).toContain('UNIMPLEMENTED');
    } else {
      expect(attackStatus).toBeNull();
      await page.getByTestId('gallery').waitFor({ timeout: 120_000 });
      expect(await page.getByTestId('gallery-item').count()).toBe(20);
      expect(await page.locator('[data-check="budget"]').getAttribute('data-pass')).toBe('true');
      expect(await page.locator('[data-check="eps0"]').getAttribute('data-pass')).toBe('true');
      await page.getByLabel('Perturbation amplification').fill('30');
      await page.getByText('δ × 30').first().waitFor();
    }
    await shot('gallery');
  });

  it('runs a live attack and shows the frames as they arrive', async () => {
    const streamStatus = await streamAttackStatus(attack.address, modelId, 'fashion-mnist-mini');
    await page.goto(url(`/live?model=${modelId}`));
    await page.getByLabel('Steps').fill('12');
    await page.getByRole('button', { name: 'Start attack' }).click();
    if (streamStatus === grpc.status.UNIMPLEMENTED) {
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('UNIMPLEMENTED');
    } else {
      expect(streamStatus).toBeNull();
      const frames = () => page.getByTestId('live-attack').getAttribute('data-frames').then(Number);
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="live-attack"]')?.getAttribute('data-frames')) >= 1, null, { timeout: 60_000 });
      await page.locator('[data-testid="live-attack"][data-status="done"]').waitFor({ timeout: 120_000 });
      expect(await frames()).toBeGreaterThanOrEqual(12);
      expect(await page.getByRole('list', { name: 'Top classes by probability' }).locator('li[data-label]').count()).toBe(5);
    }
    await shot('live-attack');
  });

  it('shows datasets with samples, models and sweeps', async () => {
    await page.goto(url('/datasets'));
    const sampleStatus = await statusOf(promiseClient(new TrainerServiceClient(trainer.address, grpc.credentials.createInsecure())).sampleDataset({ datasetId: 'fashion-mnist-mini', split: 0, count: 1, seed: 0 }));
    if (sampleStatus === null) {
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="sample"]').length >= 32 + 3 * 8, null, { timeout: 60_000 });
    }
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
});
