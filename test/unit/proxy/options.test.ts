import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../services/common/options.js'
import { defaultOptions, frontLimits, parseClerks, readProxyOptions } from '../../../proxy/options.js'

describe('reading the proxy environment', () => {
  it('reads PROXY_CLERKS as ids and origins', () => {
    const clerks = parseClerks('clerk-a=http://127.0.0.1:3001, clerk-b=http://127.0.0.1:3002')
    expect(clerks.map((c) => [c.id, c.url.origin])).toEqual([
      ['clerk-a', 'http://127.0.0.1:3001'],
      ['clerk-b', 'http://127.0.0.1:3002'],
    ])
  })

  it.each([
    [undefined, /PROXY_CLERKS is required/],
    ['', /PROXY_CLERKS is required/],
    ['http://127.0.0.1:3001', /must look like id=http/],
    ['clerk-a=nope', /not a URL/],
    ['clerk-a=https://127.0.0.1:3001', /must use http:/],
    ['clerk-a=http://127.0.0.1:3001/x', /bare origin/],
    ['clerk a=http://127.0.0.1:3001', /letters, digits/],
    ['a=http://127.0.0.1:1,a=http://127.0.0.1:2', /twice/],
  ])('explains what is wrong with PROXY_CLERKS=%j', (value, message) => {
    expect(() => parseClerks(value)).toThrow(ConfigError)
    expect(() => parseClerks(value)).toThrow(message)
  })

  it('needs no PROXY_CLERKS when PROXY_DISCOVER finds them by DNS, and says so when neither is there', () => {
    expect(readProxyOptions({ PROXY_DISCOVER: 'clerk:3000' }).clerks).toEqual([])
    expect(() => readProxyOptions({})).toThrow(/PROXY_CLERKS is required.*PROXY_DISCOVER/)
  })

  it('uses the contract defaults', () => {
    const o = readProxyOptions({ PROXY_CLERKS: 'a=http://127.0.0.1:1' })
    expect(o).toMatchObject({ port: 8080, host: '127.0.0.1', workers: 1, upstreamTimeoutMs: 10_000, healthIntervalMs: 1_000, healthRise: 2, healthFall: 2, adminToken: undefined })
    expect(o.policies).toEqual(defaultOptions.policies)
    expect(Object.isFrozen(o)).toBe(true)
  })

  it('reads every variable', () => {
    const o = readProxyOptions({
      PROXY_CLERKS: 'a=http://127.0.0.1:1',
      PROXY_PORT: '0',
      PROXY_ENGINE: 'http-proxy',
      PROXY_WORKERS: '2',
      PROXY_POLICY_STATEFUL: 'round-robin',
      PROXY_POLICY_SHARED: 'least-connections',
      PROXY_UPSTREAM_TIMEOUT_MS: '250',
      PROXY_HEALTH_INTERVAL_MS: '100',
      PROXY_HEALTH_RISE: '1',
      PROXY_HEALTH_FALL: '3',
      ADMIN_TOKEN: 'secret',
      PROXY_LAUNCHER_URL: 'http://127.0.0.1:9999',
    })
    expect(o).toMatchObject({ port: 0, engine: 'http-proxy', workers: 2, upstreamTimeoutMs: 250, healthIntervalMs: 100, healthRise: 1, healthFall: 3, adminToken: 'secret' })
    expect(o.policies).toMatchObject({ stateful: 'round-robin', stateless: 'round-robin', shared: 'least-connections' })
    expect(o.launcherUrl?.origin).toBe('http://127.0.0.1:9999')
  })

  it('reads the limits, and gives each worker its share of them', () => {
    const d = readProxyOptions({ PROXY_CLERKS: 'a=http://127.0.0.1:1' })
    expect(d).toMatchObject({ requestTimeoutMs: 30_000, clientConnections: 1_024, requestBufferBytes: 64 * 1024 * 1024, eventSubscribers: 32 })
    const o = readProxyOptions({
      PROXY_CLERKS: 'a=http://127.0.0.1:1',
      PROXY_WORKERS: '3',
      PROXY_REQUEST_TIMEOUT_MS: '5000',
      PROXY_CLIENT_CONNECTIONS: '100',
      PROXY_REQUEST_BUFFER_BYTES: '1048576',
      PROXY_EVENT_SUBSCRIBERS: '4',
    })
    expect(o).toMatchObject({ requestTimeoutMs: 5_000, clientConnections: 100, requestBufferBytes: 1_048_576, eventSubscribers: 4 })
    // rounded up: the whole proxy admits at most 3 over each cap
    expect(frontLimits(o)).toEqual({ requestTimeoutMs: 5_000, clientConnections: 34, requestBufferBytes: 349_526, eventSubscribers: 2 })
    expect(frontLimits(d)).toMatchObject({ clientConnections: 1_024, eventSubscribers: 32 })
  })

  it.each([
    [{ PROXY_ENGINE: 'nginx' }, /PROXY_ENGINE must be one of undici, http-proxy/],
    [{ PROXY_WORKERS: '0' }, /PROXY_WORKERS must be between 1/],
    [{ PROXY_POLICY_STATEFUL: 'random' }, /PROXY_POLICY_STATEFUL must be one of/],
    [{ PROXY_UPSTREAM_TIMEOUT_MS: 'soon' }, /PROXY_UPSTREAM_TIMEOUT_MS must be a whole number/],
    [{ PROXY_HEALTH_FALL: '0' }, /PROXY_HEALTH_FALL must be between 1/],
    [{ PROXY_LAUNCHER_URL: 'ftp://x' }, /PROXY_LAUNCHER_URL must use http:/],
    [{ PROXY_LAUNCHER_URL: 'not a url' }, /PROXY_LAUNCHER_URL must be a URL such as http:\/\/127\.0\.0\.1:8080, got "not a url"/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ PROXY_REQUEST_TIMEOUT_MS: '0' }, /PROXY_REQUEST_TIMEOUT_MS must be between 100/],
    [{ PROXY_CLIENT_CONNECTIONS: '0' }, /PROXY_CLIENT_CONNECTIONS must be between 1/],
    [{ PROXY_REQUEST_BUFFER_BYTES: '1000' }, /PROXY_REQUEST_BUFFER_BYTES must be between 65536/],
    [{ PROXY_EVENT_SUBSCRIBERS: 'many' }, /PROXY_EVENT_SUBSCRIBERS must be a whole number/],
  ])('refuses %j with a sentence naming the variable', (env, message) => {
    expect(() => readProxyOptions({ PROXY_CLERKS: 'a=http://127.0.0.1:1', ...env })).toThrow(message)
  })
})
