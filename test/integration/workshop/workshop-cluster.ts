import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ClusterStatus } from '../../../services/cluster/launcher.js'
import { stateFilePath } from '../../../services/cluster/state-file.js'
import { freePortRange } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'

/**
 * `npm start` as the workshop runs it (node dist/services/cluster/main.js: a real redis-server,
 * three real clerks, the real proxy, the launcher), on free loopback ports with a throwaway Redis,
 * and the helpers the workshop tests share: the environment the workshop's commands read, a built
 * command run as a process, the launcher's status.
 */
export interface WorkshopCluster {
  readonly proxyUrl: string
  readonly adminToken: string
  /** the environment `npm run workshop` / `npm run reset` get: PROXY_PORT and ADMIN_TOKEN */
  readonly env: Record<string, string>
  launcher: SpawnedService
  clusterStatus(): Promise<ClusterStatus>
  /** runs `node dist/<script> args` (what the npm script runs) and resolves with its exit code and output */
  run(script: string, args: readonly string[], env?: Record<string, string>): Promise<{ code: number; output: string }>
  stop(): Promise<void>
}

const root = fileURLToPath(new URL('../../../', import.meta.url))

export async function startWorkshopCluster(adminToken: string): Promise<WorkshopCluster> {
  const proxyPort = await freePortRange(4)
  const proxyUrl = `http://127.0.0.1:${proxyPort}`
  const env = { PROXY_PORT: String(proxyPort), ADMIN_TOKEN: adminToken }
  const launcher = await spawnService('services/cluster/main.js', { ...env, CLERK_COUNT: '3', LOG_LEVEL: 'warn', CLUSTER_REDIS_THROWAWAY: '1' }, undefined)
  const seenPids = new Set<number>()
  await waitFor(() => existsSync(stateFilePath(proxyPort)) || launcher.exited(), { what: 'npm start to write its state file', timeoutMs: 60_000, intervalMs: 100 }).catch(
    (err: Error) => {
      throw new Error(`${err.message}\n--- launcher output ---\n${launcher.output()}`)
    },
  )
  if (launcher.exited()) throw new Error(`the launcher exited:\n${launcher.output()}`)

  async function clusterStatus(): Promise<ClusterStatus> {
    const res = await fetch(`${proxyUrl}/_cluster/status`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(5_000) })
    const body = (await res.json()) as ClusterStatus
    for (const p of body.processes) if (p.pid) seenPids.add(p.pid)
    if (body.redis.pid) seenPids.add(body.redis.pid)
    return body
  }
  await clusterStatus()

  return {
    proxyUrl,
    adminToken,
    env,
    launcher,
    clusterStatus,
    run(script, args, extraEnv = {}) {
      return new Promise((resolve) => {
        execFile(process.execPath, [`dist/${script}`, ...args], { cwd: root, env: { ...process.env, ...env, ...extraEnv }, timeout: 90_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
          resolve({ code, output: stdout + stderr })
        })
      })
    },
    async stop() {
      if (!launcher.exited()) await launcher.signal('SIGTERM')
      // a failed test must not leave a clerk behind: anything this cluster ever ran goes
      for (const pid of seenPids) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
    },
  }
}

/** the proxy sees every clerk healthy */
export async function allClerksHealthy(proxyUrl: string): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`${proxyUrl}/_lb/status`, { signal: AbortSignal.timeout(2_000) })
      const body = (await res.json()) as { clerks: Array<{ healthy: boolean }> }
      return body.clerks.length > 0 && body.clerks.every((c) => c.healthy)
    },
    { what: 'every clerk healthy at the proxy', timeoutMs: 30_000, intervalMs: 100 },
  )
}
