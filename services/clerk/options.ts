import { hostname } from 'node:os'
import { choice, defineOptions, flag, int, matching, port, secret, text, urlText, type Env } from '../common/options.js'
import { LOG_LEVELS, type LogLevel } from '../common/log.js'
import { parseTrustProxy } from './trusted-proxy.js'

/**
 * Everything a clerk can be told.
 *
 * @example
 *   const options = readClerkOptions({ CLERK_PORT: '3001', CLERK_ID: 'clerk-a', REDIS_URL: redis.url })
 *   const app = await buildClerk(options)
 */
export interface ClerkOptions {
  port: number
  host: string
  clerkId: string
  redisUrl: string
  /** signs session cookies and stateless context tokens; the same on every clerk */
  sessionSecret: string
  /** true when SESSION_SECRET was not set, i.e. the dev secret is used (main.ts warns) */
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
  /** CLERK_TRUST_PROXY: peers whose X-Forwarded-For is believed, one hop (addresses, CIDRs, loopback…); undefined:
   *  none, the client is the peer itself (trusted-proxy.ts) */
  trustProxy: string | undefined
  /** how long SIGTERM waits for in-flight requests before closing connections anyway, ms */
  shutdownTimeoutMs: number
  /** CLERK_HANDOFF: on SIGTERM, park live stateful dialogues in Redis for the next clerk (handoff.ts) */
  handoff: 'redis' | 'off'
  /** the pause between two progress events of the MCP pay tool, ms (services/mcp/) */
  mcpPayStepMs: number
  /** stateful MCP sessions this clerk holds at most (each is an SDK server and transport) */
  mcpSessionsMax: number
}

/** Used only when SESSION_SECRET is unset, with a warning: fine on a laptop, never in production. */
export const DEV_SESSION_SECRET = 'clerk-cluster-dev-secret-change-me-0123456789'

function defaultClerkId(): string {
  const name = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 50)
  return `clerk-${name || 'local'}`
}

// The contract's alphabet, lower case only: the id is compared as written in cookies (lb_clerk),
// X-Clerk, order records and the proxy's PROXY_CLERKS list, so "Clerk-A" and "clerk-a" must not both exist.
const clerkIdReader = matching(
  (value) => /^[a-z0-9][a-z0-9_-]{0,62}$/.test(value),
  (value) => `must be 1-63 lower-case letters, digits, "-" or "_", got "${value}"`,
)

const trustProxyReader = matching(
  (value) => {
    try {
      parseTrustProxy(value)
      return true
    } catch {
      return false
    }
  },
  (value) => `must be addresses or ranges (e.g. 127.0.0.1, 10.0.0.0/8, loopback), comma-separated, got "${value}"`,
)

const WEEK_MS = 7 * 24 * 3_600_000

/**
 * Everything a clerk can be told, in one table (services/common/options.ts): its variable, its
 * default, its bounds and the sentence docs/contract.md prints. `readClerkOptions(process.env)` is
 * what main.ts uses; tests call `resolveClerkOptions({ ... })` with just what they change.
 */
export const clerkOptions = defineOptions<ClerkOptions>({
  part: 'clerk',
  options: [
    { env: 'CLERK_PORT', key: 'port', read: port(), default: 3000, doc: 'listen port', deprecated: ['PORT'] },
    { env: 'CLERK_HOST', key: 'host', read: text(), default: '127.0.0.1', doc: 'listen address (compose sets 0.0.0.0)', deprecated: ['HOST'] },
    {
      env: 'CLERK_ID',
      key: 'clerkId',
      read: clerkIdReader,
      default: defaultClerkId(),
      docDefault: '`clerk-<hostname>`',
      doc: "the clerk's name in every answer (`[a-z0-9_-]`, 1-63 chars, lower case: `Clerk-X` is refused)",
    },
    {
      env: 'REDIS_URL',
      key: 'redisUrl',
      read: urlText(['redis:', 'rediss:']),
      default: 'redis://127.0.0.1:6379',
      doc: 'ledger + shared sessions; Redis missing never stops the clerk from serving stateful/stateless',
    },
    {
      env: 'SESSION_SECRET',
      key: 'sessionSecret',
      read: secret(32),
      default: DEV_SESSION_SECRET,
      docDefault: 'a fixed dev secret, with a warning',
      doc: '≥ 32 chars; signs session cookies and stateless context tokens; must be the same on every clerk',
    },
    { key: 'sessionSecretIsDefault', read: flag() },
    { env: 'ADMIN_TOKEN', key: 'adminToken', read: secret(8), doc: 'enables `/_admin/*` (≥ 8 chars); unset → those routes answer 404' },
    { env: 'CLERK_WORK_MS', key: 'workMs', read: int({ min: 0, max: 60_000 }), default: 0, doc: 'simulated work per dialogue answer (ms, async), for scale-out runs' },
    {
      env: 'CLERK_CONCURRENCY',
      key: 'concurrency',
      read: int({ min: 0, max: 100_000 }),
      default: 0,
      docDefault: '0 (unbounded)',
      doc: 'at most this many dialogue answers in progress at once; the rest queue (FIFO)',
    },
    {
      env: 'CLERK_NEW_SESSIONS_PER_MINUTE',
      key: 'newSessionsPerMinute',
      read: int({ min: 0, max: 1_000_000 }),
      // a person starts a dialogue every few seconds at most; an office behind one address, a few
      // dozen a minute; a flood, thousands (the load test carries the admin token and is not limited)
      default: 120,
      doc: 'new stateful/shared sessions per client address per mode on this clerk (0 = no limit): over it 429 `too_many_new_sessions`',
    },
    {
      env: 'CLERK_MEMORY_SESSIONS_MAX',
      key: 'memorySessionsMax',
      read: int({ min: 1, max: 10_000_000 }),
      default: 100_000, // about 100 MB at most
      doc: 'stateful sessions this clerk holds; when full a new one replaces the oldest paid one or gets 503 `sessions_full`',
    },
    {
      env: 'CLERK_REDIS_TIMEOUT_MS',
      key: 'redisTimeoutMs',
      read: int({ min: 10, max: 10_000 }),
      // a hung Redis answers 503 after this; a dead one at once (refused). Under heavy CPU
      // contention a healthy Redis can take a few hundred ms, so this stays well above that and
      // well under 1 s (tests on a starved machine raise it)
      default: 500, // 0.5 s
      doc: 'how long a Redis command may take before the breaker opens (ms): a hung Redis answers 503 after it',
    },
    {
      env: 'CLERK_TRUST_PROXY',
      key: 'trustProxy',
      read: trustProxyReader,
      example: 'loopback',
      doc: 'peers whose `X-Forwarded-For` is believed, one hop (addresses, CIDRs, `loopback`, `uniquelocal`…): the client address the limit counts; `npm start` sets `loopback`',
      deprecated: ['TRUST_PROXY'],
    },
    {
      env: 'CLERK_HANDOFF',
      key: 'handoff',
      read: choice(['redis', 'off'] as const),
      default: 'redis',
      doc: 'on SIGTERM a stateful clerk parks its live dialogues in Redis and the clerk the proxy sends each customer to next claims them (`off`: they are lost, as on a kill)',
    },
    {
      env: 'CLERK_MCP_PAY_STEP_MS',
      key: 'mcpPayStepMs',
      read: int({ min: 0, max: 60_000 }),
      default: 300, // 0.3 s: a pay streams 3 progress events over about a second, time for a kill to land mid-stream
      doc: 'pause between two progress events of the MCP `pay` tool (ms)',
    },
    {
      env: 'CLERK_MCP_SESSIONS_MAX',
      key: 'mcpSessionsMax',
      read: int({ min: 1, max: 1_000_000 }),
      default: 10_000,
      doc: 'stateful MCP sessions this clerk holds; when full, an initialize gets 503 and a JSON-RPC error (idle ones expire like HTTP sessions)',
    },
    { env: 'LOG_LEVEL', key: 'logLevel', read: choice(LOG_LEVELS), default: 'info', doc: `pino's level: ${LOG_LEVELS.join(', ')}` },
    { key: 'sessionTtlMs', read: int({ min: 1000, max: WEEK_MS }), default: 30 * 60_000 }, // 30 min
    { key: 'contextTtlMs', read: int({ min: 1000, max: WEEK_MS }), default: 30 * 60_000 }, // 30 min
    { key: 'bodyLimit', read: int({ min: 64, max: 1 << 20 }), default: 4096 }, // 4 KiB
    { key: 'shutdownTimeoutMs', read: int({ min: 0, max: 600_000 }), default: 10_000 }, // 10 s
  ],
  // true when no secret was given (main.ts warns), unless the caller says
  finish: (options, given) => ({
    ...options,
    sessionSecretIsDefault: given.sessionSecretIsDefault ?? options.sessionSecret === DEV_SESSION_SECRET,
  }),
})

export const clerkDefaults: Readonly<ClerkOptions> = clerkOptions.resolve()

/** Merges `partial` over the defaults, checks every value with a sentence naming it, freezes. */
export function resolveClerkOptions(partial: Partial<ClerkOptions> = {}): Readonly<ClerkOptions> {
  return clerkOptions.resolve(partial)
}

/** Reads the clerk's environment (docs/contract.md); throws ConfigError naming the variable. */
export function readClerkOptions(env: Env, warn?: (line: string) => void): Readonly<ClerkOptions> {
  return clerkOptions.read(env, warn)
}
