/**
 * Studies: Study submits the notebook's whole study as one run and streams its events;
 * GetStudy reads a study with its finished stages; ExportStudyReport renders them as one
 * self-contained HTML file (`report/study-report.ts`).
 */
import {
  GetStudyResponse,
  Run,
  RunKind,
  StudyPreset,
  StudyResponse,
  StudyStageKind,
  type StudyRequest,
  type TrainerServiceServer,
} from '@advlab/contract';
import { resolveModelConfig, resolveStudyConfig, resolveTrainingConfig, studyPresetSettings } from '@advlab/config/resolve';
import { failedPrecondition, invalidArgument, serverStream, unary } from '@advlab/grpc-server';
import { newId, TERMINAL_STATUSES } from '@advlab/registry';
import { finishedStages, studyJob } from '../jobs/study';
import { sweepGrid } from '../jobs/sweep';
import { renderStudyReport } from '../report/study-report';
import type { TrainerDeps } from '../service';

/** Validates a study request (the grid included), then queues the study as one resumable run. */
export async function submitStudy(deps: TrainerDeps, request: StudyRequest): Promise<Run> {
  if (!request.datasetId) throw invalidArgument('dataset_id is required');
  const dataset = await deps.registry.datasets.get(request.datasetId);
  const study = resolveStudyConfig(request.study);
  const model = resolveModelConfig(request.model, dataset.imageSize, dataset.classNames);
  const training = resolveTrainingConfig({
    ...request.training,
    epochs: study.epochs,
    maxTrainImages: request.training?.maxTrainImages ?? studyPresetSettings(study.preset).maxTrainImages,
  });
  // Every configuration of the grid must be valid before anything runs.
  for (const point of sweepGrid({ model, training }, study.grid)) resolveModelConfig(point.model, dataset.imageSize, dataset.classNames);
  if (study.testFolder) await deps.registry.datasets.resolveFolder(study.testFolder);
  const run = Run.fromPartial({
    id: newId('run'),
    name: request.name || `study of ${dataset.name} (${study.preset === StudyPreset.STUDY_PRESET_QUICK ? 'quick' : 'notebook'})`,
    kind: RunKind.RUN_KIND_STUDY,
    datasetId: request.datasetId,
    model,
    training,
    study,
  });
  return deps.manager.submit(run, studyJob(deps), { resumable: true });
}

/** The job of a stored study left unfinished by a stop (for `RunManager.recoverInterrupted`). */
export function resumeStudy(deps: TrainerDeps, run: Run): ReturnType<typeof studyJob> | undefined {
  return run.kind === RunKind.RUN_KIND_STUDY && !run.parentRunId && run.study ? studyJob(deps) : undefined;
}

/** A study with its finished stages and the stage running now. */
export async function getStudy(deps: TrainerDeps, runId: string): Promise<GetStudyResponse> {
  if (!runId) throw invalidArgument('run_id is required');
  const run = await deps.manager.get(runId);
  if (run.kind !== RunKind.RUN_KIND_STUDY) throw failedPrecondition(`run "${runId}" is not a study`);
  const stages = await finishedStages(deps, runId);
  const started = await deps.registry.runs.eventsOf(runId, 'stageStarted');
  const last = started[started.length - 1]?.event;
  const lastKind = last?.$case === 'stageStarted' ? last.value.kind : StudyStageKind.STUDY_STAGE_KIND_UNSPECIFIED;
  const current = !TERMINAL_STATUSES.has(run.status) && !stages.some((s) => s.kind === lastKind) ? lastKind : StudyStageKind.STUDY_STAGE_KIND_UNSPECIFIED;
  let dataset: { name: string; classNames: string[] } = { name: '', classNames: run.model?.classNames ?? [] };
  try {
    dataset = await deps.registry.datasets.get(run.datasetId);
  } catch {
    // A deleted dataset: the study's record still names it by id.
  }
  return GetStudyResponse.fromPartial({ run, stages, current, classNames: dataset.classNames, datasetName: dataset.name });
}

/** The study handlers of the TrainerService. */
export function studyHandlers(deps: TrainerDeps): Pick<TrainerServiceServer, 'study' | 'getStudy' | 'exportStudyReport'> {
  return {
    study: serverStream('Study', async function* (request, { signal }) {
      const run = await submitStudy(deps, request);
      for await (const event of deps.manager.watch(run.id, 0, signal)) yield StudyResponse.fromPartial({ event });
    }),
    getStudy: unary('GetStudy', async (request) => getStudy(deps, request.runId)),
    exportStudyReport: unary('ExportStudyReport', async (request) => {
      const study = await getStudy(deps, request.runId);
      return { html: renderStudyReport(study), fileName: `study-${request.runId}.html` };
    }),
  };
}
