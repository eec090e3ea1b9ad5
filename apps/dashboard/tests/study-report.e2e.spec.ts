/**
 * A study in headless Chromium: started from the Studies page on the toy colours (quick
 * preset) through a real trainer, its page refreshes until every stage is done and shows the
 * report; the HTML file its download gives opens offline, every request to the network
 * refused: every section is there, every image loads from its data URL, nothing is logged to
 * the console. Screenshots go to apps/dashboard/test-artifacts/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { chromium, type Browser } from 'playwright-core';
import { TrainerServiceClient, type ImportDatasetResponse } from '@advlab/contract';
import { startTrainerServer, STUDY_REPORT_SECTIONS, type TrainerServer } from '@advlab/trainer-service';
import { writeToyImageFolder } from '@advlab/trainer-service/testing';
import { ensureBuilt, startDashboard, stopDashboard, type Dashboard } from './support/next-app';

jest.setTimeout(300_000);

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function drain<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (m: T) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

describe('a study report in a browser (real trainer, next start, chromium)', () => {
  let dir: string;
  let trainer: TrainerServer;
  let dashboard: Dashboard | undefined;
  let browser: Browser;
  let studyId = '';

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.rmSync(path.join(ARTIFACTS, 'study-report.html'), { force: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-study-report-'));
    await writeToyImageFolder(path.join(dir, 'toy'), { perClass: 12, size: 16 });
    fs.rmSync(path.join(dir, 'toy', 'red', 'broken.png'));
    fs.mkdirSync(path.join(dir, 'unlabelled'));
    for (const cls of ['red', 'green', 'blue']) fs.copyFileSync(path.join(dir, 'toy', cls, '1.png'), path.join(dir, 'unlabelled', `${cls}.png`));
    [, trainer] = await Promise.all([ensureBuilt(), startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [dir] } })]);
    const client = new TrainerServiceClient(trainer.address, grpc.credentials.createInsecure());
    const imported = await drain<ImportDatasetResponse>(client.importDataset({ name: 'toy', source: { $case: 'imageFolder', value: path.join(dir, 'toy') }, imageSize: 16, testFolder: '', maxPixels: 0 }));
    const dataset = imported.flatMap((m) => (m.event?.$case === 'dataset' ? [m.event.value] : []))[0];
    client.close();
    expect(dataset?.name).toBe('toy');
    dashboard = await startDashboard({ ADVLAB_TRAINER_ADDR: trainer.address, ADVLAB_ATTACK_ADDR: '127.0.0.1:9' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });

  afterAll(async () => {
    await browser?.close();
    await stopDashboard(dashboard);
    await trainer?.shutdown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts a quick study from the Studies page, whose report fills in until every stage is done', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dashboard?.url}/studies`);
    const form = page.getByRole('form', { name: 'Start a study' });
    await form.getByLabel('Dataset').selectOption({ label: 'toy' });
    await form.getByLabel('Preset').selectOption('quick');
    await form.getByLabel('Test folder to submit').fill(path.join(dir, 'unlabelled'));
    await form.getByLabel('Name').fill('toy study');
    await form.getByRole('button', { name: 'Start study' }).click();
    await page.waitForURL(/\/studies\/run-[\w-]+$/, { timeout: 30_000 });
    studyId = page.url().split('/').pop() as string;
    // The page refreshes itself while the study runs.
    await page.getByTestId('study-progress').getByText('5 of 5 stages finished').waitFor({ timeout: 180_000 });
    await page.goto(`${dashboard?.url}/studies`);
    await page.getByRole('link', { name: 'toy study' }).first().click();
    await page.waitForURL(new RegExp(`/studies/${studyId}$`));
    const frame = page.frameLocator('iframe[title="Study report"]');
    await frame.locator('section#gallery figure').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'study-page.png'), fullPage: true });

    const report = await page.request.get(`${dashboard?.url}/api/studies/${studyId}/report`);
    expect(report.status()).toBe(200);
    expect(report.headers()['content-disposition']).toContain(`study-${studyId}.html`);
    fs.writeFileSync(path.join(ARTIFACTS, 'study-report.html'), await report.text());
    const csv = await page.request.get(`${dashboard?.url}/api/studies/${studyId}/report?part=submission`);
    expect((await csv.text()).trim().split('\n')).toEqual(['id,label', expect.stringMatching(/^blue\.png,/), expect.stringMatching(/^green\.png,/), expect.stringMatching(/^red\.png,/)]);
    await page.close();
  });

  it('the exported HTML reads offline: every section, every image, no console error', async () => {
    const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
    const requested: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      requested.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning' ? problems.push(`${m.type()}: ${m.text()}`) : undefined));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    await page.goto(`file://${path.join(ARTIFACTS, 'study-report.html')}`);
    for (const id of STUDY_REPORT_SECTIONS) expect(await page.locator(`section#${id} h2`).count()).toBe(1);
    expect(await page.locator('.pending').count()).toBe(0);
    const images = await page.locator('img').evaluateAll((els) => (els as HTMLImageElement[]).map((img) => ({ ok: img.complete && img.naturalWidth > 0, src: img.src.slice(0, 22) })));
    // Clean, adversarial and perturbation per gallery item (the toy set's held-out images are few).
    const items = await page.locator('section#gallery figure').count();
    expect(items).toBeGreaterThanOrEqual(3);
    expect(images).toHaveLength(3 * items);
    expect(images.every((i) => i.ok && i.src === 'data:image/png;base64,')).toBe(true);
    expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('a[download="submission.csv"]').getAttribute('href')).toMatch(/^data:text\/csv;base64,/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'study-report.png'), fullPage: true });
    expect(requested).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
