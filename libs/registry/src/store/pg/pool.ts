import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in a transaction on one pooled connection: COMMIT when it
 * resolves, ROLLBACK when it throws. A connection that broke is destroyed
 * rather than returned to the pool. While the client is checked out an
 * `error` listener is attached, so a connection lost between two statements
 * fails the transaction instead of crashing the process.
 */
export async function pgTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (isConnectionError(err)) broken = true;
    if (!broken) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
    }
    throw err;
  } finally {
    client.off('error', onError);
    // `release(true)` closes the connection instead of pooling it.
    client.release(broken);
  }
}

/** Node socket errors and PostgreSQL error codes that mean "the server went away or is not ready". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
]);

/** Whether `err` is a lost or refused connection (worth retrying an idempotent read), not a failed statement. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed|not queryable/i.test(err.message);
}

/** How reads are retried when the connection is lost. */
export interface RetryOptions {
  /** Extra attempts after the first (default 2; 0 turns retrying off). */
  retries?: number;
  /** Wait before the first retry, doubled before each next one (default 100 ms). */
  delayMs?: number;
}

/**
 * Runs `fn`, and again up to `retries` times after a connection error (see
 * `isConnectionError`). Only for idempotent reads: a write whose connection
 * broke may have committed. Other errors, and the last connection error,
 * are thrown.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 2;
  let delay = options.delayMs ?? 100;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= retries || !isConnectionError(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}
