import { freePort } from '../../../services/common/free-port.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'

export const ADMIN_TOKEN = 'handoff-test-admin-token'
const SESSION_SECRET = 'a-session-secret-shared-by-every-clerk-in-the-handoff-tests'

export interface HandoffClerk {
  id: string
  url: string
  service: SpawnedService
}

/**
 * A real redis-server, real clerk processes and the real proxy (sticky stateful by default) on
 * free loopback ports, for the handoff and run-time membership tests. `clerkEnv` reaches every
 * clerk (CLERK_HANDOFF=off for the row without a handoff).
 */
export class HandoffCluster {
  readonly clerks: HandoffClerk[] = []
  base = ''
  proxy: SpawnedService | undefined

  private constructor(
    readonly redis: RedisServer,
    private readonly clerkEnv: Record<string, string>,
  ) {}

  static async start(
    ids: readonly string[],
    { clerkEnv = {}, proxyEnv = {} }: { clerkEnv?: Record<string, string>; proxyEnv?: Record<string, string> } = {},
  ): Promise<HandoffCluster> {
    const cluster = new HandoffCluster(await startRedisServer({ appendOnly: false }), clerkEnv)
    try {
      await Promise.all(ids.map((id) => cluster.startClerk(id)))
      cluster.clerks.sort((a, b) => a.id.localeCompare(b.id))
      const port = await freePort()
      cluster.base = `http://127.0.0.1:${port}`
      cluster.proxy = await spawnService(
        'proxy/main.js',
        {
          PROXY_PORT: String(port),
          PROXY_CLERKS: cluster.clerks.map((c) => `${c.id}=${c.url}`).join(','),
          ADMIN_TOKEN,
          PROXY_HEALTH_INTERVAL_MS: '100',
          PROXY_HEALTH_RISE: '2',
          PROXY_HEALTH_FALL: '3',
          // a clerk starved by other work on a shared 2-core machine is slow, not gone
          PROXY_HEALTH_TIMEOUT_MS: '3000',
          PROXY_UPSTREAM_TIMEOUT_MS: '5000',
          ...proxyEnv,
        },
        `${cluster.base}/_lb/status`,
        { timeoutMs: 60_000 },
      )
    } catch (err) {
      await cluster.stop()
      throw err
    }
    return cluster
  }

  /** starts one more clerk process (not yet known to the proxy) */
  async startClerk(id: string): Promise<HandoffClerk> {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const service = await spawnService(
      'services/clerk/main.js',
      {
        CLERK_PORT: String(port),
        CLERK_HOST: '127.0.0.1',
        CLERK_ID: id,
        REDIS_URL: this.redis.url,
        SESSION_SECRET,
        ADMIN_TOKEN,
        // a starved 2-core machine must not read a healthy Redis as hung
        CLERK_REDIS_TIMEOUT_MS: '2000',
        CLERK_NEW_SESSIONS_PER_MINUTE: '0',
        ...this.clerkEnv,
      },
      `${url}/readyz?mode=shared`,
      { timeoutMs: 60_000 },
    )
    const clerk = { id, url, service }
    this.clerks.push(clerk)
    return clerk
  }

  clerk(id: string): HandoffClerk {
    const clerk = this.clerks.find((c) => c.id === id)
    if (clerk === undefined) throw new Error(`no clerk ${id}`)
    return clerk
  }

  async stop(): Promise<void> {
    await this.proxy?.stop()
    await Promise.all(this.clerks.map((c) => c.service.stop()))
    await this.redis.stop()
  }
}

/** one customer over the proxy: keeps its cookies (by name, whatever their path: enough here) */
export class Shopper {
  readonly cookies = new Map<string, string>()
  constructor(readonly base: string) {}

  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; clerk: string | null; json: Record<string, unknown> }> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    })
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0] ?? ''
      const eq = pair.indexOf('=')
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    return { status: res.status, clerk: res.headers.get('x-clerk'), json: (await res.json()) as Record<string, unknown> }
  }
}

export async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) })
  return (await res.json()) as Record<string, unknown>
}
