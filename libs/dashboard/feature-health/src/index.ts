export { HealthPanel, ServiceHealthCard, summarize, type HealthPanelProps } from './health-panel';
export { HealthPanelSkeleton } from './health-panel-skeleton';
export { ServicesHealth, type ServicesHealthProps } from './services-health';
export { STATUS_PRESENTATION, type StatusPresentation } from './status';
