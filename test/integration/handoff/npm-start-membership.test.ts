import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterStatus } from '../../../services/cluster/launcher.js'
import { stateFilePath } from '../../../services/cluster/state-file.js'
import { freePortRange } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { Shopper, getJson } from './handoff-cluster.js'

// `npm start` with two clerks, then `npm run chaos -- add` and `remove` while customers shop.
const adminToken = 'npm-start-membership-token'
const root = fileURLToPath(new URL('../../../', import.meta.url))
let launcher: SpawnedService
let proxyPort: number
let proxyUrl: string
const seenPids = new Set<number>()

function chaos(...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['dist/services/cluster/chaos-cli.js', ...args],
      { cwd: root, env: { ...process.env, PROXY_PORT: String(proxyPort), ADMIN_TOKEN: adminToken }, timeout: 90_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout + stderr }),
    )
  })
}

async function launcherStatus(): Promise<ClusterStatus> {
  const res = await fetch(`${proxyUrl}/_cluster/status`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(5_000) })
  const body = (await res.json()) as ClusterStatus
  for (const p of body.processes) if (p.pid) seenPids.add(p.pid)
  return body
}

async function proxyClerks(): Promise<{ id: string; healthy: boolean }[]> {
  return (await getJson(`${proxyUrl}/_lb/status`)).clerks as { id: string; healthy: boolean }[]
}

beforeAll(async () => {
  proxyPort = await freePortRange(5)
  proxyUrl = `http://127.0.0.1:${proxyPort}`
  launcher = await spawnService(
    'services/cluster/main.js',
    { PROXY_PORT: String(proxyPort), CLERK_COUNT: '2', ADMIN_TOKEN: adminToken, LOG_LEVEL: 'warn', CLUSTER_REDIS_THROWAWAY: '1' },
    undefined,
  )
  await waitFor(() => existsSync(stateFilePath(proxyPort)) || launcher.exited(), { what: 'npm start to write its state file', timeoutMs: 90_000 })
  if (launcher.exited()) throw new Error(`the launcher exited:\n${launcher.output()}`)
  await waitFor(async () => (await proxyClerks()).every((c) => c.healthy), { what: 'both clerks healthy', timeoutMs: 30_000 })
}, 120_000)

afterAll(async () => {
  await launcherStatus().catch(() => undefined)
  if (launcher && !launcher.exited()) await launcher.signal('SIGTERM')
  for (const pid of seenPids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone, as it should be
    }
  }
}, 60_000)

describe('npm run chaos -- add / remove', () => {
  it('refuses an unknown clerk and says which clerks there are; add takes no argument', async () => {
    const unknown = await chaos('remove', 'clerk-zz')
    expect(unknown.code).toBe(1)
    expect(unknown.output).toContain('unknown_clerk')
    const extra = await chaos('add', 'clerk-q')
    expect(extra.code).toBe(2)
    expect(extra.output).toContain('add takes no argument')
  })

  it('adds clerk-c on the next port and removes clerk-a while customers shop: no dialogue fails in any mode', async () => {
    const modes = ['stateful', 'shared'] as const
    const shoppers = modes.flatMap((mode) => Array.from({ length: 5 }, () => ({ mode, shopper: new Shopper(proxyUrl) })))
    const failures: string[] = []
    const servedBy = new Set<string>()
    let dialogues = 0
    let done = false
    const play = async ({ mode, shopper }: (typeof shoppers)[number]) => {
      for (let round = 0; round < 300 && !done; round++) {
        for (const [step, body] of [
          ['ask', { product: 'laptop' }],
          ['buy', { quantity: 2 }],
          ['pay', { method: 'card' }],
        ] as const) {
          const answer = await shopper.post(`/${mode}/${step}`, body)
          if (answer.clerk !== null) servedBy.add(answer.clerk)
          if (answer.status !== 200) failures.push(`${mode} ${step}: ${answer.status} ${JSON.stringify(answer.json)}`)
        }
        dialogues++
      }
    }
    const playing = Promise.all(shoppers.map(play))
    try {
      await waitFor(async () => dialogues >= shoppers.length, { what: 'customers shopping', timeoutMs: 60_000 })

      const added = await chaos('add')
      expect(added.output).toContain('add clerk-c')
      expect(added.code).toBe(0)
      const c = (await launcherStatus()).processes.find((p) => p.id === 'clerk-c')
      expect(c).toMatchObject({ kind: 'clerk', state: 'running', port: proxyPort + 3 })
      await waitFor(async () => servedBy.has('clerk-c'), { what: 'clerk-c serving new customers', timeoutMs: 60_000 })

      const removed = await chaos('remove', 'clerk-a')
      expect(removed.output).toContain('remove clerk-a')
      expect(removed.code).toBe(0)
      expect((await launcherStatus()).processes.map((p) => p.id).sort()).toEqual(['clerk-b', 'clerk-c', 'proxy'])
      expect((await proxyClerks()).map((x) => x.id)).toEqual(['clerk-b', 'clerk-c'])
      const after = dialogues
      await waitFor(async () => dialogues >= after + shoppers.length, { what: 'customers shopping after the removal', timeoutMs: 60_000 })
    } finally {
      done = true
      await playing
    }
    expect(failures).toEqual([])
  })
})
