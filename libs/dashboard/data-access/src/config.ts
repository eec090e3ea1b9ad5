import { z } from 'zod';
import { ATTACK_STREAM_SERVICE_NAME, TRAINER_SERVICE_NAME } from '@advlab/contract';

/** The gRPC services the dashboard talks to, as data. */
export const DASHBOARD_SERVICES = [
  {
    id: 'trainer',
    name: 'Trainer',
    grpcService: TRAINER_SERVICE_NAME,
    envVar: 'ADVLAB_TRAINER_ADDR',
    defaultAddress: '127.0.0.1:50051',
    /** Its name in `npm start`'s supervisor status. */
    supervisorName: 'trainer',
  },
  {
    id: 'attack',
    name: 'Attack server',
    grpcService: ATTACK_STREAM_SERVICE_NAME,
    envVar: 'ADVLAB_ATTACK_ADDR',
    defaultAddress: '127.0.0.1:50052',
    supervisorName: 'attack-server',
  },
] as const;

export type DashboardService = (typeof DASHBOARD_SERVICES)[number];
export type ServiceId = DashboardService['id'];

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

/** `host:port`, where host is a name, an IPv4 address or a bracketed IPv6 address. */
export const serviceAddressSchema = z
  .string()
  .trim()
  .refine(
    (value) => {
      const colon = value.lastIndexOf(':');
      if (colon <= 0) return false;
      const host = value.slice(0, colon);
      const port = value.slice(colon + 1);
      if (!HOST.test(host) || !/^\d{1,5}$/.test(port)) return false;
      const n = Number(port);
      return n >= 1 && n <= 65535;
    },
    { message: 'expected host:port, e.g. 127.0.0.1:50051' },
  );

const fromEnv = (fallback: string) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), serviceAddressSchema.default(fallback));

/** Environment variables read by the dashboard's server side. */
export const dashboardEnvSchema = z.object({
  ADVLAB_TRAINER_ADDR: fromEnv('127.0.0.1:50051'),
  ADVLAB_ATTACK_ADDR: fromEnv('127.0.0.1:50052'),
});

export type DashboardEnv = z.infer<typeof dashboardEnvSchema>;

export type AddressResult = { ok: true; address: string } | { ok: false; address: string; error: string };

/** Resolves one service's address from the environment without throwing. */
export function resolveServiceAddress(service: DashboardService, env: NodeJS.ProcessEnv = process.env): AddressResult {
  const raw = env[service.envVar];
  const parsed = dashboardEnvSchema.shape[service.envVar].safeParse(raw);
  if (parsed.success) return { ok: true, address: parsed.data };
  const message = parsed.error.issues.map((issue) => issue.message).join('; ');
  return { ok: false, address: String(raw ?? ''), error: `${service.envVar} is invalid: ${message}` };
}

/** Reads and validates every service address; throws a readable error when one is invalid. */
export function loadDashboardEnv(env: NodeJS.ProcessEnv = process.env): DashboardEnv {
  const parsed = dashboardEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid dashboard environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
