import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { health } from '@advlab/contract';
import { getHealthClient } from './clients';
import { getTrainerBackend } from './trainer';
import { DASHBOARD_SERVICES, resolveServiceAddress, type DashboardService, type ServiceId } from './config';

export const SERVICE_STATUSES = ['SERVING', 'NOT_SERVING', 'UNKNOWN', 'UNREACHABLE'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

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
  /** The trainer's tensor backend, when it answered. */
  backend?: string;
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

export interface GetServicesHealthOptions {
  env?: NodeJS.ProcessEnv;
  deadlineMs?: number;
  /** Client factory, for tests; defaults to the cached grpc-js clients. */
  clientFor?: (address: string) => CheckClient;
}

async function serviceHealth(service: DashboardService, options: GetServicesHealthOptions): Promise<ServiceHealth> {
  const base = { id: service.id, name: service.name, grpcService: service.grpcService };
  const resolved = resolveServiceAddress(service, options.env ?? process.env);
  if (!resolved.ok) return { ...base, address: resolved.address, status: 'UNKNOWN', detail: resolved.error, latencyMs: 0 };
  try {
    const client = (options.clientFor ?? getHealthClient)(resolved.address);
    const result = await checkHealth(client, service.grpcService, options.deadlineMs);
    return { ...base, address: resolved.address, ...result };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ...base, address: resolved.address, status: 'UNKNOWN', detail, latencyMs: 0 };
  }
}

/** The health of the trainer and the attack server, checked in parallel. Never rejects. */
export function getServicesHealth(options: GetServicesHealthOptions = {}): Promise<ServiceHealth[]> {
  return Promise.all(DASHBOARD_SERVICES.map((service) => serviceHealth(service, options)));
}

/**
 * {@link getServicesHealth} plus the trainer's tensor backend on its entry (asked only when the
 * trainer is serving). Never rejects.
 */
export async function getServicesHealthWithBackend(options: GetServicesHealthOptions = {}, backendOf: () => Promise<string | null> = () => getTrainerBackend()): Promise<ServiceHealth[]> {
  const services = await getServicesHealth(options);
  const trainer = services.find((s) => s.id === 'trainer');
  if (trainer?.status === 'SERVING') {
    const backend = await backendOf().catch(() => null);
    if (backend) trainer.backend = backend;
  }
  return services;
}
