import { describe, expect, it } from 'vitest'
import { proxyOptions, readProxyOptions } from '../../../proxy/options.js'
import { clerkOptions, readClerkOptions } from '../../../services/clerk/options.js'
import { checkChildEnvironment } from '../../../services/cluster/child-environment.js'
import { clusterOptions } from '../../../services/cluster/options.js'
import { ConfigError, defineOptions, deprecationLine, int, port, type Options } from '../../../services/common/options.js'

const CLERKS = 'clerk-a=http://127.0.0.1:3001'

/** a valid text for a variable: its example, else its default written out */
function sample(spec: { example?: string; default?: unknown }): string {
  if (spec.example !== undefined) return spec.example
  if (typeof spec.default === 'boolean') return spec.default ? '0' : '1'
  return String(spec.default)
}

describe('one options pattern', () => {
  const shop = defineOptions<{ port: number; workers: number; name: string | undefined }>({
    part: 'shop',
    options: [
      { env: 'SHOP_PORT', key: 'port', read: port(), default: 8080, deprecated: ['PORT'] },
      { env: 'SHOP_WORKERS', key: 'workers', read: int({ min: 1, max: 4 }), default: 1 },
      { key: 'name', read: int() },
    ],
  })

  it('reads a variable, keeps a valid 0, defaults the rest, and freezes', () => {
    const options = shop.read({ SHOP_PORT: '0' })
    expect(options).toEqual({ port: 0, workers: 1, name: undefined })
    expect(Object.isFrozen(options)).toBe(true)
  })

  it('refuses a bad value with one sentence naming the variable, from the environment or from code', () => {
    expect(() => shop.read({ SHOP_WORKERS: '9' })).toThrow(new ConfigError('SHOP_WORKERS must be between 1 and 4, got 9'))
    expect(() => shop.resolve({ workers: 0 })).toThrow(new ConfigError('SHOP_WORKERS must be between 1 and 4, got 0'))
  })

  it('reads an old name with one deprecation line naming the new one; the new name wins when both are set', () => {
    const lines: string[] = []
    expect(shop.read({ PORT: '9000' }, (line) => lines.push(line)).port).toBe(9000)
    expect(lines).toEqual(['PORT is deprecated, use SHOP_PORT; it will stop working in the next release'])
    expect(shop.read({ PORT: '9000', SHOP_PORT: '9001' }, () => {}).port).toBe(9001)
    // a bad value is named as it was written
    expect(() => shop.read({ PORT: 'x' }, () => {})).toThrow(/^PORT must be a whole number/)
  })
})

// Every old name of every part still works, with exactly one line, and means what its new name means.
const PARTS: Array<[string, Options<object>, Record<string, string>]> = [
  ['clerk', clerkOptions as unknown as Options<object>, {}],
  ['proxy', proxyOptions as unknown as Options<object>, { PROXY_CLERKS: CLERKS }],
  ['npm start', clusterOptions as unknown as Options<object>, {}],
]
const ALIASES = PARTS.flatMap(([part, table, base]) =>
  table.options.flatMap((spec) => (spec.deprecated ?? []).map((old) => [part, old, spec.env ?? '', sample(spec), table, base] as const)),
)

describe('the old variable names', () => {
  it('are the renamed ones of issue 12', () => {
    expect(ALIASES.map(([, old, now]) => `${old}→${now}`).sort()).toEqual(
      [
        'PORT→CLERK_PORT',
        'HOST→CLERK_HOST',
        'TRUST_PROXY→CLERK_TRUST_PROXY',
        'PORT→PROXY_PORT',
        'HOST→PROXY_HOST',
        'CLERKS→PROXY_CLERKS',
        'POLICY_STATEFUL→PROXY_POLICY_STATEFUL',
        'POLICY_STATELESS→PROXY_POLICY_STATELESS',
        'POLICY_SHARED→PROXY_POLICY_SHARED',
        'LAUNCHER_URL→PROXY_LAUNCHER_URL',
        'UPSTREAM_TIMEOUT_MS→PROXY_UPSTREAM_TIMEOUT_MS',
        'CONNECT_TIMEOUT_MS→PROXY_CONNECT_TIMEOUT_MS',
        'HEALTH_INTERVAL_MS→PROXY_HEALTH_INTERVAL_MS',
        'HEALTH_TIMEOUT_MS→PROXY_HEALTH_TIMEOUT_MS',
        'HEALTH_RISE→PROXY_HEALTH_RISE',
        'HEALTH_FALL→PROXY_HEALTH_FALL',
        'REQUEST_TIMEOUT_MS→PROXY_REQUEST_TIMEOUT_MS',
        'CLIENT_CONNECTIONS→PROXY_CLIENT_CONNECTIONS',
        'REQUEST_BUFFER_BYTES→PROXY_REQUEST_BUFFER_BYTES',
        'EVENT_SUBSCRIBERS→PROXY_EVENT_SUBSCRIBERS',
        'REDIS_DATA_DIR→CLUSTER_REDIS_DATA_DIR',
        'REDIS_THROWAWAY→CLUSTER_REDIS_THROWAWAY',
        'REDIS_APPENDFSYNC→CLUSTER_REDIS_APPENDFSYNC',
        'REDIS_MAXMEMORY→CLUSTER_REDIS_MAXMEMORY',
      ].sort(),
    )
  })

  it.each(ALIASES)('%s: %s still works as %s, with one deprecation line', (_part, old, now, value, table, base) => {
    const lines: string[] = []
    const others = Object.fromEntries(Object.entries(base).filter(([name]) => name !== now))
    const fromOld = table.read({ ...others, [old]: value }, (line) => lines.push(line))
    const fromNew = table.read({ ...others, [now]: value }, (line) => lines.push(`unexpected: ${line}`))
    expect(fromOld).toEqual(fromNew)
    expect(lines).toEqual([deprecationLine(old, now)])
  })

  it('reach the children of npm start under the new names, with one line in the launcher (the plan’s own variables dropped)', () => {
    const children = checkChildEnvironment({ POLICY_STATEFUL: 'round-robin', PORT: '1234', HOST: 'example.org', UPSTREAM_TIMEOUT_MS: '900' })
    expect(children.env).toMatchObject({ PROXY_POLICY_STATEFUL: 'round-robin', PROXY_UPSTREAM_TIMEOUT_MS: '900' })
    for (const old of ['POLICY_STATEFUL', 'PORT', 'HOST', 'UPSTREAM_TIMEOUT_MS']) expect(children.env).not.toHaveProperty(old)
    expect(children.deprecations).toEqual([deprecationLine('POLICY_STATEFUL', 'PROXY_POLICY_STATEFUL'), deprecationLine('UPSTREAM_TIMEOUT_MS', 'PROXY_UPSTREAM_TIMEOUT_MS')])
    // and the children, reading what they inherit, have nothing left to warn about
    const lines: string[] = []
    readProxyOptions({ ...children.env, PROXY_CLERKS: CLERKS }, (line) => lines.push(line))
    readClerkOptions(children.env, (line) => lines.push(line))
    expect(lines).toEqual([])
  })
})
