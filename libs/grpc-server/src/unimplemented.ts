import { status, type sendUnaryData, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';

/**
 * Completes a partial service implementation: every method of `definition`
 * missing from `implemented` answers UNIMPLEMENTED with a message naming the
 * method and the piece of work that will provide it.
 */
export function withUnimplemented(
  definition: ServiceDefinition,
  implemented: Partial<UntypedServiceImplementation>,
  missingPiece: (method: string) => string,
): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const given = implemented[name];
    if (given) {
      impl[name] = given;
      continue;
    }
    const details = `${method.path} is not implemented yet: ${missingPiece(name)}`;
    const error = { code: status.UNIMPLEMENTED, details };
    if (method.responseStream) {
      impl[name] = (call: { emit(event: 'error', e: unknown): void }) => call.emit('error', error);
    } else {
      impl[name] = (_call: unknown, callback: sendUnaryData<unknown>) => callback(error);
    }
  }
  return impl;
}
