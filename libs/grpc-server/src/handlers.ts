import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  sendUnaryData,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import { once } from 'node:events';
import { toServiceError } from './errors';

/** Where handler wrappers report unexpected (INTERNAL) errors. */
export type InternalErrorSink = (err: unknown, method: string) => void;

let internalErrorSink: InternalErrorSink = (err, method) => {
  console.error(`[grpc] ${method}: unexpected error`, err);
};

/** Replaces the sink for unexpected errors (servers route it to their logger). */
export function setInternalErrorSink(sink: InternalErrorSink): void {
  internalErrorSink = sink;
}

/** Context given to every handler: the call's metadata and an abort signal. */
export interface CallContext {
  /** Aborted when the client cancels, the deadline passes, or the call ends. */
  signal: AbortSignal;
  /** Request metadata. */
  metadata: ServerUnaryCall<unknown, unknown>['metadata'];
}

function abortOnCancel(call: { on(event: 'cancelled', fn: () => void): unknown }): AbortController {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort(new Error('cancelled by the client')));
  return controller;
}

/**
 * Wraps an async function as a grpc-js unary handler: its result is the
 * response, a thrown error is mapped to a status in one place, and the
 * handler answers exactly once.
 */
export function unary<Req, Res>(
  method: string,
  fn: (request: Req, ctx: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const controller = abortOnCancel(call);
    fn(call.request, { signal: controller.signal, metadata: call.metadata }).then(
      (response) => callback(null, response),
      (err: unknown) => callback(toServiceError(err, (e) => internalErrorSink(e, method))),
    );
  };
}

/** Writes one message, waiting for 'drain' when the transport is full. */
export async function writeWithBackpressure<Res>(
  call: ServerWritableStream<unknown, Res> | ServerDuplexStream<unknown, Res>,
  message: Res,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  if (!call.write(message)) {
    await once(call, 'drain', { signal }).catch(() => undefined);
  }
}

/**
 * Writes every message of `responses` to `call` with backpressure, then ends
 * the call; an error ends it with a mapped status. Stops quietly once the
 * client has gone (`signal` aborted).
 */
function pipeResponses<Res>(
  method: string,
  call: ServerWritableStream<unknown, Res> | ServerDuplexStream<unknown, Res>,
  responses: () => AsyncIterable<Res>,
  signal: AbortSignal,
): void {
  (async () => {
    for await (const message of responses()) {
      if (signal.aborted) break;
      await writeWithBackpressure(call, message, signal);
    }
  })().then(
    () => {
      if (!signal.aborted) call.end();
    },
    (err: unknown) => {
      if (!signal.aborted) call.emit('error', toServiceError(err, (e) => internalErrorSink(e, method)));
    },
  );
}

/**
 * Wraps an async generator as a server-streaming handler: each yielded value
 * is written with backpressure (the generator is not resumed until the
 * transport drains), the generator's signal aborts when the client cancels,
 * and errors end the stream with a mapped status.
 */
export function serverStream<Req, Res>(
  method: string,
  fn: (request: Req, ctx: CallContext) => AsyncIterable<Res>,
): handleServerStreamingCall<Req, Res> {
  return (call: ServerWritableStream<Req, Res>) => {
    const { signal } = abortOnCancel(call);
    pipeResponses(method, call, () => fn(call.request, { signal, metadata: call.metadata }), signal);
  };
}

/**
 * Wraps a function of (incoming messages, context) returning an async
 * iterable of responses as a bidirectional-streaming handler, with the same
 * backpressure, cancellation and error mapping as `serverStream`.
 */
export function bidiStream<Req, Res>(
  method: string,
  fn: (requests: AsyncIterable<Req>, ctx: CallContext) => AsyncIterable<Res>,
): handleBidiStreamingCall<Req, Res> {
  return (call: ServerDuplexStream<Req, Res>) => {
    const { signal } = abortOnCancel(call);
    // Iterating a Readable destroys it when the loop ends unless told not to,
    // which would cancel the call before the responses are written.
    const requests = call.iterator({ destroyOnReturn: false }) as AsyncIterable<Req>;
    pipeResponses(method, call, () => fn(requests, { signal, metadata: call.metadata }), signal);
  };
}
