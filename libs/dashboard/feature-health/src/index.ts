export { HealthPanel, ServiceHealthCard, summarize, type HealthPanelProps } from './health-panel';
export { HealthPanelSkeleton } from './health-panel-skeleton';
export { ServicesHealth, type ServicesHealthProps } from './services-health';
export { STATUS_PRESENTATION, type StatusPresentation } from './status';
export { TrainerWorkers, WorkersPanelSkeleton, type TrainerWorkersProps } from './trainer-workers';
export { WORKER_ROLE_LABELS, WORKER_STATE_PRESENTATION, WorkersPanel, summarizeWorkers, type WorkersPanelProps } from './workers-panel';
