import * as grpc from '@grpc/grpc-js';
import * as path from 'node:path';
import { health, TRAINER_SERVICE_NAME } from '@advlab/contract';
import { spawnUntil } from '@advlab/grpc-server/testing';

const main = path.join(__dirname, 'main.ts');

describe('trainer process', () => {
  it('listens where configured, serves health, and exits 0 on SIGTERM', async () => {
    const proc = await spawnUntil(process.execPath, ['--import', 'tsx', main], {
      env: { ADVLAB_TRAINER_HOST: '127.0.0.1', ADVLAB_TRAINER_PORT: '0' },
      ready: /trainer listening on (127\.0\.0\.1:\d+)/,
      timeoutMs: 60_000,
    });
    const hc = new health.HealthClient(proc.match[1], grpc.credentials.createInsecure());
    const res = await new Promise<health.HealthCheckResponse>((resolve, reject) =>
      hc.check({ service: TRAINER_SERVICE_NAME }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    hc.close();
    expect(res.status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('SIGTERM: shutting down');
  }, 90_000);

  it('refuses an invalid port with a readable message and exit code 1', async () => {
    await expect(
      spawnUntil(process.execPath, ['--import', 'tsx', main], { env: { ADVLAB_TRAINER_PORT: 'eighty' }, ready: /listening/, timeoutMs: 60_000 }),
    ).rejects.toThrow(/exited \(1\)[\s\S]*ADVLAB_TRAINER_PORT must be an integer in \[0, 65535\], got "eighty"/);
  }, 90_000);
});
