/**
 * advlab on a shared machine: `ADVLAB_TOKEN` and TLS set for `npm start`. The supervisor,
 * the first model, the CLI, the Python example and raw gRPC clients all go through the same
 * token and certificate; calls without the token are refused on every kind of RPC.
 */
import {
  clientCredentials,
  ListModelsRequest,
  LiveAttackRequest,
  promiseClient,
  TrainerServiceClient,
  AttackStreamServiceClient,
  WatchRunRequest,
} from '@advlab/contract';
import * as grpc from '@grpc/grpc-js';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startAdvlab, WORKSPACE, type Advlab } from './support/advlab';
import { readStream } from './support/calls';

jest.setTimeout(600_000);

const TOKEN = 'correct-horse-battery-staple';
const OPENSSL = '/usr/bin/openssl';
const CLI = path.join(WORKSPACE, 'apps/cli/bin/advlab.js');
const PYTHON = '/usr/bin/python3';
const EXAMPLE = path.join(WORKSPACE, 'examples/python/advlab_client.py');

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(command, args, { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const pythonReady = (() => {
  if (!existsSync(PYTHON) || !existsSync('/usr/bin/protoc') || !existsSync('/usr/include/google/protobuf/timestamp.proto')) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(existsSync(OPENSSL) ? describe : describe.skip)('npm start with ADVLAB_TOKEN and TLS (real processes)', () => {
  let advlab: Advlab;
  let dir: string;
  let cert: string;
  let clientEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'advlab-shared-'));
    cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    advlab = await startAdvlab({
      dataDir: path.join(dir, 'data'),
      env: { ADVLAB_TOKEN: TOKEN, ADVLAB_TLS_CERT: cert, ADVLAB_TLS_KEY: key, ADVLAB_SKIP_FIRST_MODEL: '', ADVLAB_FIRST_MODEL_EPOCHS: '1' },
      tls: { ca: cert, token: TOKEN },
    });
    clientEnv = { ADVLAB_TRAINER_ADDR: advlab.trainerAddress, ADVLAB_ATTACK_ADDR: advlab.attackAddress, ADVLAB_TOKEN: TOKEN, ADVLAB_TLS_CA: cert };
  }, 600_000);

  afterAll(async () => {
    if (advlab) {
      advlab.close();
      advlab.kill();
    }
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('trains the first model through the token and TLS', async () => {
    const until = Date.now() + 480_000;
    while (!/first-model\s+\| first model ready: (mdl-\S+)/.test(advlab.output())) {
      if (/first-model\s+\| (first model failed|skipped|first model:)/.test(advlab.output())) throw new Error(`the first model did not train:\n${advlab.output()}`);
      if (Date.now() > until) throw new Error(`no first model in time:\n${advlab.output()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  it('the CLI works with the token and the certificate, and says what to set without the token', async () => {
    const listed = await run(process.execPath, [CLI, 'models', '--json'], clientEnv);
    expect(listed).toMatchObject({ code: 0 });
    expect(listed.stdout).toMatch(/mdl-/);
    const anonymous = await run(process.execPath, [CLI, 'models'], { ...clientEnv, ADVLAB_TOKEN: '' });
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/^error: missing "authorization: Bearer <token>" metadata\nhint: set ADVLAB_TOKEN to the token the service was started with\n$/);
  });

  it('refuses calls without the token on unary, server-streaming and bidirectional RPCs, and plaintext connections', async () => {
    const tls = clientCredentials({ tlsCa: await fs.readFile(cert) });
    const trainer = new TrainerServiceClient(advlab.trainerAddress, tls.credentials, tls.options);
    const attack = new AttackStreamServiceClient(advlab.attackAddress, tls.credentials, tls.options);
    try {
      await expect(promiseClient(trainer).listModels(ListModelsRequest.fromPartial({}))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      expect((await readStream(trainer.watchRun(WatchRunRequest.fromPartial({ runId: 'run-x' })))).code).toBe(grpc.status.UNAUTHENTICATED);
      const live = attack.liveAttack();
      live.write(LiveAttackRequest.fromPartial({ imageId: 'a', modelId: 'mdl-x' }));
      live.end();
      expect((await readStream(live)).code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      trainer.close();
      attack.close();
    }
    const plain = new TrainerServiceClient(advlab.trainerAddress, grpc.credentials.createInsecure());
    try {
      await expect(promiseClient(plain).listModels(ListModelsRequest.fromPartial({}), undefined, { deadline: Date.now() + 5_000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    } finally {
      plain.close();
    }
    // Health checks stay open for probes.
    expect(await advlab.health('trainer')).toBe('SERVING');
  });

  (pythonReady ? it : it.skip)('the Python example connects with --tls-ca and the token', async () => {
    const { models } = await promiseClient(advlab.trainer).listModels(ListModelsRequest.fromPartial({}));
    const datasetId = models[0].datasetId;
    const result = await run(PYTHON, [EXAMPLE, '--addr', advlab.trainerAddress, '--dataset', datasetId, '--epochs', '1', '--feature-maps', '4,8'], {
      ADVLAB_TOKEN: TOKEN,
      ADVLAB_TLS_CA: cert,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^dataset fashion-mnist-mini /m);
  });

  it('the dashboard asks for the token once, then shows both services serving over TLS with the token', async () => {
    const url = advlab.dashboardUrl;
    const anonymous = await fetch(`${url}/`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/\/signin\?next=%2F$/);
    const wrong = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ token: 'nope' }) });
    expect(wrong.status).toBe(401);
    const signedIn = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ token: TOKEN }) });
    expect(signedIn.status).toBe(204);
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^advlab_session=[^;]+; .*HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const page = await (await fetch(`${url}/`, { headers: { cookie: cookie.split(';')[0] } })).text();
    expect(page).toMatch(/data-service="trainer" data-status="SERVING"/);
    expect(page).toMatch(/data-service="attack" data-status="SERVING"/);
    // Another site's form post is refused even with the session cookie (same-origin rule).
    const forged = await fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'http://evil.example', cookie: cookie.split(';')[0] }, body: '{}' });
    expect(forged.status).toBe(403);
  });

  it('Ctrl-C stops everything', async () => {
    advlab.interrupt();
    await advlab.exited;
    expect(advlab.output()).toMatch(/all services stopped/);
  });
});
