import { randomBytes } from 'node:crypto';

/**
 * A new id: `prefix` + time in base36 (so ids sort by creation) + 6 random
 * base36 characters, e.g. `run-mi3k2x9a-4f7q2z`.
 */
export function newId(prefix: 'run' | 'mdl' | 'ds'): string {
  const random = Array.from(randomBytes(6), (b) => (b % 36).toString(36)).join('');
  return `${prefix}-${Date.now().toString(36)}-${random}`;
}
