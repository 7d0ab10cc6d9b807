import { execFile, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createChaosClient } from '../../services/cluster/chaos-client.js'
import { freePort } from '../../services/common/free-port.js'
import { waitFor } from '../../services/common/wait-for.js'
import { Customer } from '../integration/cluster/dialogue-client.js'

// The real docker-compose.yml and Dockerfile, run with docker-compose (v1) against the Docker API
// that ../shared/tools/container-engine provides (podman; see its header). Builds the image, brings
// the stack up under a project name of its own with the proxy published on a free port, plays the
// dialogue, breaks clerks the two ways the README shows, and ALWAYS tears everything down.
const root = fileURLToPath(new URL('../../', import.meta.url))
const engine = fileURLToPath(new URL('../../../shared/tools/container-engine', import.meta.url))
const run = promisify(execFile)
const project = `clerkcompose${process.pid}`
const runtimeMajor = readFileSync(new URL('../../.nvmrc', import.meta.url), 'utf8').trim() // "24"
const adminToken = 'compose-test-admin-token'
let env: NodeJS.ProcessEnv = {}
let baseUrl = ''
let engineWasRunning = true
let upOutput = ''

interface ProxyStatus {
  clerks: Array<{ id: string; healthy: boolean; requests?: number }>
}

/** docker-compose with this test's project, environment and a deadline; resolves with its output */
function compose(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker-compose', ['-p', project, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`docker-compose ${args.join(' ')} exited with ${code}:\n${out.slice(-4000)}`))
    })
  })
}

/** the Docker API itself (podman's compat API), for what docker-compose does not print */
interface ContainerInfo {
  RestartCount: number
  State: { Running: boolean }
  Config: { User: string; Image: string }
  Image: string
}

async function inspect(service: string): Promise<ContainerInfo> {
  const socketPath = (env.DOCKER_HOST ?? '').replace(/^unix:\/\//, '')
  const dispatcher = new Agent({ connect: { socketPath } })
  try {
    const res = await undiciFetch(`http://docker/containers/${project}_${service}_1/json`, {
      dispatcher,
      signal: AbortSignal.timeout(10_000),
    })
    return (await res.json()) as ContainerInfo
  } finally {
    await dispatcher.close()
  }
}

async function proxyStatus(): Promise<ProxyStatus> {
  const res = await fetch(`${baseUrl}/_lb/status`, { signal: AbortSignal.timeout(3_000) })
  return (await res.json()) as ProxyStatus
}

function clerkHealth(id: string, healthy: boolean, what: string) {
  return waitFor(async () => (await proxyStatus()).clerks.find((c) => c.id === id)?.healthy === healthy, { what, timeoutMs: 120_000, intervalMs: 250 })
}

beforeAll(async () => {
  if (!existsSync(engine)) {
    throw new Error(`${engine} is missing: the compose test needs the shared tools beside the repo (../shared)`)
  }
  engineWasRunning = await run(engine, ['status']).then(
    () => true,
    () => false,
  )
  // installs podman and docker-compose on first use (~2 min), then prints `export DOCKER_HOST=...`
  const { stdout } = await run(engine, ['up'], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 })
  const exported: Record<string, string> = {}
  for (const [, name, value] of stdout.matchAll(/([A-Z_]+)=(\S+)/g)) exported[name as string] = value as string
  expect(exported.DOCKER_HOST, `container-engine up printed: ${stdout}`).toMatch(/^unix:\/\//)
  const port = await freePort()
  env = { ...process.env, ...exported, PROXY_PUBLISH_PORT: String(port), ADMIN_TOKEN: adminToken }
  baseUrl = `http://127.0.0.1:${port}`

  upOutput = await compose(['up', '-d', '--build'], 840_000)
  try {
    await waitFor(
      async () => {
        const s = await proxyStatus()
        return s.clerks.length === 3 && s.clerks.every((c) => c.healthy)
      },
      { what: `the proxy on ${baseUrl} with three healthy clerks`, timeoutMs: 120_000, intervalMs: 500 },
    )
  } catch (err) {
    const logs = await compose(['logs', '--tail', '30']).catch((e: Error) => e.message)
    throw new Error(`${(err as Error).message}\n--- up ---\n${upOutput.slice(-3000)}\n--- logs ---\n${logs}`, { cause: err })
  }
}, 900_000)

afterAll(async () => {
  // whatever happened above: no container, network or volume of this project survives
  // with the scale profile, so the `clerk` containers of the --scale test go too
  if (env.DOCKER_HOST) await compose(['--profile', 'scale', 'down', '-v', '--remove-orphans'], 180_000)
  if (!engineWasRunning) await run(engine, ['down']).catch(() => undefined)
}, 240_000)

// a failure in a container run is hard to reproduce: leave the proxy's own account of it in the output
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail' || !env.DOCKER_HOST) return
  const logs = await compose(['logs', '--tail', '40', 'proxy']).catch((e: Error) => e.message)
  console.error(`--- proxy logs after "${context.task.name}" failed ---\n${logs}`)
}, 60_000)

describe('docker-compose up', () => {
  it('runs redis, three clerks and the proxy, all healthy, from the one image', async () => {
    const services = ['redis', 'clerk-a', 'clerk-b', 'clerk-c', 'proxy']
    const healthy = (ps: string, service: string) => new RegExp(`${project}_${service}_1 .*Up \\(healthy\\)`).test(ps)
    // docker's own healthchecks run every second; the proxy's may lag its first answer a little
    const ps = await waitFor(
      async () => {
        const out = await compose(['ps'])
        return services.every((s) => healthy(out, s)) ? out : undefined
      },
      { what: 'every container healthy in docker-compose ps', timeoutMs: 60_000, intervalMs: 1_000 },
    )
    for (const service of services) expect(healthy(ps, service), service).toBe(true)
    // one image for every Node service, running as the unprivileged node user
    const nodeServices = await Promise.all(['clerk-a', 'clerk-b', 'clerk-c', 'proxy'].map(inspect))
    expect(new Set(nodeServices.map((c) => c.Image)).size).toBe(1)
    for (const c of nodeServices) expect(c.Config.User).toBe('node')
  })

  it(`runs the image's own Node ${runtimeMajor}, with no second Node from npm in node_modules`, async () => {
    for (const service of ['clerk-a', 'proxy']) {
      const version = (await compose(['exec', '-T', service, 'node', '--version'])).trim()
      expect(version.split('.')[0], service).toBe(`v${runtimeMajor}`)
      const packages = await compose(['exec', '-T', service, 'ls', 'node_modules'])
      expect(
        packages.split('\n').filter((name) => name.startsWith('node-linux-')),
        service,
      ).toEqual([])
    }
  })

  it.each(['stateful', 'stateless', 'shared'] as const)('plays the whole %s dialogue through the published port', async (mode) => {
    const { ask, buy, pay } = await new Customer(baseUrl).play(mode)
    expect([ask.status, buy.status, pay.status]).toEqual([200, 200, 200])
    expect(pay.body.say).toBe('Payment of 2,000,000 won completed.')
    expect(pay.clerk).toMatch(/^clerk-[abc]$/)
  })

  it('carries on in shared mode while clerk-b is killed, and takes it back after start', async () => {
    await compose(['kill', 'clerk-b'])
    expect((await inspect('clerk-b')).State.Running).toBe(false)
    await clerkHealth('clerk-b', false, 'the proxy to eject clerk-b')
    const served = new Set<string>()
    for (let i = 0; i < 6; i++) {
      const { ask, buy, pay } = await new Customer(baseUrl).play('shared')
      expect([ask.status, buy.status, pay.status], JSON.stringify({ ask: ask.body, buy: buy.body, pay: pay.body, proxy: await proxyStatus() })).toEqual([200, 200, 200])
      served.add(pay.clerk ?? '')
    }
    expect(served.has('clerk-b')).toBe(false)

    await compose(['start', 'clerk-b'])
    await clerkHealth('clerk-b', true, 'clerk-b healthy again at the proxy')
    expect((await inspect('clerk-b')).State.Running).toBe(true)
  })

  it('brings a crashed clerk back by its restart policy (the chaos client, through /_admin/crash)', async () => {
    const before = (await inspect('clerk-a')).RestartCount
    // no launcher in compose: the shared chaos client falls back to the proxy's /_lb/clerks/:id/crash
    const chaos = createChaosClient({ proxyUrl: baseUrl, adminToken })
    expect(await chaos.hasLauncher()).toBe(false)
    const result = await chaos.act('kill', 'clerk-a')
    expect(result).toMatchObject({ ok: true, via: 'clerk-admin' })
    await waitFor(async () => (await inspect('clerk-a')).RestartCount > before, {
      what: 'docker to restart clerk-a',
      timeoutMs: 60_000,
      intervalMs: 250,
    })
    await clerkHealth('clerk-a', true, 'clerk-a healthy again at the proxy')
    const { pay } = await new Customer(baseUrl).play('shared')
    expect(pay.status).toBe(200)
  })

  it('keeps confirmed orders across a Redis restart (appendonly)', async () => {
    const { pay } = await new Customer(baseUrl).play('shared')
    const order = pay.body.order as { id: string }
    expect(order.id).toBeTruthy()
    await compose(['restart', 'redis'])
    const found = await waitFor(
      async () => {
        const res = await fetch(`${baseUrl}/orders/${encodeURIComponent(order.id)}`, { signal: AbortSignal.timeout(3_000) })
        return res.status === 200 ? ((await res.json()) as { order: { id: string } }) : undefined
      },
      { what: `order ${order.id} after the Redis restart`, timeoutMs: 60_000, intervalMs: 250 },
    )
    expect(found.order.id).toBe(order.id)
  })

  // docs/scaling.md: `PROXY_DISCOVER=clerk:3000 docker compose --profile scale up --scale clerk=N`.
  // Last: it recreates the proxy with discovery on.
  it('finds the clerks --scale adds by their service name, plays through them, and forgets them when scaled to zero', async () => {
    env = { ...env, PROXY_DISCOVER: 'clerk:3000' }
    const named = ['clerk-a', 'clerk-b', 'clerk-c']
    await compose(['--profile', 'scale', 'up', '-d', '--scale', 'clerk=2'], 600_000)
    const scaled = await waitFor(
      async () => {
        const s = await proxyStatus().catch(() => undefined)
        const found = s?.clerks.filter((c) => !named.includes(c.id) && c.healthy) ?? []
        return found.length === 2 && s?.clerks.every((c) => c.healthy) ? found : undefined
      },
      { what: 'the proxy with the two scaled clerks found by name and healthy', timeoutMs: 180_000, intervalMs: 500 },
    )
    expect(scaled.map((c) => c.id).every((id) => id.startsWith('clerk-'))).toBe(true)
    // stateless asks go round-robin over all five: the scaled clerks serve customers too
    for (let i = 0; i < 15; i++) expect((await new Customer(baseUrl).post('/stateless/ask', { product: 'laptop' })).status).toBe(200)
    const served = (await proxyStatus()).clerks.filter((c) => scaled.some((s) => s.id === c.id))
    for (const c of served) expect(c.requests ?? 0, `${c.id} served no ask`).toBeGreaterThan(0)
    await compose(['--profile', 'scale', 'up', '-d', '--scale', 'clerk=0'], 600_000)
    await waitFor(
      async () => {
        const s = await proxyStatus().catch(() => undefined)
        return s !== undefined && s.clerks.length === 3 && s.clerks.every((c) => named.includes(c.id) && c.healthy)
      },
      { what: 'the proxy back to the three named clerks after --scale clerk=0', timeoutMs: 180_000, intervalMs: 500 },
    )
    const { pay } = await new Customer(baseUrl).play('shared')
    expect(pay.status).toBe(200)
  })
})
