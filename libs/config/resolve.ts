export * from './src/resolve';
