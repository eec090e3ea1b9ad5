/**
 * Route handlers of the dashboard's API (mounted under `app/api` by the app): zod
 * validation of the body, one data-access call, errors as JSON with a matching status.
 */
import { importDatasetRequestSchema, liveAttackRequestSchema, newRunRequestSchema, fieldErrors } from '@advlab/dashboard-util';
import { streamAttackEvents } from './attack';
import { httpStatusFor, toDashboardError, type DashboardError } from './errors';
import { sseResponse } from './sse';
import { cancelRun, deleteModel, evaluateModel, importDatasetEvents, startRun, watchRunEvents } from './trainer';

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });

const failure = (error: DashboardError) => json({ error }, httpStatusFor(error));

async function readJson(request: Request): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  try {
    return { ok: true, body: await request.json() };
  } catch {
    return { ok: false, response: json({ error: { code: 'INVALID_ARGUMENT', message: 'The request body is not JSON', unimplemented: false, unreachable: false } }, 400) };
  }
}

const invalid = (errors: Record<string, string>) =>
  json({ error: { code: 'INVALID_ARGUMENT', message: 'Some fields need attention', unimplemented: false, unreachable: false }, fieldErrors: errors }, 400);

/** POST /api/runs: starts a training, adversarial training or sweep run; answers `{ runId }`. */
export async function startRunRoute(request: Request): Promise<Response> {
  const read = await readJson(request);
  if (!read.ok) return read.response;
  const parsed = newRunRequestSchema.safeParse(read.body);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  try {
    return json(await startRun(parsed.data), 201);
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/** POST /api/runs/:id/cancel. */
export async function cancelRunRoute(_request: Request, runId: string): Promise<Response> {
  try {
    return json({ run: await cancelRun(runId) });
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/**
 * GET /api/runs/:id/events: the run's events as server-sent events, replayed after the
 * browser's Last-Event-ID (or `?after=`) and then live.
 */
export function runEventsRoute(request: Request, runId: string): Response {
  const url = new URL(request.url);
  const after = Number(request.headers.get('last-event-id') ?? url.searchParams.get('after') ?? 0);
  const stream = watchRunEvents(runId, { afterSequence: Number.isFinite(after) && after > 0 ? Math.floor(after) : 0, signal: request.signal });
  return sseResponse(stream);
}

/** DELETE /api/models/:id. */
export async function deleteModelRoute(_request: Request, modelId: string): Promise<Response> {
  try {
    await deleteModel(modelId);
    return json({ modelId });
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/** POST /api/models/:id/evaluate: clean, FGSM and PGD accuracy at `{ epsilon255 }` (default 8). */
export async function evaluateModelRoute(request: Request, modelId: string): Promise<Response> {
  let epsilon255 = 8;
  let maxImages = 500;
  try {
    const body = (await request.json()) as { epsilon255?: unknown; maxImages?: unknown };
    if (typeof body.epsilon255 === 'number' && body.epsilon255 > 0 && body.epsilon255 <= 255) epsilon255 = body.epsilon255;
    if (typeof body.maxImages === 'number' && body.maxImages >= 0) maxImages = Math.floor(body.maxImages);
  } catch {
    // defaults
  }
  try {
    return json({ evaluation: await evaluateModel(modelId, { robustEpsilon: epsilon255 / 255, maxImages }) });
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/** POST /api/attack/stream: one live attack as server-sent events (`frame`, then `error` on failure). */
export async function streamAttackRoute(request: Request): Promise<Response> {
  const read = await readJson(request);
  if (!read.ok) return read.response;
  const parsed = liveAttackRequestSchema.safeParse(read.body);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  return sseResponse(streamAttackEvents(parsed.data, { signal: request.signal }));
}

/**
 * POST /api/datasets/import: imports an ImageFolder on the trainer's machine as server-sent
 * events (`progress`, then `dataset`, or `stream-error`); the import is cancelled when the
 * browser goes away.
 */
export async function importDatasetRoute(request: Request): Promise<Response> {
  const read = await readJson(request);
  if (!read.ok) return read.response;
  const parsed = importDatasetRequestSchema.safeParse(read.body);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  return sseResponse(importDatasetEvents(parsed.data, { signal: request.signal }));
}
