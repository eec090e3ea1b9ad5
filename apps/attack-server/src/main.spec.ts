import * as grpc from '@grpc/grpc-js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ATTACK_STREAM_SERVICE_NAME, health, promiseClient } from '@advlab/contract';
import { spawnUntil } from '@advlab/grpc-server/testing';

const main = path.join(__dirname, 'main.ts');

describe('attack-server process', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-attack-app-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('listens where configured, serves health, and exits 0 on SIGTERM', async () => {
    const proc = await spawnUntil(process.execPath, ['--import', 'tsx', main], {
      env: { ADVLAB_ATTACK_HOST: '127.0.0.1', ADVLAB_ATTACK_PORT: '0', ADVLAB_DATA_DIR: dataDir },
      ready: /attack-server listening on (127\.0\.0\.1:\d+)/,
      timeoutMs: 60_000,
    });
    try {
      const hc = new health.HealthClient(proc.match[1], grpc.credentials.createInsecure());
      const res = await promiseClient(hc).check({ service: ATTACK_STREAM_SERVICE_NAME });
      hc.close();
      expect(res.status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(proc.output()).toContain('SIGTERM: shutting down');
    } finally {
      // Never leave the server running if an expectation failed.
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    }
  }, 90_000);

  it('refuses an invalid port with a readable message and exit code 1', async () => {
    await expect(
      spawnUntil(process.execPath, ['--import', 'tsx', main], { env: { ADVLAB_ATTACK_PORT: 'eighty', ADVLAB_DATA_DIR: dataDir }, ready: /listening/, timeoutMs: 60_000 }),
    ).rejects.toThrow(/exited \(1\)[\s\S]*ADVLAB_ATTACK_PORT must be an integer in \[0, 65535\], got "eighty"/);
  }, 90_000);
});
