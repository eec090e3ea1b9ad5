/** The attack server's live attacks as server-sent events. */
import { Split, type StreamAttackRequest, type AttackStreamServiceClient } from '@advlab/contract';
import type { LiveAttackRequestData } from '@advlab/dashboard-util';
import { getAttackStreamClient } from './clients';
import { toWireAttack } from './requests';
import { grpcStreamToSSE } from './sse';
import { toAttackFrame } from './views';

export function toStreamAttackRequest(data: LiveAttackRequestData): StreamAttackRequest {
  const image: StreamAttackRequest['image'] =
    data.source.type === 'dataset'
      ? { $case: 'datasetImage', value: { datasetId: data.source.datasetId, split: Split.SPLIT_UNSPECIFIED, index: data.source.index } }
      : { $case: 'upload', value: { id: data.source.name, data: Buffer.from(data.source.base64, 'base64') } };
  return { modelId: data.modelId, image, attack: toWireAttack(data), topK: data.topK, frameEvery: 1, amplification: 10 };
}

/**
 * One PGD attack as server-sent events: `event: frame` with a JSON `AttackFrameView` per
 * step, `event: error` if the server fails. The StreamAttack call is cancelled when
 * `signal` aborts (the browser went away or pressed stop).
 */
export function streamAttackEvents(data: LiveAttackRequestData, options: { signal?: AbortSignal } = {}, client: () => AttackStreamServiceClient = getAttackStreamClient): ReadableStream<Uint8Array> {
  const call = client().streamAttack(toStreamAttackRequest(data));
  return grpcStreamToSSE(call, {
    signal: options.signal,
    toEvent: (response) => (response.frame ? { event: 'frame', id: String(response.frame.step), data: toAttackFrame(response.frame) } : null),
  });
}
