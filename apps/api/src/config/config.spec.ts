import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to the embedded store under ./data on 127.0.0.1:3000', () => {
    const config = loadConfig({}, '/srv/kam');
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, dataDir: '/srv/kam/data', demo: true, currency: 'PLN' });
    expect(config.eventStoreUrl).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ EVENTSTORE_URL: 'http://localhost:2113' }, 'EVENTSTORE_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ KAM_DATA_DIR: 'a\0b' }, 'KAM_DATA_DIR'],
    [{ NODE_ENV: 'production', AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
    [{ KAM_DEMO: 'maybe' }, 'KAM_DEMO'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env, '/srv')).toThrow(ConfigError);
    expect(() => loadConfig(env, '/srv')).toThrow(new RegExp(`^${variable}:`));
  });

  it('accepts the production settings', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      EVENTSTORE_URL: 'esdb://kurrentdb:2113?tls=false',
      DATABASE_URL: 'postgres://kam@db/kam',
      PORT: '8080',
      HOST: '0.0.0.0',
    });
    expect(config).toMatchObject({ production: true, port: 8080, host: '0.0.0.0' });
    expect(config.eventStoreUrl).toBe('esdb://kurrentdb:2113?tls=false');
  });
});
