export * from './errors';
export * from './handlers';
export * from './server';
export * from './auth';
export * from './config';
export * from './unimplemented';
export * from './process-guard';
export * from './server-info';
