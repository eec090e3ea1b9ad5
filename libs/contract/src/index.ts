/**
 * The advlab gRPC contract: messages and service definitions generated from
 * `proto/advlab/v1` by buf + ts-proto (`npm run codegen`). Never edit `gen/`.
 */
import * as path from 'node:path';

export * from './gen/advlab/v1/config';
export * from './gen/advlab/v1/resources';
export * from './gen/advlab/v1/trainer_service';
export * from './gen/advlab/v1/attack_stream_service';
export * from './gen/advlab/v1/server_info';
export * from './promise-client';
export * from './connection';
export * from './predictions';

/** Folder holding the `.proto` sources (for reflection and other languages). */
export const PROTO_ROOT = path.resolve(__dirname, '../../../proto');

/** The contract's proto files, relative to PROTO_ROOT. */
export const PROTO_FILES = [
  'advlab/v1/config.proto',
  'advlab/v1/resources.proto',
  'advlab/v1/trainer_service.proto',
  'advlab/v1/attack_stream_service.proto',
  'advlab/v1/server_info.proto',
] as const;

/** Fully qualified service names, as reflection and health checks use them. */
export const TRAINER_SERVICE_NAME = 'advlab.v1.TrainerService';
export const ATTACK_STREAM_SERVICE_NAME = 'advlab.v1.AttackStreamService';
export const SERVER_INFO_SERVICE_NAME = 'advlab.v1.ServerInfoService';

/** The standard gRPC health protocol (grpc.health.v1), typed. */
export * as health from './gen/grpc/health/v1/health';
export const HEALTH_PROTO_FILE = 'grpc/health/v1/health.proto';
