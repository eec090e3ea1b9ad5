/** A server-streaming call as grpc-js returns it: async-iterable messages and `cancel()`. */
export interface CancellableStream<T> extends AsyncIterable<T> {
  cancel(): void;
}

/** One server-sent event. `data` is serialised as JSON. */
export interface SSEEvent {
  event?: string;
  id?: string;
  data: unknown;
}

export interface StreamToSSEOptions<T> {
  /** Turns a message into an event; return `null` to skip it. Defaults to `{ data: message }`. */
  toEvent?: (message: T) => SSEEvent | null;
  /** Turns a stream failure into a final event. Defaults to an `error` event with the message. */
  toErrorEvent?: (error: unknown) => SSEEvent;
  /** Abort (e.g. `request.signal`): cancels the call and closes the stream. */
  signal?: AbortSignal;
}

/** Formats one event in the `text/event-stream` wire format. */
export function formatSSE({ event, id, data }: SSEEvent): string {
  let out = '';
  if (event) out += `event: ${event.replace(/[\r\n]/g, ' ')}\n`;
  if (id) out += `id: ${id.replace(/[\r\n]/g, ' ')}\n`;
  for (const line of JSON.stringify(data ?? null).split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

const isCancelled = (error: unknown) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 1;

function defaultErrorEvent(error: unknown): SSEEvent {
  const message =
    typeof error === 'object' && error !== null && 'details' in error && typeof error.details === 'string' && error.details
      ? error.details
      : error instanceof Error
        ? error.message
        : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return { event: 'error', data: { message, code } };
}

/**
 * Bridges a gRPC server stream to a pull-based `ReadableStream` of server-sent events:
 * a message is read from the call only when the consumer asks for more, and the call is
 * cancelled when the consumer cancels or `signal` aborts.
 */
export function grpcStreamToSSE<T>(call: CancellableStream<T>, options: StreamToSSEOptions<T> = {}): ReadableStream<Uint8Array> {
  const toEvent = options.toEvent ?? ((message: T) => ({ data: message }));
  const toErrorEvent = options.toErrorEvent ?? defaultErrorEvent;
  const iterator = call[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  let finished = false;

  let onAbort: (() => void) | undefined;
  const detach = () => {
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  };
  const stop = () => {
    if (finished) return;
    finished = true;
    call.cancel();
    detach();
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      onAbort = () => {
        if (finished) return;
        stop();
        try {
          controller.close();
        } catch {
          // already closed by the consumer
        }
      };
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      try {
        for (;;) {
          if (finished) return;
          const next = await iterator.next();
          if (finished) return;
          if (next.done) {
            finished = true;
            detach();
            controller.close();
            return;
          }
          const event = toEvent(next.value);
          if (event) {
            controller.enqueue(encoder.encode(formatSSE(event)));
            return;
          }
        }
      } catch (error) {
        if (finished) return;
        stop();
        if (!isCancelled(error)) controller.enqueue(encoder.encode(formatSSE(toErrorEvent(error))));
        controller.close();
      }
    },
    cancel() {
      stop();
    },
  });
}

/** Headers for a `text/event-stream` response that proxies do not buffer. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

/** Wraps an event stream in a `Response` for a route handler. */
export function sseResponse(stream: ReadableStream<Uint8Array>, init: ResponseInit = {}): Response {
  return new Response(stream, { ...init, headers: { ...SSE_HEADERS, ...(init.headers as Record<string, string> | undefined) } });
}
