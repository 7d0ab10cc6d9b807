import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnOnFreePort, spawnService, type SpawnedService } from '../../helpers/spawn-service.js'

export const ADMIN_TOKEN = 'proxy-test-admin-token'
// a failure bound, never a wait: on a shared 2-core machine under load a clerk can take 20 s to start
const START_BOUND_MS = 60_000
const SESSION_SECRET = 'a-session-secret-shared-by-every-clerk-in-this-test'

export interface RealClerk {
  id: string
  url: string
  port: number
  service: SpawnedService
}

export interface RealCluster {
  redis: RedisServer
  clerks: RealClerk[]
  proxy: SpawnedService
  base: string
  restartClerk(id: string): Promise<void>
  stop(): Promise<void>
}

async function startClerk(id: string, port: number, redisUrl: string): Promise<SpawnedService> {
  return spawnService(
    'services/clerk/main.js',
    { CLERK_PORT: String(port), CLERK_HOST: '127.0.0.1', CLERK_ID: id, REDIS_URL: redisUrl, SESSION_SECRET, ADMIN_TOKEN },
    `http://127.0.0.1:${port}/readyz`,
    { timeoutMs: START_BOUND_MS },
  )
}

/**
 * A real redis-server, `count` real clerk processes and the real proxy process (node dist/proxy/
 * main.js) on free loopback ports, with short health intervals so tests see changes quickly.
 */
export async function startRealCluster(
  count: number,
  proxyEnv: Record<string, string> = {},
  /** the URL the proxy is given for a clerk (a relay in front of it), by id; else the clerk's own */
  throughUrls: (clerks: readonly RealClerk[]) => Promise<Record<string, string>> = async () => ({}),
): Promise<RealCluster> {
  const redis = await startRedisServer({ appendOnly: false })
  const clerks: RealClerk[] = []
  const ids = ['clerk-a', 'clerk-b', 'clerk-c', 'clerk-d'].slice(0, count)
  // every start is awaited, failed or not: one clerk that never became ready must not leave its
  // siblings and Redis running after the test that wanted them has failed
  const started = await Promise.allSettled(
    ids.map(async (id) => {
      const { port, service } = await spawnOnFreePort((p) => startClerk(id, p, redis.url))
      clerks.push({ id, port, url: `http://127.0.0.1:${port}`, service })
    }),
  )
  const stopClerksAndRedis = async () => {
    await Promise.all(clerks.map((c) => c.service.stop()))
    await redis.stop()
  }
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) {
    await stopClerksAndRedis()
    throw failed.reason
  }
  clerks.sort((a, b) => a.id.localeCompare(b.id))
  const through = await throughUrls(clerks)
  const proxyEnvFor = (proxyPort: number) => ({
    PROXY_PORT: String(proxyPort),
    PROXY_CLERKS: clerks.map((c) => `${c.id}=${through[c.id] ?? c.url}`).join(','),
    ADMIN_TOKEN,
    PROXY_HEALTH_INTERVAL_MS: '100',
    PROXY_HEALTH_RISE: '2',
    PROXY_HEALTH_FALL: '2',
    PROXY_UPSTREAM_TIMEOUT_MS: '1500',
    PROXY_CONNECT_TIMEOUT_MS: '500',
    ...proxyEnv,
  })
  const { port: proxyPort, service: proxy } = await spawnOnFreePort((port) =>
    spawnService('proxy/main.js', proxyEnvFor(port), `http://127.0.0.1:${port}/_lb/status`, { timeoutMs: START_BOUND_MS }),
  ).catch(async (err: unknown) => {
    await stopClerksAndRedis()
    throw err
  })
  const base = `http://127.0.0.1:${proxyPort}`
  return {
    redis,
    clerks,
    proxy,
    base,
    async restartClerk(id) {
      const clerk = clerks.find((c) => c.id === id)
      if (!clerk) throw new Error(`no clerk ${id}`)
      await clerk.service.stop()
      clerk.service = await startClerk(id, clerk.port, redis.url)
    },
    async stop() {
      await proxy.stop()
      await stopClerksAndRedis()
    },
  }
}

/** a customer: remembers cookies (all of them, whatever their path: simple and enough here) */
export class Customer {
  readonly cookies = new Map<string, string>()
  constructor(readonly base: string) {}

  async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const eq = pair!.indexOf('=')
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim())
    }
    const text = await res.text()
    let json: Record<string, unknown>
    try {
      json = JSON.parse(text) as Record<string, unknown>
    } catch {
      json = { text }
    }
    return { status: res.status, headers: res.headers, json, clerk: res.headers.get('x-clerk') }
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}) {
    return this.send('POST', path, body, headers)
  }
}

export async function admin(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

export interface ClerkStatusLike {
  id: string
  healthy: boolean
  drained: boolean
  inFlight: number
  requests: number
  pinned: number
  redispatches: number
}

export async function lbStatus(base: string): Promise<{
  clerks: ClerkStatusLike[]
  counters: { requests: number; errors: number; retries: number; redispatches: number }
  routeCounters: Record<string, { retries: number; perTryTimeouts: number }>
  policies: Record<string, string>
  workers: number
  engine: string
}> {
  const res = await fetch(`${base}/_lb/status`, { signal: AbortSignal.timeout(5_000) })
  return (await res.json()) as never
}

export function waitForHealth(base: string, id: string, healthy: boolean, timeoutMs = 10_000) {
  return waitFor(async () => (await lbStatus(base)).clerks.find((c) => c.id === id)?.healthy === healthy, {
    what: `${id} to be ${healthy ? 'healthy' : 'ejected'}`,
    timeoutMs,
  })
}

/*
 * The dialogues below send an Idempotency-Key on every step, as a careful client does: a request
 * cut off by a SIGKILLed clerk may have reached it, and the proxy repeats such a POST only when it
 * carries a key (ask and buy are harmless to repeat; pay is made harmless by the ledger).
 */

/** one whole stateless dialogue: the context token travels with the customer */
export async function statelessDialogue(base: string, key: string) {
  const c = new Customer(base)
  const ask = await c.post('/stateless/ask', { product: 'laptop' }, { 'idempotency-key': `${key}-ask` })
  if (ask.status !== 200) return { ok: false, step: 'ask', status: ask.status, body: ask.json }
  const buy = await c.post('/stateless/buy', { context: ask.json.context, quantity: 2 }, { 'idempotency-key': `${key}-buy` })
  if (buy.status !== 200) return { ok: false, step: 'buy', status: buy.status, body: buy.json }
  const pay = await c.post('/stateless/pay', { context: buy.json.context, method: 'card' }, { 'idempotency-key': key })
  if (pay.status !== 200) return { ok: false, step: 'pay', status: pay.status, body: pay.json }
  return { ok: true }
}

/** one whole shared dialogue: the session lives in Redis, any clerk can continue it */
export async function sharedDialogue(base: string, key: string) {
  const c = new Customer(base)
  const ask = await c.post('/shared/ask', { product: 'laptop' }, { 'idempotency-key': `${key}-ask` })
  if (ask.status !== 200) return { ok: false, step: 'ask', status: ask.status, body: ask.json }
  const buy = await c.post('/shared/buy', { quantity: 2 }, { 'idempotency-key': `${key}-buy` })
  if (buy.status !== 200) return { ok: false, step: 'buy', status: buy.status, body: buy.json }
  const pay = await c.post('/shared/pay', { method: 'cash' }, { 'idempotency-key': key })
  if (pay.status !== 200) return { ok: false, step: 'pay', status: pay.status, body: pay.json }
  return { ok: true }
}
