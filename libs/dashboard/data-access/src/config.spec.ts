import { DASHBOARD_SERVICES, loadDashboardEnv, resolveServiceAddress, serviceAddressSchema } from './config';

describe('dashboard environment', () => {
  it('defaults to the local service ports', () => {
    expect(loadDashboardEnv({})).toEqual({ ADVLAB_TRAINER_ADDR: '127.0.0.1:50051', ADVLAB_ATTACK_ADDR: '127.0.0.1:50052' });
  });

  it('reads and trims addresses, treating empty values as unset', () => {
    expect(loadDashboardEnv({ ADVLAB_TRAINER_ADDR: ' trainer.internal:6000 ', ADVLAB_ATTACK_ADDR: '' })).toEqual({
      ADVLAB_TRAINER_ADDR: 'trainer.internal:6000',
      ADVLAB_ATTACK_ADDR: '127.0.0.1:50052',
    });
  });

  it.each(['localhost:1', '[::1]:50051', '10.0.0.7:65535', 'my-host.example.com:443'])('accepts %s', (address) => {
    expect(serviceAddressSchema.safeParse(address).success).toBe(true);
  });

  it.each(['', '127.0.0.1', ':50051', 'host:0', 'host:65536', 'host:port', 'http://host:80', 'a b:1'])('rejects %j', (address) => {
    expect(serviceAddressSchema.safeParse(address).success).toBe(false);
  });

  it('throws a readable error naming the variable', () => {
    expect(() => loadDashboardEnv({ ADVLAB_ATTACK_ADDR: 'nope' })).toThrow(/ADVLAB_ATTACK_ADDR: expected host:port/);
  });

  it('resolves one service without throwing', () => {
    const [trainer, attack] = DASHBOARD_SERVICES;
    expect(resolveServiceAddress(trainer, { ADVLAB_TRAINER_ADDR: 'nope' })).toEqual({
      ok: false,
      address: 'nope',
      error: expect.stringContaining('ADVLAB_TRAINER_ADDR is invalid'),
    });
    expect(resolveServiceAddress(attack, {})).toEqual({ ok: true, address: '127.0.0.1:50052' });
  });
});
