import type { ReactNode } from 'react';
import { getServicesHealth, type ServiceHealth } from '@advlab/dashboard-data-access';
import { HealthPanel } from './health-panel';

export interface ServicesHealthProps {
  /** Controls beside the heading; a function gets the statuses (e.g. to refresh while one is down). */
  actions?: ReactNode | ((services: readonly ServiceHealth[]) => ReactNode);
  /** Where the statuses come from; defaults to live gRPC health checks. */
  load?: () => Promise<ServiceHealth[]>;
}

/** Server component: checks every service now and renders the health panel. */
export async function ServicesHealth({ actions, load = getServicesHealth }: ServicesHealthProps) {
  const services = await load();
  return <HealthPanel services={services} checkedAt={new Date()} actions={typeof actions === 'function' ? actions(services) : actions} />;
}
