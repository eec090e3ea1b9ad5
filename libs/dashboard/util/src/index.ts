export * from './format';
export * from './schemas';
export * from './sse';
export * from './views';
export * from './defaults';
