import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { health, type ServerInfo, type ServerInfoServiceClient } from '@advlab/contract';
import * as fs from 'node:fs';
import { getHealthClient, getServerInfoClient } from './clients';
import { DASHBOARD_SERVICES, resolveServiceAddress, type DashboardService, type ServiceId } from './config';

/**
 * A service's status on the health page: the gRPC health check's answer, or, when `npm start`
 * supervises the service and it is down, what the supervisor is doing about it: `RESTARTING`
 * (it exited and comes back after a back-off) or `STOPPED` (it crashed too often; given up).
 */
export const SERVICE_STATUSES = ['SERVING', 'NOT_SERVING', 'UNKNOWN', 'UNREACHABLE', 'RESTARTING', 'STOPPED'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/** What a server says about itself (advlab.v1.ServerInfoService), ready to render. */
export interface ServerInfoView {
  pid: number;
  version: string;
  uptimeSeconds: number;
  backend: string;
  /** Why faster tensor backends were not used, or how to get one. */
  backendNote: string;
  rssBytes: number;
  tensors: number;
  activeCalls: number;
  runningRuns: number;
  queuedRuns: number;
  runningAttacks: number;
  /** Unhandled promise rejections the process logged and survived. */
  unhandledRejections: number;
  lastIncident?: { id: string; at?: string; message: string };
}

/** What `npm start`'s supervisor reports for a service (its status file). */
export interface SupervisorView {
  state: 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';
  restarts: number;
  lastExit?: { code: number | string; at: string };
  nextStartAt?: string;
  message?: string;
}

/** One service's health, ready to render. */
export interface ServiceHealth {
  id: ServiceId;
  name: string;
  /** Fully qualified gRPC service name that was checked. */
  grpcService: string;
  address: string;
  status: ServiceStatus;
  /** Why the status is not SERVING, when there is something to say. */
  detail?: string;
  /** Time from sending the check to its answer or failure, in milliseconds. */
  latencyMs: number;
  /** The server's own report, when it answered GetServerInfo. */
  info?: ServerInfoView;
  /** The supervisor's view, when the dashboard runs under `npm start`. */
  supervisor?: SupervisorView;
}

export interface HealthCheckResult {
  status: ServiceStatus;
  detail?: string;
  latencyMs: number;
}

export const DEFAULT_HEALTH_DEADLINE_MS = 1_500;

type CheckClient = Pick<health.HealthClient, 'check'>;

/** Maps the wire serving status to the dashboard's status. */
export function toServiceStatus(wire: health.HealthCheckResponse_ServingStatus): { status: ServiceStatus; detail?: string } {
  switch (wire) {
    case health.HealthCheckResponse_ServingStatus.SERVING:
      return { status: 'SERVING' };
    case health.HealthCheckResponse_ServingStatus.NOT_SERVING:
      return { status: 'NOT_SERVING', detail: 'The service reports that it is not serving.' };
    case health.HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN:
      return { status: 'UNKNOWN', detail: 'The health server does not know this service.' };
    default:
      return { status: 'UNKNOWN', detail: 'The service reported an unknown status.' };
  }
}

/** grpc-js connection errors carry empty trailers and nested "Error:" prefixes; keep the useful part. */
export function cleanDetails(details: string | undefined): string {
  return (details ?? '')
    .replace(/\s*Resolution note:\s*$/, '')
    .replace(/Last error: Error: /g, 'Last error: ')
    .trim();
}

function fromError(error: ServiceError, deadlineMs: number): { status: ServiceStatus; detail: string } {
  switch (error.code) {
    case GrpcStatus.UNAVAILABLE:
      return { status: 'UNREACHABLE', detail: cleanDetails(error.details) || 'Connection failed.' };
    case GrpcStatus.DEADLINE_EXCEEDED:
      return { status: 'UNREACHABLE', detail: `No answer within ${deadlineMs} ms.` };
    case GrpcStatus.NOT_FOUND:
      return { status: 'UNKNOWN', detail: 'The health server does not know this service.' };
    case GrpcStatus.UNIMPLEMENTED:
      return { status: 'UNKNOWN', detail: 'The server does not implement grpc.health.v1.' };
    default:
      return { status: 'UNKNOWN', detail: `Health check failed: ${GrpcStatus[error.code] ?? error.code} ${cleanDetails(error.details)}`.trim() };
  }
}

/** Calls `grpc.health.v1.Health/Check` for `service`; resolves with a status, never rejects. */
export function checkHealth(client: CheckClient, service: string, deadlineMs = DEFAULT_HEALTH_DEADLINE_MS): Promise<HealthCheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    try {
      client.check(
        { service },
        new Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error, response) => {
          if (error) resolve({ ...fromError(error, deadlineMs), latencyMs: elapsed() });
          else resolve({ ...toServiceStatus(response.status), latencyMs: elapsed() });
        },
      );
    } catch (error) {
      resolve({ status: 'UNKNOWN', detail: error instanceof Error ? error.message : String(error), latencyMs: elapsed() });
    }
  });
}

type InfoClient = Pick<ServerInfoServiceClient, 'getServerInfo'>;

export interface GetServicesHealthOptions {
  env?: NodeJS.ProcessEnv;
  deadlineMs?: number;
  /** Client factory, for tests; defaults to the cached grpc-js clients. */
  clientFor?: (address: string) => CheckClient;
  /** ServerInfo client factory, for tests; defaults to the cached grpc-js clients. */
  infoFor?: (address: string) => InfoClient;
}

/** Calls GetServerInfo; undefined when the server does not answer it (an older server, or down). */
export function fetchServerInfo(client: InfoClient, deadlineMs = DEFAULT_HEALTH_DEADLINE_MS): Promise<ServerInfoView | undefined> {
  return new Promise((resolve) => {
    try {
      client.getServerInfo({}, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) =>
        resolve(error || !response.info ? undefined : toServerInfoView(response.info)),
      );
    } catch {
      resolve(undefined);
    }
  });
}

/** The wire ServerInfo as the health page shows it. */
export function toServerInfoView(info: ServerInfo): ServerInfoView {
  const incidents = info.incidents;
  return {
    pid: info.pid,
    version: info.version,
    uptimeSeconds: info.uptimeSeconds,
    backend: info.backend?.name ?? '',
    backendNote: info.backend?.note ?? '',
    rssBytes: info.memory?.rssBytes ?? 0,
    tensors: info.memory?.tensors ?? 0,
    activeCalls: info.load?.activeCalls ?? 0,
    runningRuns: info.load?.runningRuns ?? 0,
    queuedRuns: info.load?.queuedRuns ?? 0,
    runningAttacks: info.load?.runningAttacks ?? 0,
    unhandledRejections: incidents?.unhandledRejections ?? 0,
    lastIncident: incidents?.lastIncidentId
      ? { id: incidents.lastIncidentId, at: incidents.lastIncidentAt?.toISOString(), message: incidents.lastIncidentMessage }
      : undefined,
  };
}

/**
 * The supervisor's report per service name, from the status file `npm start` keeps
 * (`ADVLAB_SUPERVISOR_STATUS`); empty when the dashboard runs on its own or the file is unreadable.
 */
export function readSupervisorStatus(env: NodeJS.ProcessEnv = process.env): Map<string, SupervisorView> {
  const file = env.ADVLAB_SUPERVISOR_STATUS;
  const out = new Map<string, SupervisorView>();
  if (!file) return out;
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { services?: Array<SupervisorView & { name: string }> };
    for (const { name, ...view } of parsed.services ?? []) out.set(name, view);
  } catch {
    // No supervisor, or a file being replaced: the health checks alone tell the story.
  }
  return out;
}

/** The health-check status corrected by what the supervisor knows about a service that is down. */
export function withSupervisor(result: HealthCheckResult, supervisor: SupervisorView | undefined): HealthCheckResult {
  if (!supervisor || result.status === 'SERVING') return result;
  if (supervisor.state === 'restarting' || supervisor.state === 'starting') {
    return { ...result, status: 'RESTARTING', detail: supervisor.message ?? `${supervisor.state}; ${result.detail ?? ''}`.trim() };
  }
  if (supervisor.state === 'failed') return { ...result, status: 'STOPPED', detail: supervisor.message ?? result.detail };
  return result;
}

async function serviceHealth(service: DashboardService, options: GetServicesHealthOptions, supervised: Map<string, SupervisorView>): Promise<ServiceHealth> {
  const base = { id: service.id, name: service.name, grpcService: service.grpcService };
  const supervisor = supervised.get(service.supervisorName);
  const resolved = resolveServiceAddress(service, options.env ?? process.env);
  if (!resolved.ok) return { ...base, address: resolved.address, status: 'UNKNOWN', detail: resolved.error, latencyMs: 0, supervisor };
  try {
    const client = (options.clientFor ?? getHealthClient)(resolved.address);
    const [result, info] = await Promise.all([
      checkHealth(client, service.grpcService, options.deadlineMs),
      fetchServerInfo((options.infoFor ?? getServerInfoClient)(resolved.address), options.deadlineMs),
    ]);
    return { ...base, address: resolved.address, ...withSupervisor(result, supervisor), info, supervisor };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ...base, address: resolved.address, status: 'UNKNOWN', detail, latencyMs: 0, supervisor };
  }
}

/** The health of the trainer and the attack server, checked in parallel. Never rejects. */
export function getServicesHealth(options: GetServicesHealthOptions = {}): Promise<ServiceHealth[]> {
  const supervised = readSupervisorStatus(options.env ?? process.env);
  return Promise.all(DASHBOARD_SERVICES.map((service) => serviceHealth(service, options, supervised)));
}
