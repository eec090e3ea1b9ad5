import { invalidArgument } from '@advlab/grpc-server';

/** Largest encoded image a client may send, as the contract promises (`ImageInput.data`). */
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;

/** INVALID_ARGUMENT naming `field` when an uploaded image is over {@link MAX_UPLOAD_BYTES}. */
export function checkUploadSize(bytes: number, field: string): void {
  if (bytes > MAX_UPLOAD_BYTES) throw invalidArgument(`${field} is ${bytes} bytes; an image may have at most ${MAX_UPLOAD_BYTES} (16 MiB)`);
}
