/** Where a server listens, from the environment with a prefix, e.g. ADVLAB_TRAINER_HOST / _PORT. */
export interface ListenConfig {
  host: string;
  port: number;
}

/**
 * Reads `${prefix}_HOST` (default 127.0.0.1) and `${prefix}_PORT` (default
 * `defaultPort`) and checks the port is an integer in [0, 65535].
 */
export function listenConfigFromEnv(prefix: string, defaultPort: number, env: NodeJS.ProcessEnv = process.env): ListenConfig {
  const host = env[`${prefix}_HOST`]?.trim() || '127.0.0.1';
  const rawPort = env[`${prefix}_PORT`]?.trim();
  const port = rawPort === undefined || rawPort === '' ? defaultPort : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${prefix}_PORT must be an integer in [0, 65535], got "${rawPort}"`);
  }
  return { host, port };
}
