import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../services/common/options.js'
import { readClusterOptions } from '../../../services/cluster/options.js'

const token = (bytes?: number) => `generated-${bytes ?? 24}-${'x'.repeat(40)}`

describe('readClusterOptions', () => {
  it('defaults to the proxy on 8080, three clerks and a made-up token and secret', () => {
    const options = readClusterOptions({}, token)
    expect(options).toMatchObject({ proxyPort: 8080, clerkCount: 3, redisUrl: undefined, childLogLevel: 'warn' })
    expect(options.adminTokenGenerated).toBe(true)
    expect(options.sessionSecretGenerated).toBe(true)
    expect(options.sessionSecret.length).toBeGreaterThanOrEqual(32)
    expect(Object.isFrozen(options)).toBe(true)
  })

  it('takes what the environment gives', () => {
    const options = readClusterOptions(
      {
        PROXY_PORT: '9000',
        CLERK_COUNT: '5',
        REDIS_URL: 'redis://127.0.0.1:6390',
        ADMIN_TOKEN: 'secret-token',
        SESSION_SECRET: 'y'.repeat(32),
        LOG_LEVEL: 'info',
      },
      token,
    )
    expect(options).toMatchObject({
      proxyPort: 9000,
      clerkCount: 5,
      redisUrl: 'redis://127.0.0.1:6390',
      adminToken: 'secret-token',
      adminTokenGenerated: false,
      sessionSecret: 'y'.repeat(32),
      childLogLevel: 'info',
    })
  })

  it.each([
    [{ PROXY_PORT: 'eighty' }, /PROXY_PORT must be a whole number/],
    [{ PROXY_PORT: '0' }, /PROXY_PORT must be a fixed port/],
    [{ PROXY_PORT: '65534' }, /PROXY_PORT 65534 leaves no room for 3 clerks/],
    [{ CLERK_COUNT: '0' }, /CLERK_COUNT must be between 1 and 26/],
    [{ CLERK_COUNT: '27' }, /CLERK_COUNT must be between 1 and 26/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL must use redis:/],
    [{ ADMIN_TOKEN: 'abc' }, /ADMIN_TOKEN must be at least 8 characters long, got 3/],
    [{ SESSION_SECRET: 'short' }, /SESSION_SECRET must be at least 32 characters/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/],
  ])('refuses %j with a sentence naming the variable', (env, message) => {
    expect(() => readClusterOptions(env, token)).toThrow(ConfigError)
    expect(() => readClusterOptions(env, token)).toThrow(message)
  })

  it('keeps the private Redis in an XDG state directory keyed by the port, unless told otherwise', () => {
    expect(readClusterOptions({ PROXY_PORT: '9000', XDG_STATE_HOME: '/var/state' }, token)).toMatchObject({
      redisDataDir: '/var/state/clerk-cluster/redis-9000',
      redisAppendFsync: 'always',
      redisMaxMemory: '1gb',
    })
    expect(readClusterOptions({ HOME: '/home/u' }, token).redisDataDir).toMatch(/\/\.local\/state\/clerk-cluster\/redis-8080$/)
    expect(readClusterOptions({ XDG_STATE_HOME: 'relative/ignored' }, token).redisDataDir).toMatch(/\/\.local\/state\/clerk-cluster\/redis-8080$/)
    expect(readClusterOptions({ CLUSTER_REDIS_DATA_DIR: '/data/ledger' }, token).redisDataDir).toBe('/data/ledger')
    expect(readClusterOptions({ CLUSTER_REDIS_THROWAWAY: '1' }, token).redisDataDir).toBeUndefined()
    expect(readClusterOptions({ CLUSTER_REDIS_APPENDFSYNC: 'always', CLUSTER_REDIS_MAXMEMORY: '256mb' }, token)).toMatchObject({
      redisAppendFsync: 'always',
      redisMaxMemory: '256mb',
    })
  })

  it.each([
    [{ CLUSTER_REDIS_THROWAWAY: 'yes' }, /CLUSTER_REDIS_THROWAWAY must be one of 0, 1/],
    [{ CLUSTER_REDIS_THROWAWAY: '1', CLUSTER_REDIS_DATA_DIR: '/data' }, /CLUSTER_REDIS_DATA_DIR must not be set/],
    [{ CLUSTER_REDIS_APPENDFSYNC: 'no' }, /CLUSTER_REDIS_APPENDFSYNC must be one of everysec, always/],
    [{ CLUSTER_REDIS_MAXMEMORY: 'lots' }, /CLUSTER_REDIS_MAXMEMORY must be a size such as 1gb/],
    [{ CLUSTER_REDIS_MAXMEMORY: '0' }, /CLUSTER_REDIS_MAXMEMORY must be a size/], // 0 would mean no limit at all
  ])('refuses %j with a sentence naming the variable', (env, message) => {
    expect(() => readClusterOptions(env, token)).toThrow(ConfigError)
    expect(() => readClusterOptions(env, token)).toThrow(message)
  })
})
