import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { health } from '@advlab/contract';
import { closeClients, getHealthClient } from './clients';
import { DASHBOARD_SERVICES } from './config';
import { checkHealth, cleanDetails, getServicesHealth, getServicesHealthWithBackend, toServiceStatus } from './health';

const [TRAINER, ATTACK] = DASHBOARD_SERVICES;

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );
}

async function healthServer(statuses: Record<string, 'SERVING' | 'NOT_SERVING' | 'UNKNOWN'>) {
  const server = new grpc.Server();
  const impl = new HealthImplementation(statuses);
  impl.addToServer(server);
  const port = await bind(server);
  return { server, impl, address: `127.0.0.1:${port}` };
}

/** An address where nothing listens. */
async function closedAddress(): Promise<string> {
  const server = new grpc.Server();
  const port = await bind(server);
  server.forceShutdown();
  return `127.0.0.1:${port}`;
}

describe('checkHealth and getServicesHealth', () => {
  const servers: grpc.Server[] = [];
  afterEach(() => {
    closeClients();
    while (servers.length) servers.pop()?.forceShutdown();
  });

  it('maps every wire status', () => {
    const S = health.HealthCheckResponse_ServingStatus;
    expect(toServiceStatus(S.SERVING)).toEqual({ status: 'SERVING' });
    expect(toServiceStatus(S.NOT_SERVING).status).toBe('NOT_SERVING');
    expect(toServiceStatus(S.SERVICE_UNKNOWN).status).toBe('UNKNOWN');
    expect(toServiceStatus(S.UNKNOWN).status).toBe('UNKNOWN');
    expect(toServiceStatus(99 as health.HealthCheckResponse_ServingStatus).status).toBe('UNKNOWN');
  });

  it('tidies grpc-js connection error details', () => {
    expect(cleanDetails('No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ')).toBe(
      'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1.',
    );
    expect(cleanDetails(undefined)).toBe('');
  });

  it('reports SERVING and NOT_SERVING from real health servers', async () => {
    const trainer = await healthServer({ [TRAINER.grpcService]: 'SERVING' });
    const attack = await healthServer({ [ATTACK.grpcService]: 'NOT_SERVING' });
    servers.push(trainer.server, attack.server);

    const result = await getServicesHealth({ env: { ADVLAB_TRAINER_ADDR: trainer.address, ADVLAB_ATTACK_ADDR: attack.address } });

    expect(result).toEqual([
      { id: 'trainer', name: 'Trainer', grpcService: TRAINER.grpcService, address: trainer.address, status: 'SERVING', latencyMs: expect.any(Number) },
      {
        id: 'attack',
        name: 'Attack server',
        grpcService: ATTACK.grpcService,
        address: attack.address,
        status: 'NOT_SERVING',
        detail: expect.any(String),
        latencyMs: expect.any(Number),
      },
    ]);
    for (const entry of result) expect(entry.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("adds the trainer's tensor backend when it serves, and nothing when it does not answer", async () => {
    const trainer = await healthServer({ [TRAINER.grpcService]: 'SERVING' });
    servers.push(trainer.server);
    const env = { ADVLAB_TRAINER_ADDR: trainer.address, ADVLAB_ATTACK_ADDR: '127.0.0.1:1' };
    const asked: string[] = [];
    const withBackend = await getServicesHealthWithBackend({ env, deadlineMs: 500 }, async () => {
      asked.push('trainer');
      return 'onednn (oneDNN 2.6.3, 2 OpenMP threads)';
    });
    expect(withBackend[0]).toMatchObject({ id: 'trainer', status: 'SERVING', backend: 'onednn (oneDNN 2.6.3, 2 OpenMP threads)' });
    expect(withBackend[1].backend).toBeUndefined();
    expect(asked).toEqual(['trainer']);
    const silent = await getServicesHealthWithBackend({ env, deadlineMs: 500 }, async () => null);
    expect(silent[0].backend).toBeUndefined();
  });

  it('follows status changes on a cached client', async () => {
    const trainer = await healthServer({ [TRAINER.grpcService]: 'SERVING' });
    servers.push(trainer.server);
    const client = getHealthClient(trainer.address);
    expect(getHealthClient(trainer.address)).toBe(client);

    expect((await checkHealth(client, TRAINER.grpcService)).status).toBe('SERVING');
    trainer.impl.setStatus(TRAINER.grpcService, 'NOT_SERVING');
    expect((await checkHealth(client, TRAINER.grpcService)).status).toBe('NOT_SERVING');
  });

  it('reports UNKNOWN when the health server does not know the service', async () => {
    const other = await healthServer({ 'some.other.Service': 'SERVING' });
    servers.push(other.server);
    const result = await checkHealth(getHealthClient(other.address), TRAINER.grpcService);
    expect(result).toMatchObject({ status: 'UNKNOWN', detail: expect.stringMatching(/does not know/) });
  });

  it('reports UNREACHABLE when nothing listens, without throwing', async () => {
    const address = await closedAddress();
    const [trainer, attack] = await getServicesHealth({ env: { ADVLAB_TRAINER_ADDR: address, ADVLAB_ATTACK_ADDR: address } });
    expect(trainer).toMatchObject({ status: 'UNREACHABLE', address, detail: expect.stringMatching(/ECONNREFUSED|No connection/) });
    expect(trainer.detail).not.toMatch(/Resolution note/);
    expect(attack).toMatchObject({ status: 'UNREACHABLE', address });
  });

  it('reports UNREACHABLE when the check misses its deadline', async () => {
    const server = new grpc.Server();
    const silent: health.HealthServer = { check: () => undefined, watch: () => undefined, list: () => undefined };
    server.addService(health.HealthService, silent);
    const port = await bind(server);
    servers.push(server);

    const result = await checkHealth(getHealthClient(`127.0.0.1:${port}`), TRAINER.grpcService, 200);
    expect(result).toEqual({ status: 'UNREACHABLE', detail: 'No answer within 200 ms.', latencyMs: expect.any(Number) });
    expect(result.latencyMs).toBeGreaterThanOrEqual(150);
  });

  it('reports UNKNOWN for an invalid address instead of throwing', async () => {
    const [trainer] = await getServicesHealth({ env: { ADVLAB_TRAINER_ADDR: 'not an address' }, clientFor: () => { throw new Error('unused'); } });
    expect(trainer).toMatchObject({ status: 'UNKNOWN', address: 'not an address', detail: expect.stringContaining('ADVLAB_TRAINER_ADDR') });
  });

  it('reports UNKNOWN when the client throws', async () => {
    const results = await getServicesHealth({
      env: {},
      clientFor: () => ({
        check: () => {
          throw new Error('boom');
        },
      }),
    });
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      ['UNKNOWN', 'boom'],
      ['UNKNOWN', 'boom'],
    ]);
  });
});
