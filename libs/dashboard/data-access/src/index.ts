/**
 * Server-side access to the advlab gRPC services for the dashboard. Import it only from
 * server code (server components, route handlers): it opens gRPC channels.
 */
export {
  DASHBOARD_SERVICES,
  dashboardEnvSchema,
  loadDashboardEnv,
  resolveServiceAddress,
  serviceAddressSchema,
  type AddressResult,
  type DashboardEnv,
  type DashboardService,
  type ServiceId,
} from './config';
export { CHANNEL_OPTIONS, closeClients, getAttackStreamClient, getHealthClient, getServerInfoClient, getTrainerClient } from './clients';
export {
  DEFAULT_HEALTH_DEADLINE_MS,
  SERVICE_STATUSES,
  checkHealth,
  fetchServerInfo,
  getServicesHealth,
  readSupervisorStatus,
  toServerInfoView,
  toServiceStatus,
  withSupervisor,
  type GetServicesHealthOptions,
  type HealthCheckResult,
  type ServerInfoView,
  type ServiceHealth,
  type ServiceStatus,
  type SupervisorView,
} from './health';
export { SSE_HEADERS, formatSSE, grpcStreamToSSE, sseResponse, type CancellableStream, type SSEEvent, type StreamToSSEOptions } from './sse';
export { attempt, httpStatusFor, toDashboardError, type DashboardError, type Loaded } from './errors';
export * from './views';
export * from './requests';
export * from './trainer';
export { streamAttackEvents, toStreamAttackRequest } from './attack';
export * from './guard';
export * from './session';
export {
  LIVE_ATTACK_MAX_BODY_BYTES,
  attackGalleryRoute,
  cancelRunRoute,
  createSessionRoute,
  deleteModelRoute,
  deleteSessionRoute,
  evaluateModelRoute,
  importDatasetRoute,
  runEventsRoute,
  startRunRoute,
  startStudyRoute,
  streamAttackRoute,
  studyDownloadRoute,
} from './routes';
