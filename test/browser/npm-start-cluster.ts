import { freePortRange } from '../../services/common/free-port.js'
import { waitFor } from '../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../helpers/spawn-service.js'

/**
 * A real `npm start` (services/cluster/main.js) for the browser tests: `clerkCount` clerks, a
 * throwaway Redis, the proxy and its dashboard on `base`, and a wait until every clerk is healthy
 * behind the proxy (what a page needs before it plays a dialogue).
 */
export async function startNpmStartCluster(clerkCount: number, adminToken: string): Promise<{ service: SpawnedService; base: string }> {
  // the clerks take the ports right after the proxy's, so the whole range must be free
  const port = await freePortRange(clerkCount + 1)
  const base = `http://127.0.0.1:${port}`
  const service = await spawnService(
    'services/cluster/main.js',
    { PROXY_PORT: String(port), CLERK_COUNT: String(clerkCount), ADMIN_TOKEN: adminToken, CLUSTER_REDIS_THROWAWAY: '1' },
    `${base}/_lb/status`,
    { timeoutMs: 45_000 },
  )
  await everyClerkHealthy(base, clerkCount)
  return { service, base }
}

export function everyClerkHealthy(base: string, clerkCount: number): Promise<boolean> {
  return waitFor(
    async () => {
      const { clerks } = (await (await fetch(`${base}/_lb/status`)).json()) as { clerks: Array<{ healthy: boolean }> }
      return clerks.length === clerkCount && clerks.every((c) => c.healthy)
    },
    { what: 'every clerk healthy behind the proxy', timeoutMs: 30_000 },
  )
}
