export * from './db';
export * from './ids';
export * from './pages';
export * from './runs';
export * from './models';
export * from './datasets';
export * from './file-blobs';
export * from './pg';
