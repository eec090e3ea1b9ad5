import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import { writeToyImageFolder } from '@advlab/trainer-service/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, startCli, waitFor } from './testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('advlab study and advlab report against a real trainer', () => {
  let dir: string;
  let server: TrainerServer;
  let env: Record<string, string>;
  let datasetId: string;
  let studyId: string;
  const cli = (...argv: string[]) => runCli(argv, { env, cwd: dir });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-cli-study-'));
    await writeToyImageFolder(path.join(dir, 'toy'), { perClass: 12, size: 16 });
    fs.rmSync(path.join(dir, 'toy', 'red', 'broken.png'));
    // The "competition" folder: flat, unlabelled.
    fs.mkdirSync(path.join(dir, 'unlabelled'));
    for (const cls of ['red', 'green', 'blue']) for (const f of ['0.jpg', '1.png']) fs.copyFileSync(path.join(dir, 'toy', cls, f), path.join(dir, 'unlabelled', `${cls}-${f}`));
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [dir] } });
    env = { ADVLAB_TRAINER_ADDR: server.address };
    const imported = await cli('import', 'toy', 'toy', '--size', '16', '--json');
    datasetId = JSON.parse(imported.stdout).id;
  }, 60_000);

  afterAll(async () => {
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('study follows the five stages with a line as each begins and ends, then writes the report and the submission', async () => {
    const res = await cli(
      'study', '--dataset', datasetId, '--preset', 'quick',
      '--axis', 'model.feature_maps=[4,8]', '--axis', 'model.use_skip=true,false',
      '--epochs', '1', '--adv-epochs', '1', '--attack-images', '12',
      '--test-folder', 'unlabelled', '--report', 'report.html', '--csv', 'submission.csv', '--name', 'toy study',
    );
    expect(res.code).toBe(0);
    for (const [i, name] of ['tuning', 'mixup / cutmix / ova', 'pgd-20 attack', 'adversarial training', 'submission'].entries()) {
      expect(res.stderr).toContain(`stage ${i + 1}/5 ${name}`);
      expect(res.stderr).toMatch(new RegExp(`stage ${name.replace(/[/]/g, '\\/')} done in .+: \\S`));
    }
    expect(res.stderr).toMatch(/stage tuning done in .+: 2 trials, best/);
    expect(res.stdout).toMatch(/^study:\s+run-/m);
    expect(res.stdout).toContain('report written to');
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<section id="gallery">');
    expect(html).toContain(`Dataset <b>toy</b> (${datasetId})`);
    expect(html).toContain('on the validation split (the dataset has no test split)');
    const csv = fs.readFileSync(path.join(dir, 'submission.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,label');
    expect(csv.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(fs.readdirSync(path.join(dir, 'unlabelled')).sort());
    studyId = res.stdout.match(/^study:\s+(run-\S+)/m)?.[1] as string;
  }, 300_000);

  it('study --json prints the stages for scripts', async () => {
    const res = await cli('study', '--dataset', datasetId, '--preset', 'quick', '--axis', 'model.feature_maps=[4,8]', '--epochs', '1', '--adv-epochs', '1', '--attack-images', '6', '--json', '--quiet');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc).toMatchObject({ status: 'succeeded', runId: expect.stringMatching(/^run-/), modelId: expect.stringMatching(/^mdl-/) });
    expect(doc.stages.map((s: { stage: string }) => s.stage)).toEqual(['tuning', 'mixup / cutmix / ova', 'pgd-20 attack', 'adversarial training', 'submission']);
    expect(doc.stages[4].skipped).toBe('no test folder was given');
  }, 300_000);

  it('report writes the self-contained HTML of a study, and refuses a run that is not one', async () => {
    const shown = await cli('run', studyId);
    expect(shown.stdout).toMatch(/^status:\s+succeeded/m);
    expect(shown.stdout).toMatch(/^ {2}submission +\S+ +6 images predicted/m);
    const res = await cli('report', studyId, '--out', 'again.html', '--csv', 'again.csv');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('5 of 5 stages finished');
    const html = fs.readFileSync(path.join(dir, 'again.html'), 'utf8');
    for (const id of ['overview', 'tuning', 'variants', 'robustness', 'gallery', 'curves', 'per-class', 'confusion', 'submission']) expect(html).toContain(`<section id="${id}">`);
    expect(fs.readFileSync(path.join(dir, 'again.csv'), 'utf8').trim().split('\n')).toHaveLength(7);

    const { runs } = JSON.parse((await cli('runs', '--kind', 'study', '--json')).stdout);
    expect(runs.length).toBe(2);
    const child = JSON.parse((await cli('runs', '--trials', '--kind', 'train', '--json')).stdout).runs[0].id;
    const refused = await cli('report', child, '--out', 'x.html');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('is not a study');
    expect((await cli('report', 'run-missing', '--out', 'x.html')).code).not.toBe(0);
  }, 60_000);

  it('watch follows a study stage by stage; cancel stops it and the child run it is in', async () => {
    const started = await cli('study', '--dataset', datasetId, '--preset', 'quick', '--axis', 'model.feature_maps=[4,8]', '--epochs', '400', '--detach', '--json');
    expect(started.code).toBe(0);
    const id = JSON.parse(started.stdout).runId as string;
    const watching = startCli(['watch', id], { env, cwd: dir });
    await waitFor(() => watching.stderr().includes('stage 1/5 tuning'));
    const cancelled = await cli('cancel', id);
    expect(cancelled.code).toBe(0);
    const watched = await watching.done;
    expect(watched.code).toBe(1);
    expect(watched.stderr).not.toContain('stage 2/5');
    expect(JSON.parse((await cli('run', id, '--json')).stdout).status).toBe('cancelled');
    const runs = JSON.parse((await cli('runs', '--trials', '--all', '--json')).stdout).runs as { id: string; parentRunId: string; status: string; kind: string }[];
    const sweep = runs.find((r) => r.parentRunId === id);
    expect(sweep).toMatchObject({ kind: 'sweep', status: 'cancelled' });
    expect(runs.filter((r) => r.parentRunId === sweep?.id).map((r) => r.status)).toContain('cancelled');
  }, 120_000);
});
