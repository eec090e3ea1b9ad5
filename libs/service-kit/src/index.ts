export * from './config';
export * from './inference';
export * from './robust';
export * from './uploads';
