import { hostname } from 'node:os'
import { ConfigError, readChoice, readInt, readPort, readString, readUrl } from '../common/env-checks.js'
import { LOG_LEVELS, type LogLevel } from '../common/log-levels.js'
import { parseTrustProxy } from './trusted-proxy.js'

/**
 * Everything a clerk can be told, with one defaults object. `readClerkOptions(process.env)` is
 * what main.ts uses; tests call `resolveClerkOptions({ ... })` with just what they change.
 *
 * @example
 *   const options = readClerkOptions({ PORT: '3001', CLERK_ID: 'clerk-a', REDIS_URL: redis.url })
 *   const app = await buildClerk(options)
 */
export interface ClerkOptions {
  port: number
  host: string
  clerkId: string
  redisUrl: string
  /** signs session cookies and stateless context tokens; the same on every clerk */
  sessionSecret: string
  /** true when SESSION_SECRET was not set (main.ts warns) */
  sessionSecretIsDefault: boolean
  /** enables /_admin/*; undefined → those routes do not exist (404) */
  adminToken: string | undefined
  /** simulated async work per dialogue answer, ms */
  workMs: number
  /** at most this many dialogue answers in progress; 0 = unbounded */
  concurrency: number
  logLevel: LogLevel
  /** session cookie and store lifetime, ms */
  sessionTtlMs: number
  /** stateless context token lifetime, ms */
  contextTtlMs: number
  /** request body cap, bytes */
  bodyLimit: number
  /** ioredis connect and command deadlines, ms: a dead Redis must answer 503 well under 1 s */
  redisTimeoutMs: number
  /** the memory session store never holds more than this many sessions; when full, a new one
   *  replaces the oldest paid one, or is refused (503 sessions_full): live dialogues stay */
  memorySessionsMax: number
  /** new stateful/shared sessions per client address per minute, on this clerk; 0 = no limit */
  newSessionsPerMinute: number
  /** peers whose X-Forwarded-For is believed, one hop (addresses, CIDRs, loopback…); undefined:
   *  none, the client is the peer itself (trusted-proxy.ts) */
  trustProxy: string | undefined
  /** how long SIGTERM waits for in-flight requests before closing connections anyway, ms */
  shutdownTimeoutMs: number
}

/** Used only when SESSION_SECRET is unset, with a warning: fine on a laptop, never in production. */
export const DEV_SESSION_SECRET = 'clerk-cluster-dev-secret-change-me-0123456789'

export const clerkDefaults: Readonly<ClerkOptions> = Object.freeze({
  port: 3000,
  host: '127.0.0.1',
  clerkId: defaultClerkId(),
  redisUrl: 'redis://127.0.0.1:6379',
  sessionSecret: DEV_SESSION_SECRET,
  sessionSecretIsDefault: true,
  adminToken: undefined,
  workMs: 0, // ms
  concurrency: 0, // unbounded
  logLevel: 'info',
  sessionTtlMs: 30 * 60_000, // 30 min
  contextTtlMs: 30 * 60_000, // 30 min
  bodyLimit: 4096, // 4 KiB
  // a hung Redis answers 503 after this; a dead one at once (refused). Under heavy CPU contention
  // a healthy Redis can take a few hundred ms, so this stays well above that and well under 1 s
  redisTimeoutMs: 500, // 0.5 s
  memorySessionsMax: 100_000, // about 100 MB at most
  // a person starts a dialogue every few seconds at most; an office behind one address, a few
  // dozen a minute; a flood, thousands (the load test carries the admin token and is not limited)
  newSessionsPerMinute: 120,
  trustProxy: undefined,
  shutdownTimeoutMs: 10_000, // 10 s
})

function defaultClerkId(): string {
  const name = hostname().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+/, '').slice(0, 50)
  return `clerk-${name || 'local'}`
}

/** Merges `partial` over the defaults, checks every value with a sentence naming it, freezes. */
export function resolveClerkOptions(partial: Partial<ClerkOptions> = {}): Readonly<ClerkOptions> {
  const options: ClerkOptions = { ...clerkDefaults, ...dropUndefined(partial) }
  if (partial.sessionSecret !== undefined && partial.sessionSecretIsDefault === undefined) {
    options.sessionSecretIsDefault = partial.sessionSecret === DEV_SESSION_SECRET
  }
  assertClerkId(options.clerkId)
  assertWhole('PORT', options.port, 0, 65535)
  assertWhole('CLERK_WORK_MS', options.workMs, 0, 60_000)
  assertWhole('CLERK_CONCURRENCY', options.concurrency, 0, 100_000)
  assertWhole('sessionTtlMs', options.sessionTtlMs, 1000, 7 * 24 * 3_600_000)
  assertWhole('contextTtlMs', options.contextTtlMs, 1000, 7 * 24 * 3_600_000)
  assertWhole('bodyLimit', options.bodyLimit, 64, 1 << 20)
  assertWhole('CLERK_REDIS_TIMEOUT_MS', options.redisTimeoutMs, 10, 10_000)
  assertWhole('CLERK_MEMORY_SESSIONS_MAX', options.memorySessionsMax, 1, 10_000_000)
  assertWhole('CLERK_NEW_SESSIONS_PER_MINUTE', options.newSessionsPerMinute, 0, 1_000_000)
  if (options.trustProxy !== undefined) {
    try {
      parseTrustProxy(options.trustProxy)
    } catch (err) {
      throw new ConfigError(`TRUST_PROXY must be addresses or ranges (e.g. 127.0.0.1, 10.0.0.0/8, loopback), comma-separated: ${(err as Error).message}`)
    }
  }
  assertWhole('shutdownTimeoutMs', options.shutdownTimeoutMs, 0, 600_000)
  if (options.sessionSecret.length < 32) {
    throw new ConfigError(`SESSION_SECRET must be at least 32 characters long, got ${options.sessionSecret.length}`)
  }
  if (options.adminToken !== undefined && options.adminToken.length < 8) {
    throw new ConfigError(`ADMIN_TOKEN must be at least 8 characters long when set, got ${options.adminToken.length}`)
  }
  if (!(LOG_LEVELS as readonly string[]).includes(options.logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${options.logLevel}"`)
  }
  if (options.host.length === 0) throw new ConfigError('HOST must not be empty')
  return Object.freeze(options)
}

/** Reads the clerk's environment (see docs/contract.md); throws ConfigError naming the variable. */
export function readClerkOptions(env: Record<string, string | undefined>): Readonly<ClerkOptions> {
  const secret = readString(env, 'SESSION_SECRET')
  const redis = readUrl(env, 'REDIS_URL', ['redis:', 'rediss:'])
  return resolveClerkOptions({
    port: readPort(env, 'PORT', clerkDefaults.port),
    host: readString(env, 'HOST', clerkDefaults.host),
    clerkId: readString(env, 'CLERK_ID', clerkDefaults.clerkId),
    redisUrl: redis?.toString() ?? clerkDefaults.redisUrl,
    sessionSecret: secret ?? DEV_SESSION_SECRET,
    sessionSecretIsDefault: secret === undefined,
    adminToken: readString(env, 'ADMIN_TOKEN'),
    workMs: readInt(env, 'CLERK_WORK_MS', clerkDefaults.workMs, { min: 0, max: 60_000 }),
    concurrency: readInt(env, 'CLERK_CONCURRENCY', clerkDefaults.concurrency, { min: 0, max: 100_000 }),
    // not in the contract's table: tests on a starved machine raise it (a process descheduled for
    // half a second sees its Redis timer fire before the answer that is already waiting)
    redisTimeoutMs: readInt(env, 'CLERK_REDIS_TIMEOUT_MS', clerkDefaults.redisTimeoutMs, { min: 10, max: 10_000 }),
    memorySessionsMax: readInt(env, 'CLERK_MEMORY_SESSIONS_MAX', clerkDefaults.memorySessionsMax, { min: 1, max: 10_000_000 }),
    newSessionsPerMinute: readInt(env, 'CLERK_NEW_SESSIONS_PER_MINUTE', clerkDefaults.newSessionsPerMinute, { min: 0, max: 1_000_000 }),
    trustProxy: readString(env, 'TRUST_PROXY'),
    logLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, clerkDefaults.logLevel),
  })
}

// The contract's alphabet, lower case only: the id is compared as written in cookies (lb_clerk),
// X-Clerk, order records and the proxy's CLERKS list, so "Clerk-A" and "clerk-a" must not both exist.
function assertClerkId(value: string): void {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(value)) {
    throw new ConfigError(`CLERK_ID must be 1-63 lower-case letters, digits, "-" or "_", got "${value}"`)
  }
}

function assertWhole(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number between ${min} and ${max}, got ${String(value)}`)
  }
}

function dropUndefined<T extends object>(partial: T): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>
}
