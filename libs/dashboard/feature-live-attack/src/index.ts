export { attackReducer, initialAttackState, type AttackAction, type LiveAttackState, type LossPoint } from './attack-state';
export { LiveAttack, topKItems, type AttackStreamer, type StreamResponse, type LiveModelOption } from './live-attack';
export { LiveAttackPage, type LiveAttackPageProps } from './live-attack-page';
