import * as grpc from '@grpc/grpc-js';
import { health, TRAINER_SERVICE_NAME, TrainerServiceClient, TrainRequest, type RunEvent } from '@advlab/contract';
import type { RunningGrpcServer } from '@advlab/grpc-server';
import { listServicesByReflection, reflectionKnowsSymbol } from '@advlab/grpc-server/testing';
import { startTrainerServer } from './server';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('trainer server', () => {
  let server: RunningGrpcServer;
  let client: TrainerServiceClient;

  beforeAll(async () => {
    server = await startTrainerServer({ port: 0, logger: quiet });
    client = new TrainerServiceClient(server.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  it('answers SERVING for itself and advlab.v1.TrainerService', async () => {
    const hc = new health.HealthClient(server.address, grpc.credentials.createInsecure());
    for (const service of ['', TRAINER_SERVICE_NAME]) {
      const res = await new Promise<health.HealthCheckResponse>((resolve, reject) =>
        hc.check({ service }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      expect(res.status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    }
    hc.close();
  });

  it('lists its services through reflection', async () => {
    const services = await listServicesByReflection(server.address);
    expect(services).toEqual([TRAINER_SERVICE_NAME, 'grpc.health.v1.Health'].sort());
    await expect(reflectionKnowsSymbol(server.address, 'advlab.v1.TrainerService')).resolves.toBe(true);
  });
});

describe('trainer RPCs not built yet', () => {
  it('Train answers UNIMPLEMENTED naming the missing piece', async () => {
    const server = await startTrainerServer({ port: 0, logger: quiet });
    const client = new TrainerServiceClient(server.address, grpc.credentials.createInsecure());
    const stream = client.train(TrainRequest.fromPartial({ datasetId: 'fashion-mnist-mini' }));
    const events: RunEvent[] = [];
    stream.on('data', (r: { event?: RunEvent }) => r.event && events.push(r.event));
    const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.details).toMatch(/^\/advlab\.v1\.TrainerService\/Train is not implemented yet: /);
    expect(events).toEqual([]);
    client.close();
    await server.shutdown();
  });
});
