export * from './jobs/training';
export * from './jobs/sweep';
export * from './runs';
export * from './server';
export * from './service';
