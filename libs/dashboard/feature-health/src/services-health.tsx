import type { ReactNode } from 'react';
import { getServicesHealthWithBackend, type ServiceHealth } from '@advlab/dashboard-data-access';
import { HealthPanel } from './health-panel';

export interface ServicesHealthProps {
  actions?: ReactNode;
  /** Where the statuses come from; defaults to live gRPC health checks (and the trainer's backend). */
  load?: () => Promise<ServiceHealth[]>;
}

/** Server component: checks every service now and renders the health panel. */
export async function ServicesHealth({ actions, load = () => getServicesHealthWithBackend() }: ServicesHealthProps) {
  const services = await load();
  return <HealthPanel services={services} checkedAt={new Date()} actions={actions} />;
}
