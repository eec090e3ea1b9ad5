/**
 * Route handlers of the dashboard's API (mounted under `app/api` by the app): the guard
 * (host, session, same origin, JSON, body cap), zod validation of the body, one
 * data-access call, errors as JSON with a matching status.
 */
import {
  evaluateRequestSchema,
  fieldErrors,
  galleryAttackBodySchema,
  importDatasetRequestSchema,
  liveAttackRequestSchema,
  MAX_UPLOAD_BYTES,
  newRunRequestSchema,
  sessionRequestSchema,
  studyRequestSchema,
} from '@advlab/dashboard-util';
import { streamAttackEvents } from './attack';
import { httpStatusFor, toDashboardError, type DashboardError } from './errors';
import { guardRequest, refusalResponse, requestScheme } from './guard';
import { clearedSessionCookie, constantTimeEqual, dashboardToken, sessionCookie } from './session';
import { sseResponse } from './sse';
import { attackGallery, cancelRun, deleteModel, evaluateModel, getStudyReport, importDatasetEvents, startRun, startStudy, watchRunEvents } from './trainer';

/** The live attack's body cap: an upload of `MAX_UPLOAD_BYTES` as base64, and room for the settings. */
export const LIVE_ATTACK_MAX_BODY_BYTES = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 64 * 1024;

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });

const failure = (error: DashboardError) => json({ error }, httpStatusFor(error));

const invalid = (errors: Record<string, string>) =>
  json({ error: { code: 'INVALID_ARGUMENT', message: 'Some fields need attention', unimplemented: false, unreachable: false }, fieldErrors: errors }, 400);

/** POST /api/runs: starts a training, adversarial training or sweep run; answers `{ runId }`. */
export async function startRunRoute(request: Request): Promise<Response> {
  const read = await guardRequest(request);
  if (!read.ok) return read.response;
  const parsed = newRunRequestSchema.safeParse(read.body);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  try {
    return json(await startRun(parsed.data), 201);
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/** POST /api/studies: starts a study; answers `{ runId }`. */
export async function startStudyRoute(request: Request): Promise<Response> {
  const read = await guardRequest(request);
  if (!read.ok) return read.response;
  const parsed = studyRequestSchema.safeParse(read.body);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  try {
    return json(await startStudy(parsed.data), 201);
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/** POST /api/runs/:id/cancel (an empty JSON body, e.g. `{}`). */
export async function cancelRunRoute(request: Request, runId: string): Promise<Response> {
  const guard = await guardRequest(request);
  if (!guard.ok) return guard.response;
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
export async function runEventsRoute(request: Request, runId: string): Promise<Response> {
  const guard = await guardRequest(request);
  if (!guard.ok) return guard.response;
  const url = new URL(request.url);
  const after = Number(request.headers.get('last-event-id') ?? url.searchParams.get('after') ?? 0);
  const stream = watchRunEvents(runId, { afterSequence: Number.isFinite(after) && after > 0 ? Math.floor(after) : 0, signal: request.signal });
  return sseResponse(stream);
}

/** DELETE /api/models/:id (an empty JSON body, e.g. `{}`). */
export async function deleteModelRoute(request: Request, modelId: string): Promise<Response> {
  const guard = await guardRequest(request);
  if (!guard.ok) return guard.response;
  try {
    await deleteModel(modelId);
    return json({ modelId });
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/**
 * POST /api/models/:id/evaluate: clean accuracy on up to `maxImages` (default 500) held-out
 * images and, unless `epsilon255` is 0, FGSM and PGD accuracy at `epsilon255`/255 (default 8), or
 * with `autoattack: true` AutoAttack (fast) accuracy instead.
 */
export async function evaluateModelRoute(request: Request, modelId: string): Promise<Response> {
  const guard = await guardRequest(request);
  if (!guard.ok) return guard.response;
  const parsed = evaluateRequestSchema.safeParse(guard.body ?? {});
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  const { epsilon255, maxImages, autoattack } = parsed.data;
  try {
    return json({ evaluation: await evaluateModel(modelId, { robustEpsilon: epsilon255 > 0 ? epsilon255 / 255 : undefined, maxImages, autoattack }) });
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/**
 * POST /api/models/:id/attack: attacks the model over its test split (`{ method, epsilon255,
 * steps, stepSize255, seed }`) and answers `{ gallery }`: robust accuracy, the sanity checks
 * and 20 clean / adversarial pairs.
 */
export async function attackGalleryRoute(request: Request, modelId: string): Promise<Response> {
  const guard = await guardRequest(request);
  if (!guard.ok) return guard.response;
  const parsed = galleryAttackBodySchema.safeParse(guard.body);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  try {
    return json({ gallery: await attackGallery({ ...parsed.data, modelId }) });
  } catch (error) {
    return failure(toDashboardError(error));
  }
}

/** POST /api/attack/stream: one live attack as server-sent events (`frame`, then `error` on failure). */
export async function streamAttackRoute(request: Request): Promise<Response> {
  const read = await guardRequest(request, { maxBytes: LIVE_ATTACK_MAX_BODY_BYTES });
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
  const read = await guardRequest(request);
  if (!read.ok) return read.response;
  const parsed = importDatasetRequestSchema.safeParse(read.body);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  return sseResponse(importDatasetEvents(parsed.data, { signal: request.signal }));
}

/**
 * POST /api/session: signs in with `{ token }` when `ADVLAB_TOKEN` is set. The token is
 * compared in constant time; on a match the answer is 204 with the session cookie
 * (HttpOnly, SameSite=Strict, Path=/, Secure over https), otherwise 401.
 */
export async function createSessionRoute(request: Request): Promise<Response> {
  const guard = await guardRequest(request, { requireSession: false, maxBytes: 16 * 1024 });
  if (!guard.ok) return guard.response;
  const token = dashboardToken();
  if (token === undefined) {
    return json({ error: { code: 'FAILED_PRECONDITION', message: 'Sign-in is off: the dashboard runs without ADVLAB_TOKEN.', unimplemented: false, unreachable: false } }, 400);
  }
  const parsed = sessionRequestSchema.safeParse(guard.body);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  if (!constantTimeEqual(parsed.data.token, token)) {
    return refusalResponse({ status: 401, code: 'UNAUTHENTICATED', message: 'That is not the dashboard’s access token.' });
  }
  return new Response(null, { status: 204, headers: { 'Set-Cookie': sessionCookie(token, requestScheme(request) === 'https'), 'Cache-Control': 'no-store' } });
}

/** DELETE /api/session: signs out (removes the session cookie); 204. */
export async function deleteSessionRoute(request: Request): Promise<Response> {
  const guard = await guardRequest(request, { requireSession: false, maxBytes: 16 * 1024 });
  if (!guard.ok) return guard.response;
  return new Response(null, { status: 204, headers: { 'Set-Cookie': clearedSessionCookie(requestScheme(request) === 'https'), 'Cache-Control': 'no-store' } });
}

/**
 * GET /api/studies/:id/report: the study's report as a self-contained HTML file to save, or
 * (`?part=submission`) its submission CSV. Reads only what the study has stored.
 */
export async function studyDownloadRoute(request: Request, runId: string): Promise<Response> {
  const guard = await guardRequest(request);
  if (!guard.ok) return guard.response;
  try {
    const study = await getStudyReport(runId);
    const part = new URL(request.url).searchParams.get('part');
    if (part === 'submission') {
      if (!study.submissionCsv) return failure({ code: 'FAILED_PRECONDITION', message: `Study ${runId} has no submission yet`, unimplemented: false, unreachable: false });
      return new Response(study.submissionCsv, {
        headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="submission.csv"', 'Cache-Control': 'no-store' },
      });
    }
    return new Response(study.html, {
      headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Disposition': `attachment; filename="${study.fileName}"`, 'Cache-Control': 'no-store' },
    });
  } catch (error) {
    return failure(toDashboardError(error));
  }
}
