export * from './store';
export * from './datasets/catalog';
export * from './models/model-store';
export * from './registry';
export * from './errors';
