export * from './async-queue';
export * from './run-manager';
