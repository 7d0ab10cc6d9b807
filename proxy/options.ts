import { ConfigError, assertId, readChoice, readInt, readPort, readString, readUrl } from '../services/common/env-checks.js'
import { LOG_LEVELS, type LogLevel } from '../services/common/log-levels.js'
import { DEFAULT_POLICIES, MODES, POLICY_NAMES, ROUTES, type PolicyName, type RouteKey } from '../services/common/vocabulary.js'

export const ENGINE_NAMES = ['undici', 'http-proxy'] as const
export type EngineName = (typeof ENGINE_NAMES)[number]

export interface ClerkTarget {
  id: string
  url: URL
}

export interface ProxyOptions {
  port: number
  host: string
  clerks: readonly ClerkTarget[]
  /** protects the admin routes that change anything; unset → they answer 401 saying so */
  adminToken: string | undefined
  engine: EngineName
  workers: number
  policies: Readonly<Record<RouteKey, PolicyName>>
  launcherUrl: URL | undefined
  /** deadline for a clerk's answer (headers and body) → 504 */
  upstreamTimeoutMs: number
  /** deadline for the TCP connect to a clerk → counted as "never sent", retried elsewhere */
  connectTimeoutMs: number
  healthIntervalMs: number
  healthTimeoutMs: number
  healthRise: number
  healthFall: number
  /** request bodies are buffered for replay up to this size → 413 above it */
  bodyCapBytes: number
  /** clerk answers are buffered (so a broken one becomes a clean 502) up to this size */
  responseCapBytes: number
  /** keep-alive connections per clerk (undici Pool size, http-proxy agent maxSockets) */
  connectionsPerClerk: number
  /** idle keep-alive sockets are closed after this, well below Fastify's 72 s keepAliveTimeout */
  keepAliveIdleMs: number
  /** period of the `stats` event */
  statsIntervalMs: number
  /** REQUEST_TIMEOUT_MS: a customer's request (headers and body) must arrive within this → 408 */
  requestTimeoutMs: number
  /** CLIENT_CONNECTIONS: customer connections open at once; one more is answered 503 and closed */
  clientConnections: number
  /** REQUEST_BUFFER_BYTES: request-body bytes held at once, over all requests → 503 above it */
  requestBufferBytes: number
  /** EVENT_SUBSCRIBERS: open GET /_lb/events streams → 503 above it */
  eventSubscribers: number
  /** LOG_LEVEL: pino's level names */
  logLevel: LogLevel
}

export const defaultOptions = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  engine: 'undici' as EngineName, // measured faster: see README "Benchmark"
  workers: 1,
  logLevel: 'info' as LogLevel,
  policies: DEFAULT_POLICIES,
  upstreamTimeoutMs: 10_000, // 10 s
  connectTimeoutMs: 1_000, // 1 s: loopback connects take microseconds
  healthIntervalMs: 1_000, // 1 s
  healthRise: 2,
  healthFall: 2,
  bodyCapBytes: 1024 * 1024, // 1 MiB
  responseCapBytes: 16 * 1024 * 1024, // 16 MiB
  connectionsPerClerk: 64,
  keepAliveIdleMs: 30_000, // 30 s < Fastify's 72 s
  statsIntervalMs: 1_000, // 1 s
  requestTimeoutMs: 30_000, // 30 s for headers and body: a customer's body is a few dozen bytes
  clientConnections: 1_024,
  requestBufferBytes: 64 * 1024 * 1024, // 64 MiB: 64 bodies at the 1 MiB cap, or a million real ones
  eventSubscribers: 32, // a dashboard tab holds one
})

/**
 * Parses `CLERKS` ("clerk-a=http://127.0.0.1:3001,clerk-b=http://127.0.0.1:3002").
 * Throws a ConfigError naming the entry that is wrong and how.
 */
export function parseClerks(value: string | undefined, name = 'CLERKS'): ClerkTarget[] {
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`${name} is required: a list such as "clerk-a=http://127.0.0.1:3001,clerk-b=http://127.0.0.1:3002"`)
  }
  const clerks: ClerkTarget[] = []
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '')
  for (const entry of entries) {
    const eq = entry.indexOf('=')
    if (eq <= 0) {
      throw new ConfigError(`${name} entry "${entry}" must look like id=http://host:port (e.g. clerk-a=http://127.0.0.1:3001)`)
    }
    const id = entry.slice(0, eq).trim()
    const rawUrl = entry.slice(eq + 1).trim()
    assertId(`${name} id "${id}"`, id)
    let url: URL
    try {
      url = new URL(rawUrl)
    } catch {
      throw new ConfigError(`${name} entry "${entry}" has "${rawUrl}", which is not a URL such as http://127.0.0.1:3001`)
    }
    if (url.protocol !== 'http:') {
      throw new ConfigError(`${name} entry "${entry}" must use http:, got "${url.protocol}"`)
    }
    if (url.pathname !== '/' || url.search !== '') {
      throw new ConfigError(`${name} entry "${entry}" must be a bare origin such as http://127.0.0.1:3001 (no path)`)
    }
    if (clerks.some((c) => c.id === id)) {
      throw new ConfigError(`${name} names clerk "${id}" twice`)
    }
    clerks.push({ id, url })
  }
  if (clerks.length === 0) throw new ConfigError(`${name} must name at least one clerk`)
  return clerks
}

type Env = Record<string, string | undefined>

/** Reads and checks every proxy variable; throws a ConfigError with one sentence on the first bad one. */
export function readProxyOptions(env: Env): ProxyOptions {
  const d = defaultOptions
  const policies: Record<RouteKey, PolicyName> = { ...d.policies }
  for (const route of MODES) {
    policies[route] = readChoice(env, `POLICY_${route.toUpperCase()}`, POLICY_NAMES, d.policies[route])
  }
  return buildOptions({
    port: readPort(env, 'PORT', d.port),
    host: readString(env, 'HOST', d.host),
    clerks: parseClerks(env.CLERKS),
    adminToken: readString(env, 'ADMIN_TOKEN'),
    engine: readChoice(env, 'PROXY_ENGINE', ENGINE_NAMES, d.engine),
    workers: readInt(env, 'PROXY_WORKERS', d.workers, { min: 1, max: 64 }),
    policies,
    launcherUrl: readUrl(env, 'LAUNCHER_URL', ['http:']),
    upstreamTimeoutMs: readInt(env, 'UPSTREAM_TIMEOUT_MS', d.upstreamTimeoutMs, { min: 1, max: 600_000 }),
    connectTimeoutMs: readInt(env, 'CONNECT_TIMEOUT_MS', d.connectTimeoutMs, { min: 1, max: 60_000 }),
    healthIntervalMs: readInt(env, 'HEALTH_INTERVAL_MS', d.healthIntervalMs, { min: 10, max: 600_000 }),
    healthTimeoutMs: readInt(env, 'HEALTH_TIMEOUT_MS', 0, { min: 0, max: 600_000 }) || undefined,
    healthRise: readInt(env, 'HEALTH_RISE', d.healthRise, { min: 1, max: 100 }),
    healthFall: readInt(env, 'HEALTH_FALL', d.healthFall, { min: 1, max: 100 }),
    connectionsPerClerk: readInt(env, 'PROXY_CONNECTIONS', d.connectionsPerClerk, { min: 1, max: 10_000 }),
    keepAliveIdleMs: readInt(env, 'PROXY_KEEPALIVE_MS', d.keepAliveIdleMs, { min: 100, max: 600_000 }),
    requestTimeoutMs: readInt(env, 'REQUEST_TIMEOUT_MS', d.requestTimeoutMs, { min: 100, max: 600_000 }),
    clientConnections: readInt(env, 'CLIENT_CONNECTIONS', d.clientConnections, { min: 1, max: 1_000_000 }),
    requestBufferBytes: readInt(env, 'REQUEST_BUFFER_BYTES', d.requestBufferBytes, { min: 64 * 1024, max: 64 * 1024 * 1024 * 1024 }),
    eventSubscribers: readInt(env, 'EVENT_SUBSCRIBERS', d.eventSubscribers, { min: 1, max: 100_000 }),
    logLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, d.logLevel),
  })
}

/** Merges partial options over the defaults (with `??`, so a valid 0 stays 0), checks, freezes. */
export function buildOptions(partial: Partial<ProxyOptions> & { clerks: readonly ClerkTarget[] }): ProxyOptions {
  const d = defaultOptions
  const healthIntervalMs = partial.healthIntervalMs ?? d.healthIntervalMs
  const options: ProxyOptions = {
    port: partial.port ?? d.port,
    host: partial.host ?? d.host,
    clerks: Object.freeze([...partial.clerks]),
    adminToken: partial.adminToken,
    engine: partial.engine ?? d.engine,
    workers: partial.workers ?? d.workers,
    policies: Object.freeze({ ...d.policies, ...partial.policies }),
    launcherUrl: partial.launcherUrl,
    upstreamTimeoutMs: partial.upstreamTimeoutMs ?? d.upstreamTimeoutMs,
    connectTimeoutMs: partial.connectTimeoutMs ?? d.connectTimeoutMs,
    healthIntervalMs,
    // a check must end before the next one is due
    healthTimeoutMs: partial.healthTimeoutMs ?? Math.max(50, Math.min(healthIntervalMs, 2_000)),
    healthRise: partial.healthRise ?? d.healthRise,
    healthFall: partial.healthFall ?? d.healthFall,
    bodyCapBytes: partial.bodyCapBytes ?? d.bodyCapBytes,
    responseCapBytes: partial.responseCapBytes ?? d.responseCapBytes,
    connectionsPerClerk: partial.connectionsPerClerk ?? d.connectionsPerClerk,
    keepAliveIdleMs: partial.keepAliveIdleMs ?? d.keepAliveIdleMs,
    statsIntervalMs: partial.statsIntervalMs ?? d.statsIntervalMs,
    requestTimeoutMs: partial.requestTimeoutMs ?? d.requestTimeoutMs,
    clientConnections: partial.clientConnections ?? d.clientConnections,
    requestBufferBytes: partial.requestBufferBytes ?? d.requestBufferBytes,
    eventSubscribers: partial.eventSubscribers ?? d.eventSubscribers,
    logLevel: partial.logLevel ?? d.logLevel,
  }
  assertOptions(options)
  return Object.freeze(options)
}

function assertOptions(o: ProxyOptions): void {
  if (o.clerks.length === 0) throw new ConfigError('CLERKS must name at least one clerk')
  if (!ENGINE_NAMES.includes(o.engine)) throw new ConfigError(`PROXY_ENGINE must be one of ${ENGINE_NAMES.join(', ')}, got "${o.engine}"`)
  for (const route of ROUTES) {
    if (!POLICY_NAMES.includes(o.policies[route])) {
      throw new ConfigError(`the policy for /${route} must be one of ${POLICY_NAMES.join(', ')}, got "${o.policies[route]}"`)
    }
  }
  for (const [name, value] of [
    ['UPSTREAM_TIMEOUT_MS', o.upstreamTimeoutMs],
    ['CONNECT_TIMEOUT_MS', o.connectTimeoutMs],
    ['HEALTH_INTERVAL_MS', o.healthIntervalMs],
    ['HEALTH_TIMEOUT_MS', o.healthTimeoutMs],
    ['HEALTH_RISE', o.healthRise],
    ['HEALTH_FALL', o.healthFall],
    ['PROXY_WORKERS', o.workers],
    ['PROXY_CONNECTIONS', o.connectionsPerClerk],
    ['REQUEST_TIMEOUT_MS', o.requestTimeoutMs],
    ['CLIENT_CONNECTIONS', o.clientConnections],
    ['REQUEST_BUFFER_BYTES', o.requestBufferBytes],
    ['EVENT_SUBSCRIBERS', o.eventSubscribers],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number of at least 1, got ${value}`)
  }
}

/** The limits one HTTP front enforces: the whole proxy's, or one worker's share of them. */
export interface FrontLimits {
  requestTimeoutMs: number
  clientConnections: number
  requestBufferBytes: number
  eventSubscribers: number
}

/**
 * With PROXY_WORKERS=N each worker serves its own connections, so each takes 1/N of every cap
 * (rounded up): the proxy as a whole stays within CLIENT_CONNECTIONS, REQUEST_BUFFER_BYTES and
 * EVENT_SUBSCRIBERS (give or take N - 1 for the rounding), whichever worker a connection lands on.
 */
export function frontLimits(o: ProxyOptions): FrontLimits {
  const share = (n: number) => Math.max(1, Math.ceil(n / o.workers))
  return {
    requestTimeoutMs: o.requestTimeoutMs,
    clientConnections: share(o.clientConnections),
    requestBufferBytes: share(o.requestBufferBytes),
    eventSubscribers: share(o.eventSubscribers),
  }
}
