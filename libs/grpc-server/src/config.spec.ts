import { listenConfigFromEnv } from './config';

describe('listenConfigFromEnv', () => {
  it('defaults to 127.0.0.1 and the given port', () => {
    expect(listenConfigFromEnv('X', 50051, {})).toEqual({ host: '127.0.0.1', port: 50051 });
  });
  it('reads host and port', () => {
    expect(listenConfigFromEnv('X', 1, { X_HOST: '0.0.0.0', X_PORT: '0' })).toEqual({ host: '0.0.0.0', port: 0 });
  });
  it.each(['abc', '-1', '70000', '1.5'])('refuses port %s with a message naming the variable', (bad) => {
    expect(() => listenConfigFromEnv('X', 1, { X_PORT: bad })).toThrow(`X_PORT must be an integer in [0, 65535], got "${bad}"`);
  });
});
