import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../bin/advlab.js');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Runs bin/advlab.js as a separate process (the server stays in this one). */
function advlab(argv: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...argv], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('the advlab executable', () => {
  let dir: string;
  let server: TrainerServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-bin-'));
    server = await startTrainerServer({ dataDir: path.join(dir, 'data'), port: 0, logger: quiet, files: { importRoots: [dir] } });
    env = { ADVLAB_TRAINER_ADDR: server.address, ADVLAB_TOKEN: '' };
  }, 60_000);

  afterAll(async () => {
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 with JSON on stdout', async () => {
    const res = await advlab(['datasets', '--json'], env);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).datasets[0]).toMatchObject({ id: 'fashion-mnist-mini', builtin: true });
  }, 60_000);

  it('exits 2 on bad usage and on an unknown id', async () => {
    expect((await advlab(['runs', '--limit', 'many'], env)).code).toBe(2);
    const res = await advlab(['cancel', 'run-nope'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('error: run "run-nope" not found\n');
  }, 60_000);

  it('exits 3 when the service is unreachable', async () => {
    const res = await advlab(['runs'], { ADVLAB_TRAINER_ADDR: '127.0.0.1:1' });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/npm start/);
  }, 60_000);
});
