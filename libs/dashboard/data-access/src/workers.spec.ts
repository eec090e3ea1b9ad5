import * as grpc from '@grpc/grpc-js';
import { TrainerServiceService, Worker, WorkerRole, WorkerState, type ListWorkersRequest } from '@advlab/contract';
import { closeClients } from './clients';
import { attempt } from './errors';
import { listWorkers } from './trainer';
import { toWorkerState } from './views';

const started = new Date('2026-12-01T09:00:00Z');
const heartbeat = new Date('2026-12-01T10:00:00Z');
const api = Worker.fromPartial({ id: 'w-api', role: WorkerRole.WORKER_ROLE_API, state: WorkerState.WORKER_STATE_ALIVE, host: 'api-0', pid: 7, backend: 'cpu', threads: 1, startedAt: started, heartbeatAt: heartbeat, version: '0.1.0' });
const lost = Worker.fromPartial({ id: 'w-a', role: WorkerRole.WORKER_ROLE_WORKER, state: WorkerState.WORKER_STATE_LOST, host: 'gpu-0', pid: 88, backend: 'onednn', threads: 8, slots: 2, runIds: ['run-x'], startedAt: started, heartbeatAt: heartbeat, version: '0.1.0' });

describe('listWorkers against a fake trainer', () => {
  let server: grpc.Server;
  let previousAddress: string | undefined;
  const requests: ListWorkersRequest[] = [];
  let unimplemented = false;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(TrainerServiceService, {
      listWorkers: (call: grpc.ServerUnaryCall<ListWorkersRequest, unknown>, done: grpc.sendUnaryData<unknown>) => {
        requests.push(call.request);
        if (unimplemented) return done({ code: grpc.status.UNIMPLEMENTED, details: 'ListWorkers is not implemented' });
        done(null, { workers: call.request.includeStopped ? [api, lost] : [api] });
      },
    } as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    previousAddress = process.env['ADVLAB_TRAINER_ADDR'];
    process.env['ADVLAB_TRAINER_ADDR'] = `127.0.0.1:${port}`;
  });

  afterAll(() => {
    closeClients();
    server.forceShutdown();
    if (previousAddress === undefined) delete process.env['ADVLAB_TRAINER_ADDR'];
    else process.env['ADVLAB_TRAINER_ADDR'] = previousAddress;
  });

  it('lists the workers as views: string roles and states, ISO times, their runs', async () => {
    expect(await listWorkers({ includeStopped: true })).toEqual([
      { id: 'w-api', role: 'api', state: 'alive', host: 'api-0', pid: 7, backend: 'cpu', threads: 1, runIds: [], slots: 0, startedAt: '2026-12-01T09:00:00.000Z', heartbeatAt: '2026-12-01T10:00:00.000Z', version: '0.1.0' },
      { id: 'w-a', role: 'worker', state: 'lost', host: 'gpu-0', pid: 88, backend: 'onednn', threads: 8, runIds: ['run-x'], slots: 2, startedAt: '2026-12-01T09:00:00.000Z', heartbeatAt: '2026-12-01T10:00:00.000Z', version: '0.1.0' },
    ]);
    expect((await listWorkers()).map((w) => w.id)).toEqual(['w-api']);
    expect(requests.map((r) => r.includeStopped)).toEqual([true, false]);
  });

  it('lets a page tell a trainer without ListWorkers from a failure', async () => {
    unimplemented = true;
    await expect(attempt(() => listWorkers())).resolves.toMatchObject({ ok: false, error: { code: 'UNIMPLEMENTED', unimplemented: true } });
    unimplemented = false;
  });

  it('shows a state it does not know as lost', () => {
    expect(toWorkerState(WorkerState.WORKER_STATE_STOPPED)).toBe('stopped');
    expect(toWorkerState(WorkerState.WORKER_STATE_UNSPECIFIED)).toBe('lost');
  });
});
