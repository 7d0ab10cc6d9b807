/**
 * The processes `npm run loadtest:lb-compare` drives, all on loopback and free ports: a private
 * redis-server, the clerks, and in front of the same clerks our proxy, HAProxy and nginx (each
 * configured from the same clerk list: lb-configs.ts). Chaos is a signal to a clerk's process
 * (SIGKILL, SIGSTOP, SIGCONT) or starting it again on its port: asynchronous, never blocking the
 * event loop that sends the load.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { freePort } from '../../services/common/free-port.js'
import { projectRoot } from '../../services/common/project-root.js'
import { startRedisServer, type RedisServer } from '../../services/common/redis-server.js'
import { waitFor } from '../../services/common/wait-for.js'
import { frontArgs, frontConfig, type LbClerk } from '../../services/common/lb-configs.js'

export const BALANCERS = ['ours', 'haproxy', 'nginx'] as const
export type BalancerName = (typeof BALANCERS)[number]

export interface Balancer {
  readonly name: BalancerName
  readonly url: string
  /** resolves once the balancer routes to every clerk again (after a revive or a resume) */
  settled(): Promise<void>
}

export interface ComparedCluster {
  readonly adminToken: string
  readonly clerkUrls: Record<string, string>
  readonly balancers: Balancer[]
  kill(id: string): Promise<void>
  revive(id: string): Promise<void>
  pause(id: string): void
  resume(id: string): void
  stop(): Promise<void>
}

const CLERK_IDS = ['clerk-a', 'clerk-b', 'clerk-c']

function run(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { cwd: projectRoot(import.meta.url), env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr?.resume()
  // a binary that is not installed: the wait for its port says so, with its name
  child.once('error', () => {})
  return child
}

async function answers(url: string, ok: (status: number) => boolean = (s) => s < 500): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) })
    await res.arrayBuffer()
    return ok(res.status)
  } catch {
    return false
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Starts everything and waits until each balancer answers. `only` names the balancers to start;
 * one whose binary is missing (haproxy, nginx) never answers, and the wait names it.
 */
export async function startComparedCluster(only: readonly BalancerName[] = BALANCERS): Promise<ComparedCluster> {
  const adminToken = randomBytes(16).toString('hex')
  const sessionSecret = randomBytes(32).toString('hex')
  const dir = mkdtempSync(join(tmpdir(), 'lb-compare-'))
  const redis: RedisServer = await startRedisServer({ appendOnly: false })
  const children = new Set<ChildProcess>()
  const clerks = new Map<string, { port: number; child: ChildProcess }>()
  const clerkEnv = (id: string, port: number) => ({
    CLERK_ID: id,
    CLERK_PORT: String(port),
    CLERK_HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    SESSION_SECRET: sessionSecret,
    ADMIN_TOKEN: adminToken,
    // every customer of this run comes from 127.0.0.1, as browsers behind one office address would
    CLERK_NEW_SESSIONS_PER_MINUTE: '0',
  })
  const startClerk = async (id: string, port: number) => {
    const child = run(process.execPath, ['dist/services/clerk/main.js'], clerkEnv(id, port))
    children.add(child)
    clerks.set(id, { port, child })
    await waitFor(() => answers(`http://127.0.0.1:${port}/readyz`, (s) => s === 200), { what: `${id} to start`, timeoutMs: 60_000, intervalMs: 100 })
  }
  const stopAll = async () => {
    for (const child of children) {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
    }
    await Promise.all([...children].map(exited))
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const id of CLERK_IDS) await startClerk(id, await freePort())
    const lbClerks: LbClerk[] = CLERK_IDS.map((id) => ({ id, host: '127.0.0.1', port: clerks.get(id)!.port }))
    const balancers: Balancer[] = []
    for (const name of only) {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      if (name === 'ours') {
        const child = run(process.execPath, ['dist/proxy/main.js'], {
          PROXY_PORT: String(port),
          PROXY_CLERKS: lbClerks.map((c) => `${c.id}=http://${c.host}:${c.port}`).join(','),
          ADMIN_TOKEN: adminToken,
        })
        children.add(child)
        const settled = () =>
          waitFor(
            async () => {
              const res = await fetch(`${url}/_lb/status`, { signal: AbortSignal.timeout(1_000) })
              const status = (await res.json()) as { clerks: { healthy: boolean }[] }
              return status.clerks.every((c) => c.healthy)
            },
            { what: 'our proxy to see every clerk', timeoutMs: 30_000, intervalMs: 100 },
          ).then(() => undefined)
        balancers.push({ name, url, settled })
      } else {
        const file = join(dir, `${name}.conf`)
        const frontDir = join(dir, name)
        mkdirSync(frontDir, { recursive: true })
        writeFileSync(file, frontConfig(name, { clerks: lbClerks, listen: { host: '127.0.0.1', port } }, frontDir))
        children.add(run(name, frontArgs(name, file, frontDir)))
        // neither has a status to read: its own checks (HAProxy: rise 2 × 1 s) or its fail_timeout (nginx: 2 s) must pass
        const settled = () => new Promise<void>((resolve) => setTimeout(resolve, 3_000))
        balancers.push({ name, url, settled })
      }
      await waitFor(() => answers(`${url}/readyz`, (s) => s === 200 || s === 404), { what: `${name} to answer on ${url}`, timeoutMs: 30_000, intervalMs: 100 })
    }
    return {
      adminToken,
      clerkUrls: Object.fromEntries(CLERK_IDS.map((id) => [id, `http://127.0.0.1:${clerks.get(id)!.port}`])),
      balancers,
      async kill(id) {
        const clerk = clerks.get(id)!
        clerk.child.kill('SIGKILL')
        await exited(clerk.child)
      },
      async revive(id) {
        const clerk = clerks.get(id)!
        children.delete(clerk.child)
        await startClerk(id, clerk.port)
      },
      pause: (id) => void clerks.get(id)!.child.kill('SIGSTOP'),
      resume: (id) => void clerks.get(id)!.child.kill('SIGCONT'),
      stop: stopAll,
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
