import { ConfigError, assertId, choice, defineOptions, int, port, text, url, type Env, type Reader } from '../services/common/options.js'
import { LOG_LEVELS, type LogLevel } from '../services/common/log.js'
import { DEFAULT_POLICIES, MODES, type RouteKey } from '../services/common/vocabulary.js'
import { ACCEPTED_POLICY_NAMES, type AcceptedPolicyName } from './balance/policy.js'
import { buildRouteTable, parseRouteChanges, readRouteChange, type RouteChange, type RouteTable } from './forward/route-table.js'
import { parseDiscoverTarget, type DiscoveryTarget } from './state/discovery.js'

export const ENGINE_NAMES = ['undici', 'http-proxy', 'net', 'fast'] as const
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
  policies: Readonly<Record<RouteKey, AcceptedPolicyName>>
  launcherUrl: URL | undefined
  /** deadline for a clerk's answer (headers and body) → 504 */
  upstreamTimeoutMs: number
  /** PROXY_PER_TRY_TIMEOUT_MS: the default routes' per-try timeout (forward/route-table.ts) */
  perTryTimeoutMs: number
  /** PROXY_ROUTES: changes to the default route table */
  routeChanges: readonly RouteChange[]
  /** the route table: the defaults with routeChanges applied, checked (derived, never given) */
  routes: RouteTable
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
  /** PROXY_REQUEST_TIMEOUT_MS: a customer's request (headers and body) must arrive within this → 408 */
  requestTimeoutMs: number
  /** PROXY_CLIENT_CONNECTIONS: customer connections open at once; one more is answered 503 and closed */
  clientConnections: number
  /** PROXY_REQUEST_BUFFER_BYTES: request-body bytes held at once, over all requests → 503 above it */
  requestBufferBytes: number
  /** PROXY_EVENT_SUBSCRIBERS: open GET /_lb/events streams → 503 above it */
  eventSubscribers: number
  /** LOG_LEVEL: pino's level names */
  logLevel: LogLevel
  /** PROXY_DISCOVER: a service name and port resolved periodically for more clerks (state/discovery.ts) */
  discover: DiscoveryTarget | undefined
  /** PROXY_DISCOVER_INTERVAL_MS */
  discoverIntervalMs: number
}

const CLERKS_EXAMPLE = 'clerk-a=http://127.0.0.1:3001,clerk-b=http://127.0.0.1:3002'

/**
 * Parses `PROXY_CLERKS` ("clerk-a=http://127.0.0.1:3001,clerk-b=http://127.0.0.1:3002").
 * Throws a ConfigError naming the entry that is wrong and how.
 */
export function parseClerks(value: string | undefined, name = 'PROXY_CLERKS'): ClerkTarget[] {
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`${name} is required: a list such as "${CLERKS_EXAMPLE}"`)
  }
  const clerks: ClerkTarget[] = []
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
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

const discoverReader: Reader<DiscoveryTarget> = {
  parse(value, name) {
    const target = parseDiscoverTarget(value)
    if (target === undefined) throw new ConfigError(`${name} must be a name and a port, such as "clerk:3000", got "${value}"`)
    return target
  },
  check(value, name) {
    if (parseDiscoverTarget(`${value.host}:${value.port}`) === undefined) throw new ConfigError(`${name} must be a name and a port, such as "clerk:3000"`)
  },
}

function missingClerks(): never {
  throw new ConfigError(`PROXY_CLERKS is required: a list such as "${CLERKS_EXAMPLE}" (or PROXY_DISCOVER=name:port, to find them by DNS)`)
}

const clerksReader: Reader<readonly ClerkTarget[]> = {
  parse: (value, name) => parseClerks(value, name),
  check(clerks, name) {
    if (!Array.isArray(clerks) || clerks.length === 0) throw new ConfigError(`${name} must name at least one clerk`)
  },
}

const routeChangesReader: Reader<readonly RouteChange[]> = {
  parse: (value, name) => parseRouteChanges(value, name),
  check(changes, name) {
    if (!Array.isArray(changes)) throw new ConfigError(`${name} must be a list of route changes`)
    changes.forEach((change, i) => readRouteChange(change, `${name} entry ${i + 1}`))
  },
}

const policyOf = (route: (typeof MODES)[number]) =>
  ({
    env: `PROXY_POLICY_${route.toUpperCase()}`,
    key: `policies.${route}`,
    read: choice(ACCEPTED_POLICY_NAMES),
    default: DEFAULT_POLICIES[route],
    doc: `the policy of /${route}/*: ${ACCEPTED_POLICY_NAMES.join(', ')} (proxy/README.md "Policies")`,
    deprecated: [`POLICY_${route.toUpperCase()}`],
  }) as const

/**
 * Everything the proxy can be told, in one table (services/common/options.ts): its variable, its
 * default, its bounds, the old name it replaces and the sentence docs/contract.md prints.
 */
export const proxyOptions = defineOptions<ProxyOptions>({
  part: 'proxy',
  options: [
    { env: 'PROXY_PORT', key: 'port', read: port(), default: 8080, doc: 'listen port', deprecated: ['PORT'] },
    { env: 'PROXY_HOST', key: 'host', read: text(), default: '127.0.0.1', doc: 'listen address', deprecated: ['HOST'] },
    {
      env: 'PROXY_CLERKS',
      key: 'clerks',
      read: clerksReader,
      example: CLERKS_EXAMPLE,
      docDefault: 'required, unless PROXY_DISCOVER',
      doc: `\`${CLERKS_EXAMPLE}\` (ids: letters, digits, \`-\`, \`_\`; bare http origins)`,
      deprecated: ['CLERKS'],
    },
    {
      env: 'ADMIN_TOKEN',
      key: 'adminToken',
      read: text(),
      doc: 'protects changing admin routes; unset → they answer 401 unauthorized saying ADMIN_TOKEN is not configured',
    },
    // measured faster: see README "Benchmark"
    {
      env: 'PROXY_ENGINE',
      key: 'engine',
      read: choice(ENGINE_NAMES),
      default: 'fast',
      docDefault: 'fast',
      doc: '`fast` (the dialogue routes and /orders read and forwarded on node:net with llhttp, proxy/fast/; the rest through node:http and the net engine), or node:http in front of `undici`, `http-proxy` or `net`',
    },
    {
      env: 'PROXY_WORKERS',
      key: 'workers',
      read: int({ min: 1, max: 64 }),
      default: 1,
      doc: 'node:cluster workers; the primary holds health, policies, counters, events',
    },
    policyOf('stateful'),
    policyOf('stateless'),
    policyOf('shared'),
    { key: 'policies.orders', read: choice(ACCEPTED_POLICY_NAMES), default: DEFAULT_POLICIES.orders },
    {
      env: 'PROXY_LAUNCHER_URL',
      key: 'launcherUrl',
      read: url(['http:']),
      example: 'http://127.0.0.1:8090',
      doc: "`npm start`'s launcher API; the proxy forwards `/_cluster/*` to it (else 404 `no launcher`)",
      deprecated: ['LAUNCHER_URL'],
    },
    {
      env: 'PROXY_UPSTREAM_TIMEOUT_MS',
      key: 'upstreamTimeoutMs',
      read: int({ min: 1, max: 600_000 }),
      default: 10_000, // 10 s
      doc: 'upstream answer deadline → 504 (ms)',
      deprecated: ['UPSTREAM_TIMEOUT_MS'],
    },
    {
      env: 'PROXY_PER_TRY_TIMEOUT_MS',
      key: 'perTryTimeoutMs',
      read: int({ min: 1, max: 600_000 }),
      default: 1_000, // 1 s: a clerk answers in ms; one that takes a second is hung or starved
      doc: "one attempt's deadline on the routes that allow a per-try timeout (stateless, shared, orders): past it the attempt is abandoned and sent to another clerk (ms; at or above PROXY_UPSTREAM_TIMEOUT_MS: none)",
    },
    {
      env: 'PROXY_ROUTES',
      key: 'routeChanges',
      read: routeChangesReader,
      default: [],
      example: '[{"prefix":"/stateless","attempts":2}]',
      docDefault: '`[]` (the defaults)',
      doc: 'changes to the route table, a JSON list of rows by `prefix` (docs/contract.md "Route table"); a bad one stops the proxy with one sentence',
    },
    {
      env: 'PROXY_CONNECT_TIMEOUT_MS',
      key: 'connectTimeoutMs',
      read: int({ min: 1, max: 60_000 }),
      default: 1_000, // 1 s: loopback connects take microseconds
      doc: 'TCP connect deadline to a clerk (ms): past it the request was never sent, and goes to another clerk',
      deprecated: ['CONNECT_TIMEOUT_MS'],
    },
    {
      env: 'PROXY_HEALTH_INTERVAL_MS',
      key: 'healthIntervalMs',
      read: int({ min: 10, max: 600_000 }),
      default: 1_000, // 1 s
      doc: "period of the active checks of each clerk's `/readyz` (ms)",
      deprecated: ['HEALTH_INTERVAL_MS'],
    },
    {
      env: 'PROXY_HEALTH_TIMEOUT_MS',
      key: 'healthTimeoutMs',
      read: int({ min: 0, max: 600_000 }),
      example: '500',
      docDefault: 'the interval, at most 2000, at least 50',
      doc: 'deadline of one check (ms; 0: the default)',
      deprecated: ['HEALTH_TIMEOUT_MS'],
    },
    {
      env: 'PROXY_DISCOVER',
      key: 'discover',
      read: discoverReader,
      example: 'clerk:3000',
      doc: 'a service name and port the proxy resolves every interval: each address is a clerk, added and removed as they come and go (`docker compose up --scale clerk=N`: docs/scaling.md)',
    },
    {
      env: 'PROXY_DISCOVER_INTERVAL_MS',
      key: 'discoverIntervalMs',
      read: int({ min: 100, max: 600_000 }),
      default: 2_000, // 2 s
      doc: 'how often PROXY_DISCOVER is resolved (ms)',
    },
    {
      env: 'PROXY_HEALTH_RISE',
      key: 'healthRise',
      read: int({ min: 1, max: 100 }),
      default: 2,
      doc: 'passed checks in a row that bring a clerk back',
      deprecated: ['HEALTH_RISE'],
    },
    {
      env: 'PROXY_HEALTH_FALL',
      key: 'healthFall',
      read: int({ min: 1, max: 100 }),
      default: 2,
      doc: 'failed checks (or failing answers) in a row that take a clerk out',
      deprecated: ['HEALTH_FALL'],
    },
    {
      env: 'PROXY_CONNECTIONS',
      key: 'connectionsPerClerk',
      read: int({ min: 1, max: 10_000 }),
      default: 64,
      doc: 'keep-alive connections to each clerk (undici Pool size, http-proxy maxSockets)',
    },
    {
      env: 'PROXY_KEEPALIVE_MS',
      key: 'keepAliveIdleMs',
      read: int({ min: 100, max: 600_000 }),
      default: 30_000, // 30 s < Fastify's 72 s
      doc: "an idle keep-alive connection to a clerk is closed after this (ms), well below the clerk's 72 s",
    },
    {
      env: 'PROXY_REQUEST_TIMEOUT_MS',
      key: 'requestTimeoutMs',
      read: int({ min: 100, max: 600_000 }),
      default: 30_000, // 30 s for headers and body: a customer's body is a few dozen bytes
      doc: "a customer's request, headers and body, must arrive within this from its first byte (a connection that sends nothing: from its opening) → 408, connection closed (ms)",
      deprecated: ['REQUEST_TIMEOUT_MS'],
    },
    {
      env: 'PROXY_CLIENT_CONNECTIONS',
      key: 'clientConnections',
      read: int({ min: 1, max: 1_000_000 }),
      default: 1_024,
      doc: 'customer connections open at once (idle keep-alive and event streams included); one more gets 503 `overloaded` to its first request and is closed',
      deprecated: ['CLIENT_CONNECTIONS'],
    },
    {
      env: 'PROXY_REQUEST_BUFFER_BYTES',
      key: 'requestBufferBytes',
      read: int({ min: 64 * 1024, max: 64 * 1024 * 1024 * 1024 }),
      default: 64 * 1024 * 1024, // 64 MiB: 64 bodies at the 1 MiB cap, or a million real ones
      docDefault: '67108864 (64 MiB)',
      doc: 'request-body bytes the proxy holds at once over all requests (each body is held for replay until its answer is sent); a body that does not fit → 503 `overloaded`',
      deprecated: ['REQUEST_BUFFER_BYTES'],
    },
    {
      env: 'PROXY_EVENT_SUBSCRIBERS',
      key: 'eventSubscribers',
      read: int({ min: 1, max: 100_000 }),
      default: 32, // a dashboard tab holds one
      doc: 'open `GET /_lb/events` streams; one more → 503 `overloaded`',
      deprecated: ['EVENT_SUBSCRIBERS'],
    },
    {
      env: 'LOG_LEVEL',
      key: 'logLevel',
      read: choice(LOG_LEVELS),
      default: 'info',
      doc: `pino's level: ${LOG_LEVELS.join(', ')}; clerk ejections are logged at warn`,
    },
    { key: 'bodyCapBytes', read: int({ min: 1 }), default: 1024 * 1024 }, // 1 MiB
    { key: 'responseCapBytes', read: int({ min: 1 }), default: 16 * 1024 * 1024 }, // 16 MiB
    { key: 'statsIntervalMs', read: int({ min: 1 }), default: 1_000 }, // 1 s
  ],
  // a check must end before the next one is due
  finish: (options) => ({
    ...options,
    // with DNS discovery the clerks may all be found at run time (Kubernetes: no name is known before)
    clerks: options.clerks ?? (options.discover !== undefined ? [] : missingClerks()),
    healthTimeoutMs: options.healthTimeoutMs || Math.max(50, Math.min(options.healthIntervalMs, 2_000)),
    routes: buildRouteTable(options.perTryTimeoutMs, options.routeChanges, options.upstreamTimeoutMs),
  }),
})

/** the defaults of every setting that has one */
export const defaultOptions = proxyOptions.resolve({ clerks: [{ id: 'clerk-a', url: new URL('http://127.0.0.1:3001') }] })

/** Reads and checks every proxy variable; throws a ConfigError with one sentence on the first bad one. */
export function readProxyOptions(env: Env, warn?: (line: string) => void): ProxyOptions {
  return proxyOptions.read(env, warn)
}

/** Merges partial options over the defaults (with `??`, so a valid 0 stays 0), checks, freezes. */
export function buildOptions(partial: Partial<ProxyOptions> & { clerks: readonly ClerkTarget[] }): ProxyOptions {
  return proxyOptions.resolve(partial)
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
 * (rounded up): the proxy as a whole stays within PROXY_CLIENT_CONNECTIONS, PROXY_REQUEST_BUFFER_BYTES
 * and PROXY_EVENT_SUBSCRIBERS (give or take N - 1 for the rounding), whichever worker a connection lands on.
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
