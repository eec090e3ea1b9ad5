export * from './client';
export * from './context';
export * from './errors';
export * from './format';
export * from './main';
export * from './parse';
