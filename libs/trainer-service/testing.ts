export * from './src/testing';
export * from './src/trainer-processes';
