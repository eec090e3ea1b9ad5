import { RunStatus } from '@advlab/contract';
import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import { writeToyImageFolder } from '@advlab/trainer-service/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeInterrupt, runCli, startCli, waitFor } from './testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('advlab against a real trainer', () => {
  let dir: string;
  let server: TrainerServer;
  let env: Record<string, string>;
  let datasetId: string;
  let runId: string;
  let modelId: string;
  const cli = (...argv: string[]) => runCli(argv, { env, cwd: dir });
  /** A tiny model on the toy colours: trains in about a second. */
  const tiny = ['--feature-maps', '4,8', '--drop-rate', '0', '--batch-size', '8', '--lr', '0.01', '--val-fraction', '0.2'];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-cli-'));
    await writeToyImageFolder(path.join(dir, 'toy'), { perClass: 20, size: 16 });
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [dir] } });
    env = { ADVLAB_TRAINER_ADDR: server.address };
  }, 60_000);

  afterAll(async () => {
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('info names the tensor backend the trainer computes on', async () => {
    const { activeBackend, describeBackend } = await import('@advlab/model');
    const res = await cli('info', '--json');
    expect(res.code).toBe(0);
    // The trainer runs in this process: it resolved the same backend.
    expect(JSON.parse(res.stdout)).toMatchObject({ service: 'trainer', pid: process.pid, backend: activeBackend(), backend_detail: describeBackend() });
    expect((await cli('info')).stdout).toContain(`tensor backend: ${activeBackend()}`);
  });

  it('imports the toy folder (relative path) and lists the skipped file', async () => {
    const res = await cli('import', 'toy', 'toy', '--size', '16');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^dataset:\s+ds-/m);
    expect(res.stdout).toMatch(/red\s+20/);
    expect(res.stdout).toContain(path.join('red', 'broken.png'));
    const list = await cli('datasets', '--json');
    const datasets = JSON.parse(list.stdout).datasets as { id: string; name: string; classNames: string[]; imageSize: number }[];
    const toy = datasets.find((d) => d.name === 'toy');
    expect(toy).toMatchObject({ classNames: ['blue', 'green', 'red'], imageSize: 16 });
    datasetId = toy?.id as string;
    expect((await cli('datasets')).stdout).toContain(datasetId);
  }, 60_000);

  it('train --json follows the run to its end and prints the run, its history and the model', async () => {
    const res = await cli('train', '--dataset', datasetId, ...tiny, '--epochs', '3', '--seed', '3', '--name', 'toy-cli', '--json');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc).toMatchObject({ status: 'succeeded', runId: expect.stringMatching(/^run-/), modelId: expect.stringMatching(/^mdl-/) });
    expect(doc.run).toMatchObject({ id: doc.runId, name: 'toy-cli', status: 'succeeded', kind: 'train', modelId: doc.modelId, datasetId });
    expect(doc.run.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2, 3]);
    expect(doc.run.model.featureMaps).toEqual([4, 8]);
    expect(doc.model).toMatchObject({ id: doc.modelId, classNames: ['blue', 'green', 'red'] });
    // Not a terminal: plain progress lines on stderr, one per epoch.
    expect(res.stderr).toMatch(/epoch 3\/3 {2}loss/);
    runId = doc.runId;
    modelId = doc.modelId;
  }, 60_000);

  it('train --json-lines streams events then a summary line', async () => {
    const res = await cli('train', '--dataset', datasetId, ...tiny, '--epochs', '1', '--json-lines', '--quiet');
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'event', event: { created: expect.any(Object) } });
    expect(lines.filter((l) => l.event?.epoch)).toHaveLength(1);
    expect(lines[lines.length - 2].event.finished).toBeDefined();
    expect(lines[lines.length - 1]).toMatchObject({ type: 'summary', status: 'succeeded' });
  }, 60_000);

  it('train prints the run as a table for people', async () => {
    const res = await cli('train', '--dataset', datasetId, ...tiny, '--epochs', '2', '--mixup', '0.2', '--no-skip');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^status:\s+succeeded$/m);
    expect(res.stdout).toMatch(/^epoch\s+train loss\s+train acc\s+val loss\s+val acc/m);
    expect(res.stdout).toMatch(/mixup 0\.2/);
    expect(res.stdout).toMatch(/no-skip/);
    expect(res.stdout).toMatch(/^model mdl-\S+ stored$/m);
  }, 60_000);

  it('runs, models, run and model show the ids', async () => {
    const runs = await cli('runs');
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/^run\s+name\s+kind\s+status/);
    expect(runs.stdout).toContain(runId);
    expect((await cli('runs', '--status', 'succeeded', '--json')).stdout).toContain(runId);
    expect(JSON.parse((await cli('runs', '--status', 'failed', '--json')).stdout).runs).toEqual([]);

    const models = await cli('models');
    expect(models.stdout).toContain(modelId);
    expect(models.stdout).toContain('[4,8]');

    const run = await cli('run', runId);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^run:\\s+${runId}$`, 'm'));
    // Header, rule, three epochs.
    const history = run.stdout.slice(run.stdout.indexOf('epoch  train loss')).trim().split('\n');
    expect(history).toHaveLength(5);

    const model = await cli('model', modelId, '--json');
    expect(JSON.parse(model.stdout)).toMatchObject({ id: modelId, runId, datasetId });
  }, 60_000);

  it('evaluate --json: accuracy in [0, 1] and a confusion matrix that adds up', async () => {
    const res = await cli('evaluate', modelId, '--json');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.accuracy).toBeGreaterThanOrEqual(0);
    expect(doc.accuracy).toBeLessThanOrEqual(1);
    expect(doc.split).toBe('validation');
    expect(doc.numImages).toBe(12);
    expect(doc.confusion.counts.reduce((a: number, b: number) => a + b, 0)).toBe(doc.numImages);
    expect(doc.confusion.matrix.map((row: number[]) => row.reduce((a, b) => a + b, 0))).toEqual(doc.perClass.map((c: { support: number }) => c.support));
    const diagonal = doc.confusion.matrix.reduce((s: number, row: number[], i: number) => s + row[i], 0);
    expect(doc.accuracy).toBeCloseTo(diagonal / doc.numImages, 6);

    const human = await cli('evaluate', modelId, '--max-images', '6');
    expect(human.stdout).toMatch(/^split:\s+validation \(6 images\)$/m);
    expect(human.stdout).toMatch(/^true \\ predicted\s+blue\s+green\s+red$/m);
  }, 60_000);

  it('predict writes a submission CSV of the folder, leaving out an unreadable file', async () => {
    const folder = path.join(dir, 'unlabeled');
    fs.mkdirSync(folder);
    const files = ['a.png', 'b.png', 'c.jpg', 'd,e.png'];
    fs.copyFileSync(path.join(dir, 'toy', 'red', '1.png'), path.join(folder, files[0]));
    fs.copyFileSync(path.join(dir, 'toy', 'green', '2.png'), path.join(folder, files[1]));
    fs.copyFileSync(path.join(dir, 'toy', 'blue', '4.jpg'), path.join(folder, files[2]));
    fs.copyFileSync(path.join(dir, 'toy', 'blue', '5.png'), path.join(folder, files[3]));
    fs.writeFileSync(path.join(folder, 'junk.png'), 'not an image');

    const res = await cli('predict', modelId, 'unlabeled', '--out', 'submission.csv');
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/warning: junk\.png: /);
    expect(res.stdout).toMatch(/4 predictions written to .*submission\.csv \(1 unreadable files left out\)/);
    const [header, ...rows] = fs.readFileSync(path.join(dir, 'submission.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('id,label');
    expect(rows.map((r) => r.slice(0, r.lastIndexOf(',')))).toEqual(['a.png', 'b.png', 'c.jpg', '"d,e.png"']);
    for (const r of rows) expect(['blue', 'green', 'red']).toContain(r.slice(r.lastIndexOf(',') + 1));

    const json = JSON.parse((await cli('predict', modelId, folder, '--json', '--top-k', '2')).stdout);
    expect(json.predictions.map((p: { id: string }) => p.id)).toEqual(files);
    expect(json.predictions[0].topK).toHaveLength(2);
    expect(json.errors).toEqual([{ id: 'junk.png', error: expect.any(String) }]);

    const remote = JSON.parse((await cli('predict', modelId, folder, '--json', '--server-folder')).stdout);
    expect(remote.predictions.map((p: { id: string }) => p.id)).toEqual(files);
    expect(remote.predictions.map((p: { label: string }) => p.label)).toEqual(json.predictions.map((p: { label: string }) => p.label));
  }, 60_000);

  it('watch replays a finished run and exits 0', async () => {
    const res = await cli('watch', runId);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/epoch 3\/3/);
    expect(res.stdout).toMatch(/^status:\s+succeeded$/m);
    const json = JSON.parse((await cli('watch', runId, '--json')).stdout);
    expect(json).toMatchObject({ runId, status: 'succeeded', modelId });
  });

  it('train --detach returns once the run exists; cancel stops it; watch then exits 1', async () => {
    const started = await cli('train', '--dataset', datasetId, ...tiny, '--epochs', '1000', '--batch-size', '2', '--detach', '--json');
    expect(started.code).toBe(0);
    const { runId: longId, detached } = JSON.parse(started.stdout);
    expect(detached).toBe(true);
    await waitFor(async () => (await server.manager.get(longId)).status === RunStatus.RUN_STATUS_RUNNING);
    const cancelled = await cli('cancel', longId);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`run ${longId} (cancelled|is cancelling)`));
    const watched = await cli('watch', longId);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toMatch(new RegExp(`error: run ${longId} cancelled after \\d+ epoch`));
  }, 60_000);

  it('Ctrl-C during train detaches: the run goes on and the hint says how to watch or cancel it', async () => {
    const interrupt = new FakeInterrupt();
    const running = startCli(['train', '--dataset', datasetId, ...tiny, '--epochs', '1000', '--batch-size', '2'], { env, cwd: dir, interrupt });
    await waitFor(() => /epoch 1\/1000 {2}loss/.test(running.stderr()));
    interrupt.press();
    const res = await running.done;
    expect(res.code).toBe(130);
    const id = /run (run-\S+) created/.exec(res.stderr)?.[1] as string;
    expect(res.stderr).toContain(`advlab watch ${id}`);
    expect(res.stderr).toContain(`advlab cancel ${id}`);
    await new Promise((r) => setTimeout(r, 200));
    expect((await server.manager.get(id)).status).toBe(RunStatus.RUN_STATUS_RUNNING);
    expect((await cli('cancel', id, '--json')).code).toBe(0);
    await waitFor(async () => (await server.manager.get(id)).status === RunStatus.RUN_STATUS_CANCELLED);
  }, 60_000);

  it('sweep trains the grid and ranks the trials', async () => {
    const res = await cli(
      'sweep', '--dataset', datasetId, ...tiny, '--epochs', '1',
      '--axis', 'model.feature_maps=[4,8]|[4,4,8]', '--axis', 'training.learning_rate=0.01,0.001', '--json',
    );
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.status).toBe('succeeded');
    expect(doc.trials).toHaveLength(4);
    expect(doc.trials.map((t: { rank: number }) => t.rank)).toEqual([1, 2, 3, 4]);
    const accuracies = doc.trials.map((t: { valAccuracy: number }) => t.valAccuracy);
    expect(accuracies).toEqual([...accuracies].sort((a, b) => b - a));
    expect(new Set(doc.trials.map((t: { overrides: Record<string, string> }) => JSON.stringify(t.overrides))).size).toBe(4);
    expect(res.stderr).toMatch(/trial 4\/4/);
    const shown = await cli('run', doc.runId);
    expect(shown.stdout).toMatch(/^rank\s+model\.feature_maps\s+training\.learning_rate\s+val acc/m);
  }, 120_000);

  it('sweep --rank-by autoattack ranks the trials by AutoAttack robust accuracy (fast unless --version says otherwise)', async () => {
    const res = await cli('sweep', '--dataset', datasetId, ...tiny, '--epochs', '1', '--axis', 'training.learning_rate=0.01,0.001', '--rank-by', 'autoattack', '--queries', '20', '--robust-images', '6', '--json', '--quiet');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.run.sweep).toMatchObject({ rankBy: 'SWEEP_RANK_BY_ROBUST_ACCURACY', robustAttack: { method: 'ATTACK_METHOD_AUTOATTACK', autoattackVersion: 'AUTO_ATTACK_VERSION_FAST', queries: 20 } });
    const robust = doc.trials.map((t: { robustAccuracy: number }) => t.robustAccuracy);
    expect(robust).toEqual([...robust].sort((a, b) => b - a));
    expect(robust.every((r: unknown) => typeof r === 'number')).toBe(true);
  }, 120_000);

  it('evaluate --attack adds robust accuracy per attack and epsilon', async () => {
    const res = await cli('evaluate', modelId, '--attack', 'fgsm', '--attack', 'pgd', '--eps', '2/255,8/255', '--steps', '3', '--max-images', '6', '--json', '--quiet');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.robust.map((r: { attack: { method: string }; epsilonLabel: string }) => `${r.attack.method} ${r.epsilonLabel}`)).toEqual([
      'ATTACK_METHOD_FGSM 2/255',
      'ATTACK_METHOD_FGSM 8/255',
      'ATTACK_METHOD_PGD 2/255',
      'ATTACK_METHOD_PGD 8/255',
    ]);
    for (const r of doc.robust) {
      expect(r.robustAccuracy).toBeLessThanOrEqual(r.cleanAccuracy + 1e-6);
      expect(r.sanity.withinBudget).toBe(true);
    }
    expect(doc.worstCaseAccuracy).toBeLessThanOrEqual(Math.min(...doc.robust.map((r: { robustAccuracy: number }) => r.robustAccuracy)) + 1e-6);
    const human = await cli('evaluate', modelId, '--attack', 'pgd', '--eps', '8/255', '--steps', '3', '--max-images', '6');
    expect(human.stdout).toMatch(/^pgd eps 8\/255 .*\s8\/255\s+6\s/m);
  }, 60_000);

  it('evaluate --attack autoattack: the cascade named on stderr while it runs, robust accuracy at most PGD\'s, what each member broke', async () => {
    const args = ['evaluate', modelId, '--attack', 'pgd', '--attack', 'autoattack', '--version', 'fast', '--queries', '50', '--eps', '16/255', '--steps', '3', '--max-images', '6'];
    const res = await cli(...args, '--json');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    const [pgd, aa] = doc.robust;
    expect(aa.attack).toMatchObject({ method: 'ATTACK_METHOD_AUTOATTACK', autoattackVersion: 'AUTO_ATTACK_VERSION_FAST', queries: 50 });
    expect(pgd.attack.autoattackVersion).toBeUndefined();
    expect(aa.robustAccuracy).toBeLessThanOrEqual(pgd.robustAccuracy);
    expect(aa.cascade.map((s: { attack: string }) => s.attack)).toEqual(['apgd-ce', 'square']);
    expect(aa.warnings).toEqual([expect.stringContaining('apgd-t skipped')]);
    // Not a terminal: a line when each attack and each member of the cascade starts.
    expect(res.stderr).toContain('attack 1/2: PGD-3');
    expect(res.stderr).toContain('attack 2/2: AutoAttack (fast)');
    expect(res.stderr).toContain('AutoAttack (fast): apgd-ce');
    expect(res.stderr).toContain('AutoAttack (fast): square');
    const human = await cli(...args, '--quiet');
    expect(human.code).toBe(0);
    expect(human.stderr).toBe('');
    expect(human.stdout).toMatch(/^autoattack fast eps 16\/255 50 queries\s/m);
    expect(human.stdout).toMatch(/apgd-ce broke \d+ \(.*% left\), then square broke \d+/);
  }, 120_000);

  it('attack --method apgd-ce, square and autoattack; adv-train and bad combinations are refused with the field named', async () => {
    const apgd = JSON.parse((await cli('attack', modelId, '--method', 'apgd-ce', '--steps', '5', '--gallery', '2', '--max-images', '6', '--json', '--quiet')).stdout);
    expect(apgd.result.attack).toMatchObject({ method: 'ATTACK_METHOD_APGD_CE', steps: 5 });
    const square = JSON.parse((await cli('attack', modelId, '--method', 'square', '--queries', '20', '--gallery', '0', '--max-images', '6', '--json', '--quiet')).stdout);
    expect(square.result.attack).toMatchObject({ method: 'ATTACK_METHOD_SQUARE', queries: 20 });
    const aa = await cli('attack', modelId, '--method', 'autoattack', '--version', 'fast', '--queries', '20', '--gallery', '4', '--max-images', '6', '--quiet');
    expect(aa.code).toBe(0);
    expect(aa.stdout).toMatch(/flipped\s+broken by$/m);
    const target = await cli('attack', modelId, '--method', 'autoattack', '--target', '1', '--max-images', '6', '--quiet');
    expect(target.code).toBe(2);
    expect(target.stderr).toContain('attack.target_class must be absent for AutoAttack');
    const adv = await cli('adv-train', '--dataset', datasetId, '--base-model', modelId, '--method', 'autoattack', '--epochs', '1', '--quiet');
    expect(adv.code).toBe(2);
    expect(adv.stderr).toContain('adversarial.attack.method must be PGD or FGSM_RANDOM_START');
    expect((await cli('evaluate', modelId, '--attack', 'fab')).stderr).toContain('--attack must be one of fgsm, pgd, fgsm-rs, apgd-ce, apgd-dlr, apgd-t, square, autoattack');
  }, 120_000);

  it('attack writes the contact sheet PNG, the gallery images and an eps curve', async () => {
    const res = await cli('attack', modelId, '--eps', '8/255', '--steps', '3', '--gallery', '4', '--out', 'gallery.png', '--gallery-dir', 'gallery', '--curve', '0,2/255,8/255', '--max-images', '9', '--json', '--quiet');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.result).toMatchObject({ numImages: 9, epsilonLabel: '8/255' });
    expect(doc.curve.map((p: { epsilonLabel: string }) => p.epsilonLabel)).toEqual(['0/255', '2/255', '8/255']);
    expect(doc.gallery).toHaveLength(4);
    expect(doc.contactSheet).toBe(path.join(dir, 'gallery.png'));
    expect(fs.readFileSync(doc.contactSheet).subarray(1, 4).toString()).toBe('PNG');
    expect(fs.readdirSync(path.join(dir, 'gallery'))).toHaveLength(12);
    const human = await cli('attack', modelId, '--method', 'fgsm', '--gallery', '2', '--out', 'sheet.png', '--max-images', '6');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^fgsm eps 8\/255\s+8\/255\s+6\s/m);
    expect(human.stdout).toMatch(/^image\s+true\s+clean\s+adversarial\s+max \|delta\|\s+flipped$/m);
    expect(human.stdout).toContain(`contact sheet written to ${path.join(dir, 'sheet.png')}`);
  }, 60_000);

  it('adv-train follows an adversarial run with robust accuracy per epoch', async () => {
    const res = await cli('adv-train', '--dataset', datasetId, ...tiny, '--epochs', '2', '--eps', '8/255', '--steps', '2', '--eval-images', '6', '--eval-steps', '2', '--json');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.run).toMatchObject({ kind: 'adversarial-train', status: 'succeeded' });
    expect(doc.run.history).toHaveLength(2);
    for (const h of doc.run.history) expect(h.robustValAccuracy).toEqual(expect.any(Number));
    expect(doc.run.adversarial.attack.epsilon).toBeCloseTo(8 / 255, 6);
    expect(res.stderr).toMatch(/epoch 2\/2 .* robust /);
  }, 120_000);

  it('delete-model deletes; the model is then unknown', async () => {
    const doc = JSON.parse((await cli('train', '--dataset', datasetId, ...tiny, '--epochs', '1', '--json', '--quiet')).stdout);
    expect((await cli('delete-model', doc.modelId)).stdout).toBe(`model ${doc.modelId} deleted\n`);
    const again = await cli('model', doc.modelId);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`^error: model "${doc.modelId}" not found`));
  }, 60_000);

  describe('errors and exit codes', () => {
    it('cancel of an unknown run exits 2 with a readable message', async () => {
      const res = await cli('cancel', 'run-nope');
      expect(res).toEqual({ code: 2, stdout: '', stderr: 'error: run "run-nope" not found\n' });
    });

    it('--json errors are a JSON document too', async () => {
      const res = await cli('run', 'run-nope', '--json');
      expect(res.code).toBe(2);
      expect(JSON.parse(res.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: 'run "run-nope" not found', exitCode: 2 } });
    });

    it('cancelling a finished run exits 2', async () => {
      const res = await cli('cancel', runId);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/^error: run .* has already ended/);
    });

    it('an unreachable service exits 3 and says how to start it', async () => {
      const res = await runCli(['models'], { env: { ADVLAB_TRAINER_ADDR: '127.0.0.1:1' } });
      expect(res.code).toBe(3);
      expect(res.stderr).toMatch(/^error: cannot reach the trainer service at 127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1\)$/m);
      expect(res.stderr).toMatch(/^hint: .*npm start/m);
    });

    it.each([
      ['an unknown command', ['frobnicate'], /error: unknown command 'frobnicate'/],
      ['an unknown flag', ['runs', '--bogus'], /error: unknown option '--bogus'/],
      ['a missing required flag', ['train'], /error: required option '--dataset <id>' not specified/],
      ['a bad epsilon', ['attack', 'mdl-x', '--eps', '8/0'], /--eps must be a non-negative number such as 8\/255/],
      ['a bad number', ['train', '--dataset', 'x', '--epochs', '0'], /--epochs must be an integer in \[1, 1000\], got "0"/],
      ['a bad axis', ['sweep', '--dataset', 'x', '--axis', 'lr'], /--axis must look like path=value1,value2/],
      ['no axis', ['sweep', '--dataset', 'x'], /sweep needs at least one --axis/],
      ['mixup with cutmix', ['train', '--dataset', 'x', '--mixup', '0.2', '--cutmix', '1'], /--mixup and --cutmix cannot be used together/],
    ])('%s exits 2', async (_name, argv, message) => {
      const res = await cli(...argv);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(message);
    });

    it('the service refusing a request exits 2 with its message', async () => {
      const res = await cli('train', '--dataset', datasetId, '--feature-maps', '4,4,4,4,4,4');
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/^error: model\.image_size 16 is not divisible/m);
      const missing = await cli('predict', modelId, 'no-such-folder');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^error: folder .*no-such-folder does not exist$/m);
    });

    it('--help exits 0', async () => {
      const res = await cli('train', '--help');
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('--feature-maps <list>');
    });
  });
});
