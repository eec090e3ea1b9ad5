import {
  GetServerInfoResponse,
  SERVER_INFO_SERVICE_NAME,
  ServerInfoServiceService,
  type ServerInfoServiceServer,
  type ServerLoad,
  type TensorBackend,
} from '@advlab/contract';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { activeCalls, unary } from './handlers';
import { processIncidents } from './process-guard';
import type { ServiceRegistration } from './server';

/** What a service adds to its {@link serverInfoService} answers. */
export interface ServerInfoSource {
  /** Short service name, e.g. "trainer". */
  readonly service: string;
  /** The tensor backend in use. */
  backend(): TensorBackend;
  /** Tensors alive in the engine and the bytes they hold. */
  tensors(): { tensors: number; bytes: number };
  /** Service-specific load (runs, attacks); active calls are counted here. */
  load?(): Partial<ServerLoad>;
}

const startedAt = new Date(Date.now() - process.uptime() * 1000);

/** advlab's version: the workspace's package.json. */
export const ADVLAB_VERSION: string = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

/** The `advlab.v1.ServerInfoService` registration: process facts, memory, load and incidents. */
export function serverInfoService(source: ServerInfoSource): ServiceRegistration {
  const implementation: ServerInfoServiceServer = {
    getServerInfo: unary('GetServerInfo', async () => {
      const memory = process.memoryUsage();
      const tensors = source.tensors();
      const incidents = processIncidents();
      return GetServerInfoResponse.fromPartial({
        info: {
          service: source.service,
          version: ADVLAB_VERSION,
          pid: process.pid,
          startedAt,
          uptimeSeconds: process.uptime(),
          backend: source.backend(),
          memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, tensors: tensors.tensors, tensorBytes: tensors.bytes },
          // The call answering this one is not counted.
          load: { ...source.load?.(), activeCalls: Math.max(0, activeCalls() - 1) },
          incidents: {
            unhandledRejections: incidents.unhandledRejections,
            lastIncidentId: incidents.last?.id ?? '',
            lastIncidentAt: incidents.last?.at,
            lastIncidentMessage: incidents.last?.message ?? '',
          },
        },
      });
    }),
  };
  return { name: SERVER_INFO_SERVICE_NAME, definition: ServerInfoServiceService, implementation };
}
