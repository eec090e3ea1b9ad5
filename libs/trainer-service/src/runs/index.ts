export * from './run-manager';
