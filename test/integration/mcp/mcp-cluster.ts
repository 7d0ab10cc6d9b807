import { freePort } from '../../../services/common/free-port.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'

export const ADMIN_TOKEN = 'mcp-test-admin-token'
const SESSION_SECRET = 'a-session-secret-shared-by-every-clerk-in-the-mcp-tests'
// a start takes seconds of CPU; on a machine shared by many test runs it can take much longer
const START_TIMEOUT_MS = 90_000 // 90 s

export interface McpClerk {
  id: string
  url: string
  port: number
  service: SpawnedService
}

export interface McpCluster {
  redis: RedisServer
  clerks: McpClerk[]
  proxy: SpawnedService
  base: string
  revive(id: string): Promise<void>
  allHealthy(): Promise<void>
  stop(): Promise<void>
}

const CLERK_IDS = ['clerk-a', 'clerk-b', 'clerk-c']

/**
 * A real redis-server, three real clerks and the real proxy (node dist/...) on free loopback
 * ports, for the MCP tests: stateful pinned by the `mcp-session` affinity, short health checks.
 */
export async function startMcpCluster(proxyEnv: Record<string, string> = {}, clerkEnv: Record<string, string> = {}): Promise<McpCluster> {
  const redis = await startRedisServer({ appendOnly: false })
  const startClerk = (id: string, port: number) =>
    spawnService(
      'services/clerk/main.js',
      { CLERK_PORT: String(port), CLERK_HOST: '127.0.0.1', CLERK_ID: id, REDIS_URL: redis.url, SESSION_SECRET, ADMIN_TOKEN, CLERK_REDIS_TIMEOUT_MS: '2000', ...clerkEnv },
      `http://127.0.0.1:${port}/readyz`,
      { timeoutMs: START_TIMEOUT_MS },
    )
  const clerks: McpClerk[] = []
  // one after another: ports drawn together may repeat
  for (const id of CLERK_IDS) {
    const port = await freePort()
    clerks.push({ id, port, url: `http://127.0.0.1:${port}`, service: await startClerk(id, port) })
  }
  const proxyPort = await freePort()
  const base = `http://127.0.0.1:${proxyPort}`
  const proxy = await spawnService(
    'proxy/main.js',
    {
      PROXY_PORT: String(proxyPort),
      PROXY_CLERKS: clerks.map((c) => `${c.id}=${c.url}`).join(','),
      ADMIN_TOKEN,
      PROXY_HEALTH_INTERVAL_MS: '100',
      PROXY_HEALTH_RISE: '2',
      // a starved machine can keep a live clerk from answering its check for a second or two: only
      // a dead one (refused at once) should be marked down in these tests
      PROXY_HEALTH_FALL: '5',
      PROXY_HEALTH_TIMEOUT_MS: '3000',
      PROXY_UPSTREAM_TIMEOUT_MS: '8000',
      PROXY_POLICY_STATEFUL: 'mcp-session+round-robin',
      // shared sessions pinned too, so a test knows which clerk holds a pay's stream (the one
      // its session id names) and can kill exactly that one mid-stream
      PROXY_POLICY_SHARED: 'mcp-session+round-robin',
      ...proxyEnv,
    },
    `${base}/_lb/status`,
    { timeoutMs: START_TIMEOUT_MS },
  )
  const cluster: McpCluster = {
    redis,
    clerks,
    proxy,
    base,
    async revive(id) {
      const clerk = clerks.find((c) => c.id === id)
      if (!clerk) throw new Error(`no clerk ${id}`)
      await clerk.service.stop()
      clerk.service = await startClerk(id, clerk.port)
    },
    async allHealthy() {
      await waitFor(async () => ((await (await fetch(`${base}/_lb/status`)).json()) as { clerks: { healthy: boolean }[] }).clerks.every((c) => c.healthy), {
        what: 'every clerk healthy',
        timeoutMs: START_TIMEOUT_MS,
      })
    },
    async stop() {
      await proxy.stop()
      await Promise.all(clerks.map((c) => c.service.stop()))
      await redis.stop()
    },
  }
  await cluster.allHealthy()
  return cluster
}

export async function setPolicy(base: string, route: string, policy: string): Promise<void> {
  const res = await fetch(`${base}/_lb/policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ route, policy }),
  })
  if (res.status !== 200) throw new Error(`PUT /_lb/policy answered ${res.status}: ${await res.text()}`)
}
