/** The attack server's live attacks as server-sent events. */
import { Split, type StreamAttackRequest, type AttackStreamServiceClient } from '@advlab/contract';
import type { LiveAttackRequestData } from '@advlab/dashboard-util';
import { getAttackStreamClient } from './clients';
import { toWireAttack } from './requests';
import { grpcStreamToSSE } from './sse';
import { toAttackFrame } from './views';
import { toDashboardError } from './errors';

export function toStreamAttackRequest(data: LiveAttackRequestData): StreamAttackRequest {
  const image: StreamAttackRequest['image'] =
    data.source.type === 'dataset'
      ? { $case: 'datasetImage', value: { datasetId: data.source.datasetId, split: Split.SPLIT_UNSPECIFIED, index: data.source.index } }
      : { $case: 'upload', value: { id: data.source.name, data: Buffer.from(data.source.base64, 'base64') } };
  return { modelId: data.modelId, image, attack: toWireAttack(data), topK: data.topK, frameEvery: 1, amplification: 10 };
}

/**
 * One PGD attack as server-sent events: `event: frame` with a JSON `AttackFrameView` per
 * step, `event: stream-error` with a `DashboardError` if the server fails. The call is cancelled when
 * `signal` aborts (the browser went away or pressed stop).
 */
export function streamAttackEvents(data: LiveAttackRequestData, options: { signal?: AbortSignal } = {}, client: () => AttackStreamServiceClient = getAttackStreamClient): ReadableStream<Uint8Array> {
  const call = client().streamAttack(toStreamAttackRequest(data));
  return grpcStreamToSSE(call, {
    signal: options.signal,
    toErrorEvent: (error) => ({ event: 'stream-error', data: toDashboardError(error) }),
    toEvent: (response) => (response.frame ? { event: 'frame', id: String(response.frame.step), data: toAttackFrame(response.frame) } : null),
  });
}
