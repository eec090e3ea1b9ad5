/** The request guard and the session without the gRPC clients, for the dashboard's proxy. */
export * from './src/guard';
export * from './src/session';
