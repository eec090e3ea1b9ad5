import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';

/** The unary methods of a generated client, returning promises. */
export type PromiseClient<C> = {
  [K in keyof C as C[K] extends (...args: never[]) => ClientUnaryCall ? K : never]: C[K] extends (
    request: infer Req,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: ServiceError | null, response: infer Res) => void,
  ) => ClientUnaryCall
    ? (request: Req, metadata?: Metadata, options?: Partial<CallOptions>) => Promise<Res>
    : never;
};

/**
 * Wraps a ts-proto grpc-js client so its unary methods return promises:
 * `await promiseClient(client).getRun({ runId })`. Streaming methods stay on
 * the client itself.
 */
export function promiseClient<C extends object>(client: C): PromiseClient<C> {
  return new Proxy(client, {
    get(target, prop) {
      const method = (target as Record<PropertyKey, unknown>)[prop];
      if (typeof method !== 'function') return method;
      return (request: unknown, metadata?: Metadata, options?: Partial<CallOptions>) =>
        new Promise((resolve, reject) =>
          (method as (...a: unknown[]) => unknown).call(target, request, metadata ?? new Metadata(), options ?? {}, (err: ServiceError | null, res: unknown) =>
            err ? reject(err) : resolve(res),
          ),
        );
    },
  }) as unknown as PromiseClient<C>;
}
