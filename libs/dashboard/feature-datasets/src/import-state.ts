import type { DatasetView } from '@advlab/dashboard-util';

export interface ImportFailure {
  message: string;
  code?: string;
  unimplemented?: boolean;
  unreachable?: boolean;
}

export type ImportState =
  | { status: 'idle' }
  | { status: 'importing'; done: number; total: number; skipped: number }
  | { status: 'done'; dataset: DatasetView }
  | { status: 'error'; error: ImportFailure }
  | { status: 'cancelled' };

export type ImportAction =
  | { type: 'start' }
  | { type: 'progress'; done: number; total: number; skipped: number }
  | { type: 'dataset'; dataset: DatasetView }
  | { type: 'error'; error: ImportFailure }
  | { type: 'cancel' };

export const initialImportState: ImportState = { status: 'idle' };

export function importReducer(state: ImportState, action: ImportAction): ImportState {
  switch (action.type) {
    case 'start':
      return { status: 'importing', done: 0, total: 0, skipped: 0 };
    case 'progress':
      return state.status === 'importing' ? { status: 'importing', done: action.done, total: action.total, skipped: action.skipped } : state;
    case 'dataset':
      return { status: 'done', dataset: action.dataset };
    case 'error':
      return { status: 'error', error: action.error };
    case 'cancel':
      return state.status === 'importing' ? { status: 'cancelled' } : state;
  }
}

/** Share of the files processed, 0 to 1; 0 while the files are still being counted. */
export function importFraction(done: number, total: number): number {
  return total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
}
