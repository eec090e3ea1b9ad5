/**
 * Test helpers for gRPC servers: a reflection client and a health client
 * built from the standard protos. Never imported by production code.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const reflectionProto = path.join(
  path.dirname(require.resolve('@grpc/reflection/package.json')),
  'build/proto/grpc/reflection/v1/reflection.proto',
);

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

interface ReflectionClient extends grpc.Client {
  ServerReflectionInfo(): grpc.ClientDuplexStream<Record<string, string>, ReflectionResponse>;
}

function reflectionCall(address: string, request: Record<string, string>): Promise<ReflectionResponse> {
  const definition = protoLoader.loadSync(reflectionProto, { keepCase: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure()) as unknown as ReflectionClient;
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (response: ReflectionResponse) => {
      resolve(response);
      call.end();
      client.close();
    });
    call.on('error', (err) => {
      client.close();
      reject(err);
    });
    call.write(request);
  });
}

/** Service names a server lists through reflection (grpc.reflection.v1). */
export async function listServicesByReflection(address: string): Promise<string[]> {
  const response = await reflectionCall(address, { list_services: '' });
  return (response.list_services_response?.service ?? []).map((s) => s.name).sort();
}

/** Whether reflection can describe a fully qualified symbol (service or message). */
export async function reflectionKnowsSymbol(address: string, symbol: string): Promise<boolean> {
  const response = await reflectionCall(address, { file_containing_symbol: symbol });
  return (response.file_descriptor_response?.file_descriptor_proto.length ?? 0) > 0;
}

/** A child process started by `spawnUntil`. */
export interface SpawnedProcess {
  child: ChildProcess;
  /** The match of the ready pattern in stdout. */
  match: RegExpMatchArray;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process exits. */
  exited: Promise<number | string>;
}

/**
 * Spawns a command and resolves once its stdout matches `ready`; rejects if
 * the process exits first or `timeoutMs` passes (then it is killed).
 */
export function spawnUntil(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; ready: RegExp; timeoutMs?: number },
): Promise<SpawnedProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} not ready after ${options.timeoutMs ?? 30_000} ms:\n${out}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(options.ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output: () => out, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before it was ready:\n${out}`));
    });
  });
}
