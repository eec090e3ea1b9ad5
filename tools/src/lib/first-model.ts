import {
  clientCredentials,
  connectionFromEnv,
  promiseClient,
  RunStatus,
  TrainerServiceClient,
  TrainRequest,
  type RunEvent,
  type TrainResponse,
} from '@advlab/contract';
import * as grpc from '@grpc/grpc-js';

/** The first model `npm start` trains on the bundled data: small and quick on two cores. */
export const FIRST_MODEL_REQUEST = TrainRequest.fromPartial({
  datasetId: 'fashion-mnist-mini',
  name: 'first model (bundled Fashion-MNIST)',
  model: { featureMaps: [16, 32], dropRate: 0.2, batchNorm: true, useSkip: true },
  training: { epochs: 3, batchSize: 32, learningRate: 0.001, seed: 1234 },
});

export interface FirstModelOutcome {
  /** Why nothing was started, when nothing was. */
  skipped?: string;
  /** The run started. */
  runId?: string;
  /** Resolves with the run's final event once it ends. */
  done?: Promise<RunEvent | undefined>;
}

/**
 * Trains a first model unless the registry already has one (or a run is
 * already queued or running), and reports its epochs through `log`.
 */
export async function ensureFirstModel(
  trainerAddress: string,
  log: (line: string) => void,
  request: TrainRequest = FIRST_MODEL_REQUEST,
): Promise<FirstModelOutcome> {
  // The token and TLS settings npm start runs with (ADVLAB_TOKEN, ADVLAB_TLS_*).
  const { credentials, options } = clientCredentials(connectionFromEnv());
  const client = new TrainerServiceClient(trainerAddress, credentials, options);
  const api = promiseClient(client);
  const { models } = await api.listModels({ pageSize: 1, pageToken: '', datasetId: '' });
  if (models.length) {
    client.close();
    return { skipped: `a model exists already (${models[0].id})` };
  }
  for (const status of [RunStatus.RUN_STATUS_RUNNING, RunStatus.RUN_STATUS_QUEUED]) {
    const { runs } = await api.listRuns({ pageSize: 1, pageToken: '', status, kind: 0, datasetId: '', includeTrials: false });
    if (runs.length) {
      client.close();
      return { skipped: `run ${runs[0].id} is already training` };
    }
  }
  const stream = client.train(request);
  let runId = '';
  const done = new Promise<RunEvent | undefined>((resolve) => {
    let last: RunEvent | undefined;
    stream.on('data', (response: TrainResponse) => {
      const event = response.event;
      if (!event?.event) return;
      last = event;
      const e = event.event;
      if (e.$case === 'created') log(`training a first model on the bundled data (run ${event.runId})`);
      if (e.$case === 'epoch') {
        const m = e.value;
        log(`epoch ${m.epoch}/${request.training?.epochs}: loss ${m.trainLoss.toFixed(3)}, accuracy ${(100 * m.trainAccuracy).toFixed(1)}%, validation ${(100 * m.valAccuracy).toFixed(1)}% (${m.imagesPerSecond.toFixed(0)} img/s)`);
      }
      if (e.$case === 'finished') log(`first model ready: ${e.value.model?.id} (validation accuracy ${(100 * (e.value.model?.valAccuracy ?? 0)).toFixed(1)}%)`);
      if (e.$case === 'failed') log(`first model failed: ${e.value.error}`);
    });
    stream.on('error', (err: grpc.ServiceError) => {
      if (err.code !== grpc.status.CANCELLED) log(`first model: ${err.details || err.message}`);
      client.close();
      resolve(last);
    });
    stream.on('end', () => {
      client.close();
      resolve(last);
    });
  });
  runId = await new Promise<string>((resolve) => {
    const onData = (response: TrainResponse) => {
      if (response.event?.runId) {
        stream.off('data', onData);
        resolve(response.event.runId);
      }
    };
    stream.on('data', onData);
    void done.then(() => resolve(''));
  });
  return { runId, done };
}
