import type { ReactNode } from 'react';
import type { ServiceHealth } from '@advlab/dashboard-data-access';
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
  return service.status === 'UNREACHABLE' ? `failed after ${service.latencyMs} ms` : `${service.latencyMs} ms`;
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
          {service.backend ? (
            <>
              <dt className="text-neutral-500">Backend</dt>
              <dd className="break-words text-neutral-900">{service.backend}</dd>
            </>
          ) : null}
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
