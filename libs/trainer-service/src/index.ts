export * from './config';
export * from './inference';
export * from './jobs/training';
export * from './runs';
export * from './server';
export * from './service';
