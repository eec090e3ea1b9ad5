import type { ReactNode } from 'react';
import type { ServerInfoView, ServiceHealth } from '@advlab/dashboard-data-access';
import { Card, CardContent, CardDescription, CardHeader, CardTitle, StatusBadge, cn } from '@advlab/dashboard-ui';
import { STATUS_PRESENTATION } from './status';

export interface HealthPanelProps {
  services: readonly ServiceHealth[];
  /** When the statuses were read; shown so a stale page is recognisable. */
  checkedAt?: Date;
  /** Controls shown next to the heading, e.g. a refresh button. */
  actions?: ReactNode;
  className?: string;
}

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function summarize(services: readonly ServiceHealth[]): string {
  if (services.length === 0) return 'No services configured.';
  const serving = services.filter((s) => s.status === 'SERVING').length;
  if (serving === services.length) return services.length === 1 ? 'The service is serving.' : `All ${services.length} services are serving.`;
  return `${serving} of ${services.length} services serving.`;
}

function latencyText(service: ServiceHealth): string {
  return service.status === 'SERVING' || service.status === 'NOT_SERVING' || service.status === 'UNKNOWN'
    ? `${service.latencyMs} ms`
    : `failed after ${service.latencyMs} ms`;
}

/** `3 h 05 min`, `4 min 12 s`, `9 s`. */
export function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

function loadText(info: ServerInfoView): string {
  const parts = [`${info.activeCalls} call${info.activeCalls === 1 ? '' : 's'}`];
  if (info.runningRuns || info.queuedRuns) parts.push(`${info.runningRuns} run${info.runningRuns === 1 ? '' : 's'} training, ${info.queuedRuns} queued`);
  if (info.runningAttacks) parts.push(`${info.runningAttacks} attack${info.runningAttacks === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** Rows about the process itself (from GetServerInfo) and its supervision. */
function ProcessFacts({ service }: { service: ServiceHealth }) {
  const { info, supervisor } = service;
  return (
    <>
      {info ? (
        <>
          <dt className="text-neutral-500">Backend</dt>
          <dd className="text-neutral-900" data-field="backend">
            {info.backend}
            {info.backendNote ? <span className="block text-xs break-words text-neutral-500">{info.backendNote}</span> : null}
          </dd>
          <dt className="text-neutral-500">Process</dt>
          <dd className="text-neutral-900 tabular-nums" data-field="process">
            pid {info.pid}, up {formatUptime(info.uptimeSeconds)}, v{info.version}
          </dd>
          <dt className="text-neutral-500">Memory</dt>
          <dd className="text-neutral-900 tabular-nums">
            {formatMiB(info.rssBytes)}, {info.tensors} tensor{info.tensors === 1 ? '' : 's'}
          </dd>
          <dt className="text-neutral-500">Load</dt>
          <dd className="text-neutral-900">{loadText(info)}</dd>
          <dt className="text-neutral-500">Incidents</dt>
          <dd className={info.unhandledRejections ? 'text-amber-800' : 'text-neutral-900'} data-field="incidents">
            {info.unhandledRejections
              ? `${info.unhandledRejections} unhandled rejection${info.unhandledRejections === 1 ? '' : 's'} logged and survived` +
                (info.lastIncident ? ` (last: ${info.lastIncident.id}, ${info.lastIncident.message})` : '')
              : 'none'}
          </dd>
        </>
      ) : null}
      {supervisor && (supervisor.restarts > 0 || supervisor.state !== 'running') ? (
        <>
          <dt className="text-neutral-500">Restarts</dt>
          <dd className="text-neutral-900" data-field="restarts">
            {supervisor.restarts}
            {supervisor.lastExit ? `, last exit ${supervisor.lastExit.code} at ${timeFormat.format(new Date(supervisor.lastExit.at))}` : ''}
          </dd>
        </>
      ) : null}
    </>
  );
}

export function ServiceHealthCard({ service }: { service: ServiceHealth }) {
  const presentation = STATUS_PRESENTATION[service.status];
  const titleId = `service-${service.id}-title`;
  return (
    <Card role="group" aria-labelledby={titleId} data-service={service.id} data-status={service.status} className="flex h-full flex-col">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle id={titleId}>{service.name}</CardTitle>
          <CardDescription className="truncate font-mono text-xs">{service.grpcService}</CardDescription>
        </div>
        <StatusBadge tone={presentation.tone} label={presentation.label} />
      </CardHeader>
      <CardContent className="flex flex-1 flex-col gap-3">
        <dl className="grid grid-cols-[6rem_minmax(0,1fr)] gap-x-4 gap-y-1.5 text-sm">
          <dt className="text-neutral-500">Address</dt>
          <dd className="font-mono break-all text-neutral-900">{service.address || '—'}</dd>
          <dt className="text-neutral-500">Latency</dt>
          <dd className="text-neutral-900 tabular-nums">{latencyText(service)}</dd>
          <ProcessFacts service={service} />
        </dl>
        {service.status === 'SERVING' ? null : (
          <div className="mt-auto rounded-lg bg-neutral-50 px-3 py-2 text-sm">
            <p className="text-neutral-700">{presentation.hint}</p>
            {service.detail ? <p className="mt-1 font-mono text-xs break-words text-neutral-500">{service.detail}</p> : null}
          </div>
        )}
      </CardContent>
    </Card>
  );
}

/** The services' health: a summary line and one card per service with status, address and latency. */
export function HealthPanel({ services, checkedAt, actions, className }: HealthPanelProps) {
  return (
    <section aria-labelledby="services-health-heading" className={cn('@container flex flex-col gap-5', className)}>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="services-health-heading" className="text-lg font-semibold text-neutral-900">
            Services
          </h2>
          <p className="mt-1 text-sm text-neutral-600" role="status">
            {summarize(services)}
            {checkedAt ? (
              <>
                {' '}
                Checked at <time dateTime={checkedAt.toISOString()}>{timeFormat.format(checkedAt)}</time>.
              </>
            ) : null}
          </p>
        </div>
        {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
      </div>
      <ul className="grid gap-4 @2xl:grid-cols-2">
        {services.map((service) => (
          <li key={service.id}>
            <ServiceHealthCard service={service} />
          </li>
        ))}
      </ul>
    </section>
  );
}
