export * from './jobs/training';
export * from './jobs/sweep';
export * from './runs';
export * from './server';
export * from './service';
export * from './handlers/runs';
export * from './handlers/evaluation';
export * from './jobs/adversarial';
