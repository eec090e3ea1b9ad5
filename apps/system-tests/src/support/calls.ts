import * as grpc from '@grpc/grpc-js';

/** How a streaming call ended, from the client's side. */
export interface StreamOutcome<T> {
  messages: T[];
  /** The final status: OK when the server ended the stream, CANCELLED when the client did. */
  code: grpc.status;
  details: string;
}

/**
 * Reads a server-streaming (or bidirectional) call to its end, or cancels it as soon as
 * `cancelAfter` messages have arrived. Never rejects: the status is part of the outcome.
 */
export function readStream<T>(call: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>, cancelAfter?: number): Promise<StreamOutcome<T>> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    let cancelled = false;
    call.on('data', (message: T) => {
      if (cancelled) return;
      messages.push(message);
      if (cancelAfter !== undefined && messages.length >= cancelAfter) {
        cancelled = true;
        call.cancel();
      }
    });
    call.on('error', (err: grpc.ServiceError) => resolve({ messages, code: err.code, details: err.details }));
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) resolve({ messages, code: status.code, details: status.details });
    });
  });
}

/** A unary call's outcome: its response or its status, never a rejection. */
export function settle<T>(start: (callback: (err: grpc.ServiceError | null, res?: T) => void) => unknown): Promise<{ code: grpc.status; details: string; response?: T }> {
  return new Promise((resolve) => {
    try {
      start((err, response) => resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '', response }));
    } catch (err) {
      resolve({ code: grpc.status.UNKNOWN, details: err instanceof Error ? err.message : String(err) });
    }
  });
}

/** The indices at which the fault table cancels a stream of `total` messages: after the first, in the middle, just before the end. */
export function cancelPoints(total: number): { name: 'first' | 'middle' | 'before-end'; after: number }[] {
  return [
    { name: 'first', after: 1 },
    { name: 'middle', after: Math.max(1, Math.ceil(total / 2)) },
    { name: 'before-end', after: Math.max(1, total - 1) },
  ];
}
