import { readFileSync } from 'node:fs'
import { afterAll, afterEach } from 'vitest'
import { freePort } from '../../../services/common/free-port.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { goodFake, type Fake } from './fake-upstreams.js'
import type { RawConnection } from './raw-http.js'

/** the real proxy process (node dist/proxy/main.js) on a free loopback port */
export interface ProxyProcess {
  service: SpawnedService
  port: number
  base: string
}

/** starts the real proxy in front of `clerks` ({id: url}) with `env` on top of the defaults */
export async function startProxyProcess(clerks: Record<string, string>, env: Record<string, string> = {}): Promise<ProxyProcess> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const service = await spawnService(
    'proxy/main.js',
    {
      PROXY_PORT: String(port),
      PROXY_CLERKS: Object.entries(clerks)
        .map(([id, url]) => `${id}=${url}`)
        .join(','),
      ...env,
    },
    `${base}/_lb/status`,
  )
  return { service, port, base }
}

/** the proxy's `limits` from GET /_lb/status */
export interface LimitsStatus {
  requestTimeoutMs: number
  clientConnections: { open: number; max: number }
  requestBufferBytes: { held: number; max: number }
  eventSubscribers: { open: number; max: number }
}

export async function proxyLimits(base: string): Promise<LimitsStatus> {
  const res = await fetch(`${base}/_lb/status`, { signal: AbortSignal.timeout(5_000) })
  return ((await res.json()) as { limits: LimitsStatus }).limits
}

/** resident memory of a process, in bytes (Linux /proc) */
export function residentBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1]) * 1024
}

/**
 * For a test file that starts real proxies in front of one good fake clerk and holds raw
 * connections to them: `proxyWith(env)` starts a proxy (the clerk on first use); a connection
 * pushed on `open` is destroyed after its test; every proxy and the clerk after the file.
 */
export function proxiesBeforeOneClerk(): { proxyWith(env: Record<string, string>): Promise<ProxyProcess>; open: RawConnection[] } {
  let clerk: Fake | undefined
  const proxies: ProxyProcess[] = []
  const open: RawConnection[] = []
  afterEach(() => {
    for (const c of open.splice(0)) c.destroy()
  })
  afterAll(async () => {
    for (const p of proxies) await p.service.stop()
    await clerk?.close()
  })
  async function proxyWith(env: Record<string, string>): Promise<ProxyProcess> {
    clerk ??= await goodFake('clerk-a')
    const proxy = await startProxyProcess({ 'clerk-a': clerk.url }, env)
    proxies.push(proxy)
    return proxy
  }
  return { proxyWith, open }
}
