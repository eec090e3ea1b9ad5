import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import { writeToyImageFolder } from '@advlab/trainer-service/testing';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './testing';

const PYTHON = '/usr/bin/python3';
const PROTOC = '/usr/bin/protoc';
const EXAMPLE = path.resolve(__dirname, '../../../examples/python/advlab_client.py');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** What the example needs that this machine lacks, if anything. */
function missingPrerequisite(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON}`;
  if (!fs.existsSync(PROTOC)) return `${PROTOC} (apt-get install protobuf-compiler)`;
  if (!fs.existsSync('/usr/include/google/protobuf/timestamp.proto')) return 'the protobuf well-known types (apt-get install libprotobuf-dev)';
  const probe = spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { encoding: 'utf8' });
  if (probe.status !== 0) return `grpc and protobuf for ${PYTHON} (apt-get install python3-grpcio python3-protobuf)`;
  return undefined;
}

const missing = missingPrerequisite();

describe('the Python example (examples/python/advlab_client.py)', () => {
  if (missing) {
    it.skip(`runs against a real trainer: skipped, this machine lacks ${missing}`, () => undefined);
    return;
  }

  let dir: string;
  let server: TrainerServer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-python-'));
    await writeToyImageFolder(path.join(dir, 'toy'), { perClass: 20, size: 16 });
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [dir] } });
    const imported = await runCli(['import', 'toy', path.join(dir, 'toy'), '--size', '16', '--quiet'], { env: { ADVLAB_TRAINER_ADDR: server.address } });
    expect(imported.code).toBe(0);
    fs.mkdirSync(path.join(dir, 'unlabeled'));
    fs.copyFileSync(path.join(dir, 'toy', 'red', '1.png'), path.join(dir, 'unlabeled', 'a.png'));
    fs.copyFileSync(path.join(dir, 'toy', 'green', '2.png'), path.join(dir, 'unlabeled', 'b.png'));
  }, 60_000);

  afterAll(async () => {
    await server?.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists datasets, streams the epochs of a training run and predicts a folder', async () => {
    const args = [EXAMPLE, '--addr', server.address, '--dataset', 'toy', '--feature-maps', '4,8', '--epochs', '3', '--batch-size', '8', '--lr', '0.01', '--predict', path.join(dir, 'unlabeled')];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(PYTHON, args, { timeout: 60_000 }, (err, out, errOut) => resolve({ code: err ? Number(err.code) : 0, stdout: out, stderr: errOut })),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^dataset fashion-mnist-mini fashion-mnist-mini 28px /m);
    expect(stdout).toMatch(/^dataset ds-\S+ toy 16px classes=blue,green,red$/m);
    expect(stdout.match(/^epoch \d\/3 loss [\d.]+ acc [\d.]+ val_loss [\d.]+ val_acc [\d.]+/gm)).toHaveLength(3);
    const modelId = /^model (mdl-\S+) stored/m.exec(stdout)?.[1];
    expect(modelId).toBeDefined();
    const predictions = [...stdout.matchAll(/^prediction (\S+) (\S+) ([\d.]+)$/gm)].map((m) => [m[1], m[2]]);
    expect(predictions.map(([id]) => id)).toEqual(['a.png', 'b.png']);
    for (const [, label] of predictions) expect(['blue', 'green', 'red']).toContain(label);

    const models = await runCli(['models', '--json'], { env: { ADVLAB_TRAINER_ADDR: server.address } });
    expect(JSON.parse(models.stdout).models.map((m: { id: string }) => m.id)).toContain(modelId);
  }, 90_000);

  it('exits 3 when the service is unreachable', async () => {
    const code = await new Promise<number>((resolve) => execFile(PYTHON, [EXAMPLE, '--addr', '127.0.0.1:1'], { timeout: 60_000 }, (err) => resolve(err ? Number(err.code) : 0)));
    expect(code).toBe(3);
  }, 60_000);
});
