import * as fs from 'node:fs';

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

/** TLS key material for a server, from `ADVLAB_TLS_CERT` and `ADVLAB_TLS_KEY` (PEM files); undefined when neither is set. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): { cert: Buffer; key: Buffer } | undefined {
  const certFile = env.ADVLAB_TLS_CERT?.trim();
  const keyFile = env.ADVLAB_TLS_KEY?.trim();
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('ADVLAB_TLS_CERT and ADVLAB_TLS_KEY go together: set both (PEM certificate chain and private key) or neither');
  const read = (name: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`${name}=${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return { cert: read('ADVLAB_TLS_CERT', certFile), key: read('ADVLAB_TLS_KEY', keyFile) };
}

/**
 * An integer setting from the environment: `fallback` when unset or empty, else it must be
 * an integer >= `min` (a readable error names the variable otherwise).
 */
export function intFromEnv(name: string, fallback: number, min = 0, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}
