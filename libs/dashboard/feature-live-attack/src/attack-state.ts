import type { AttackFrameView } from '@advlab/dashboard-util';

export interface LossPoint {
  [key: string]: number;
  step: number;
  loss: number;
  maxPerturbation255: number;
}

export interface LiveAttackState {
  status: 'idle' | 'running' | 'done' | 'stopped' | 'error';
  frames: number;
  /** The step-0 frame: the clean image and the model's clean prediction. */
  first: AttackFrameView | null;
  latest: AttackFrameView | null;
  curve: LossPoint[];
  /** Step at which the prediction first left the true class. */
  flippedAt: number | null;
  error: { message: string; code?: string; unimplemented?: boolean } | null;
}

export type AttackAction =
  | { type: 'start' }
  | { type: 'frame'; frame: AttackFrameView }
  | { type: 'end' }
  | { type: 'stop' }
  | { type: 'error'; message: string; code?: string; unimplemented?: boolean };

export const initialAttackState: LiveAttackState = { status: 'idle', frames: 0, first: null, latest: null, curve: [], flippedAt: null, error: null };

export function attackReducer(state: LiveAttackState, action: AttackAction): LiveAttackState {
  switch (action.type) {
    case 'start':
      return { ...initialAttackState, status: 'running' };
    case 'frame': {
      const f = action.frame;
      return {
        ...state,
        frames: state.frames + 1,
        first: state.first ?? f,
        latest: f,
        curve: [...state.curve.filter((p) => p.step < f.step), { step: f.step, loss: f.loss, maxPerturbation255: f.maxPerturbation * 255 }],
        flippedAt: state.flippedAt ?? (f.success ? f.step : null),
      };
    }
    case 'end':
      return state.status === 'running' ? { ...state, status: 'done' } : state;
    case 'stop':
      return state.status === 'running' ? { ...state, status: 'stopped' } : state;
    case 'error':
      return { ...state, status: 'error', error: { message: action.message, code: action.code, unimplemented: action.unimplemented } };
  }
}
