import * as grpc from '@grpc/grpc-js';
import { ATTACK_STREAM_SERVICE_NAME, AttackStreamServiceClient, health } from '@advlab/contract';
import type { RunningGrpcServer } from '@advlab/grpc-server';
import { listServicesByReflection } from '@advlab/grpc-server/testing';
import { startAttackServer } from './server';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('attack server', () => {
  let server: RunningGrpcServer;
  let client: AttackStreamServiceClient;

  beforeAll(async () => {
    server = await startAttackServer({ port: 0, logger: quiet });
    client = new AttackStreamServiceClient(server.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  it('answers SERVING for advlab.v1.AttackStreamService', async () => {
    const hc = new health.HealthClient(server.address, grpc.credentials.createInsecure());
    const res = await new Promise<health.HealthCheckResponse>((resolve, reject) =>
      hc.check({ service: ATTACK_STREAM_SERVICE_NAME }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(res.status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    hc.close();
  });

  it('lists its services through reflection', async () => {
    const services = await listServicesByReflection(server.address);
    expect(services).toEqual([ATTACK_STREAM_SERVICE_NAME, 'grpc.health.v1.Health'].sort());
  });

  it('StreamAttack answers UNIMPLEMENTED naming the missing piece', async () => {
    const stream = client.streamAttack({ modelId: 'm1' });
    stream.on('data', () => undefined);
    const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.details).toMatch(/StreamAttack is not implemented yet: /);
  });

  it('LiveAttack (bidirectional) answers UNIMPLEMENTED too', async () => {
    const stream = client.liveAttack();
    stream.on('data', () => undefined);
    const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});
