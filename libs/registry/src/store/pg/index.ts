export * from './blobs';
export * from './database';
export * from './migrate';
export * from './migrations';
export * from './pool';
export * from './runs';
export * from './models';
export * from './datasets';
