import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  sendUnaryData,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { once } from 'node:events';
import { toServiceError } from './errors';

/** Where handler wrappers report unexpected (INTERNAL) errors, with the incident id the client got. */
export type InternalErrorSink = (err: unknown, method: string, incidentId?: string) => void;

let internalErrorSink: InternalErrorSink = (err, method, incidentId) => {
  console.error(`[grpc] ${method}: unexpected error${incidentId ? ` (incident ${incidentId})` : ''}`, err);
};

/** Replaces the sink for unexpected errors (servers route it to their logger). */
export function setInternalErrorSink(sink: InternalErrorSink): void {
  internalErrorSink = sink;
}

let inFlight = 0;

/** Calls being answered now, across every handler wrapped by this module. */
export function activeCalls(): number {
  return inFlight;
}

/** Counts a call from its start until `settled` settles (it never rejects). */
function track(settled: Promise<unknown>): void {
  inFlight++;
  void settled.finally(() => inFlight--);
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
    // Promise.resolve().then: a handler that throws synchronously is answered like one that rejects.
    const answered = Promise.resolve()
      .then(() => fn(call.request, { signal: controller.signal, metadata: call.metadata }))
      .then(
        (response) => callback(null, response),
        (err: unknown) =>
          // A client that left gets no answer; what the handler threw then is the cancellation itself, not an incident.
          controller.signal.aborted
            ? callback({ code: status.CANCELLED, details: 'cancelled by the client' })
            : callback(toServiceError(err, (e, id) => internalErrorSink(e, method, id))),
      )
      .catch((err: unknown) => internalErrorSink(err, method))
      .finally(() => controller.abort(new Error('call ended')));
    track(answered);
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
 * client has gone (`signal` aborted). However the call ends, the handler's
 * signal is aborted before its generator is closed, so work the generator
 * waits for in its `finally` stops too; every promise here settles.
 */
function pipeResponses<Res>(
  method: string,
  call: ServerWritableStream<unknown, Res> | ServerDuplexStream<unknown, Res>,
  responses: () => AsyncIterable<Res>,
  controller: AbortController,
): void {
  const { signal } = controller;
  const piped = (async () => {
    let iterator: AsyncIterator<Res> | undefined;
    let outcome: { error: unknown } | undefined;
    try {
      iterator = responses()[Symbol.asyncIterator]();
      while (!signal.aborted) {
        const next = await iterator.next();
        if (next.done) break;
        if (signal.aborted) break;
        await writeWithBackpressure(call, next.value, signal);
      }
    } catch (error) {
      outcome = { error };
    }
    const clientGone = signal.aborted;
    controller.abort(new Error('call ended'));
    try {
      await iterator?.return?.();
    } catch (error) {
      outcome ??= { error };
    }
    // A client that left gets nothing more; what its handler threw then is mostly the cancellation itself.
    if (clientGone) return;
    if (outcome) call.emit('error', toServiceError(outcome.error, (e, id) => internalErrorSink(e, method, id)));
    else call.end();
  })().catch((err: unknown) => internalErrorSink(err, method));
  track(piped);
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
    const controller = abortOnCancel(call);
    pipeResponses(method, call, () => fn(call.request, { signal: controller.signal, metadata: call.metadata }), controller);
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
    const controller = abortOnCancel(call);
    // Iterating a Readable destroys it when the loop ends unless told not to,
    // which would cancel the call before the responses are written.
    const requests = call.iterator({ destroyOnReturn: false }) as AsyncIterable<Req>;
    pipeResponses(method, call, () => fn(requests, { signal: controller.signal, metadata: call.metadata }), controller);
  };
}
