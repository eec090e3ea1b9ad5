import { Worker, WorkerRole, WorkerState } from '@advlab/contract';
import { ADVLAB_VERSION } from '@advlab/grpc-server';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';

/** Who this trainer process is, as other processes and `ListWorkers` see it. */
export interface WorkerIdentity {
  id: string;
  role: WorkerRole;
  host: string;
  pid: number;
  backend: string;
  threads: number;
  slots: number;
  startedAt: Date;
}

/** The trainer processes sharing a registry. */
export interface WorkerDirectory {
  /** The api first, then workers by start time; stopped ones only when asked. */
  list(includeStopped: boolean): Promise<Worker[]>;
}

/** A new identity for this process: `w-<host>-<pid>-<random>`. */
export function newWorkerIdentity(fields: Omit<WorkerIdentity, 'id' | 'host' | 'pid' | 'startedAt'>): WorkerIdentity {
  const host = os.hostname();
  const short = host.replace(/[^A-Za-z0-9-]/g, '').slice(0, 24) || 'host';
  return { ...fields, id: `w-${short}-${process.pid}-${randomBytes(2).toString('hex')}`, host, pid: process.pid, startedAt: new Date() };
}

/** The directory of a single process (one machine): itself, alive, with the runs it executes. */
export function localWorkers(identity: WorkerIdentity, runningIds: () => string[]): WorkerDirectory {
  return {
    list: async () => [
      Worker.fromPartial({
        ...identity,
        state: WorkerState.WORKER_STATE_ALIVE,
        runIds: runningIds(),
        heartbeatAt: new Date(),
        version: ADVLAB_VERSION,
      }),
    ],
  };
}

/** The order `ListWorkers` answers in: the api first, then by start time. */
export function byRoleThenStart(a: Worker, b: Worker): number {
  const rank = (w: Worker) => (w.role === WorkerRole.WORKER_ROLE_API ? 0 : 1);
  return rank(a) - rank(b) || (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0) || a.id.localeCompare(b.id);
}
