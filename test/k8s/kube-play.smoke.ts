import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../services/common/free-port.js'
import { waitFor } from '../../services/common/wait-for.js'
import { Customer } from '../integration/cluster/dialogue-client.js'
import { render, root } from './manifests.js'
import { planForPodman, type PodmanPlan } from './podman-play.js'

// The rendered local overlay (deploy/k8s/overlays/local: the image built here, tag `local`) played
// by `podman kube play` on a network of its own: Redis, three clerks and the proxy as pods, the
// dialogue through the proxy, a clerk pod stopped the way `kubectl delete pod` stops it (SIGTERM,
// then the grace period), Redis restarted with its volume. What podman cannot do the Kubernetes way
// is changed in podman-play.ts, each change with its reason. `npm run test:k8s`; needs the
// container engine beside the repo (../shared/tools/container-engine, or the script CONTAINER_ENGINE
// names) and skips, saying why, without it.
// CONTAINER_ENGINE names the script when the shared tools are elsewhere (a git worktree's ../ is not the clone's)
const engine = process.env.CONTAINER_ENGINE ?? fileURLToPath(new URL('../../../shared/tools/container-engine', import.meta.url))
const run = promisify(execFile)
const id = `k8s${process.pid}`
const prefix = `${id}-`
const network = `${id}net`
const image = 'clerk-cluster:local'
const scratch = mkdtempSync(join(tmpdir(), 'clerk-k8s-play-'))
let env: NodeJS.ProcessEnv = {}
let engineWasRunning = true
let unavailable = '' // why the smoke test cannot run here; empty when it can
let plan: PodmanPlan | undefined
let baseUrl = ''
const played: string[] = []

function podman(args: string[], timeoutMs = 120_000): Promise<string> {
  return run('podman', args, { env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }).then(
    ({ stdout }) => stdout,
    (err: Error & { stderr?: string }) => {
      throw new Error(`podman ${args.join(' ')}: ${err.message}\n${err.stderr ?? ''}`.slice(0, 4000), { cause: err })
    },
  )
}

/** GET a URL from inside a pod's container, with the image's own node (the image has no curl) */
async function statusInside(container: string, url: string): Promise<number> {
  const script = `fetch(${JSON.stringify(url)}).then((r)=>console.log(r.status),()=>console.log(0))`
  return Number((await podman(['exec', container, 'node', '-e', script])).trim())
}

interface ProxyStatus {
  clerks: Array<{ id: string; healthy: boolean }>
}
async function proxyStatus(): Promise<ProxyStatus> {
  const res = await fetch(`${baseUrl}/_lb/status`, { signal: AbortSignal.timeout(3_000) })
  return (await res.json()) as ProxyStatus
}
function clerkHealth(clerk: string, healthy: boolean, what: string) {
  return waitFor(async () => (await proxyStatus().catch(() => undefined))?.clerks.find((c) => c.id === clerk)?.healthy === healthy, { what, timeoutMs: 120_000, intervalMs: 250 })
}

/** runs `step`; if it fails, the error carries the proxy's status and the last lines of every pod */
async function withLogs<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    const status = await proxyStatus().then(JSON.stringify, (e: Error) => e.message)
    const logs = await Promise.all(
      plan!.plays.flatMap((p) =>
        p.pods.map(
          async (pod) => `${pod}:\n${await podman(['logs', '--tail', '15', `${pod}-${p.workload.spec.template.spec.containers[0]!.name}`]).catch((e: Error) => e.message)}`,
        ),
      ),
    )
    throw new Error(`${(err as Error).message}\nproxy status: ${status}\n${logs.join('\n')}`, { cause: err })
  }
}

beforeAll(async () => {
  if (!existsSync(engine)) {
    unavailable = `skipped: no container engine, ${engine} is missing (the shared tools beside the repo, or CONTAINER_ENGINE)`
    console.warn(unavailable)
    return
  }
  engineWasRunning = await run(engine, ['status']).then(
    () => true,
    () => false,
  )
  const up = await run(engine, ['up'], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 }).catch((err: Error) => err)
  if (up instanceof Error) {
    unavailable = `skipped: the container engine did not start: ${up.message.slice(0, 500)}`
    console.warn(unavailable)
    return
  }
  const exported: Record<string, string> = {}
  for (const [, name, value] of up.stdout.matchAll(/([A-Z_]+)=(\S+)/g)) exported[name as string] = value as string
  env = { ...process.env, ...exported }

  await podman(['build', '-q', '-t', image, root], 900_000) // 15 min on a fresh machine, seconds when cached
  const port = await freePort()
  baseUrl = `http://127.0.0.1:${port}`
  const objects = await render('overlays/local')
  const clerkPods = [0, 1, 2].map((i) => `${prefix}clerk-pod-${i}`)
  plan = planForPodman(objects, {
    prefix,
    publish: { proxy: { containerPort: 8080, hostPort: port } },
    // podman has no headless Service whose name answers with every clerk pod: the proxy is told the
    // clerk pods' names instead, which podman's DNS answers on the test's network
    // The clerks reach Redis by its pod's name, as the proxy reaches the clerks (a name podman's DNS
    // answers again after the clerk step's stop and start), not by the `redis` alias of `kube play
    // --network …:alias=redis`, which podman 4.3 did not answer after a `pod restart` (seen: the
    // restarted Redis loaded every order from its append-only file, every clerk got `getaddrinfo
    // ENOTFOUND redis` for 60 s). In Kubernetes the Service selects the replacement pod, so the
    // manifests keep `redis:6379`.
    env: {
      proxy: { PROXY_DISCOVER: undefined, PROXY_CLERKS: clerkPods.map((p) => `${p}=http://${p}:3000`).join(',') },
      clerk: { REDIS_URL: `redis://${prefix}redis-pod-0:6379` },
    },
  })
  await podman(['network', 'create', network])
  for (const [name, content] of plan.secrets) {
    const file = join(scratch, `${name}.json`)
    writeFileSync(file, content, { mode: 0o600 })
    await podman(['secret', 'create', name, file])
  }
  // Redis first, then the clerks, then the proxy: the order `kubectl apply` does not promise but
  // the services do not need either (the clerk waits for Redis, the proxy checks the clerks)
  for (const play of plan.plays) {
    const file = join(scratch, `${play.workload.metadata.name}.yaml`)
    writeFileSync(file, play.yaml)
    played.push(file)
    await podman(['kube', 'play', '--network', play.alias ? `${network}:alias=${play.alias}` : network, file], 300_000)
  }
  try {
    await waitFor(
      async () => {
        const s = await proxyStatus().catch(() => undefined)
        return s !== undefined && s.clerks.length === 3 && s.clerks.every((c) => c.healthy)
      },
      { what: `the proxy on ${baseUrl} with three healthy clerk pods`, timeoutMs: 180_000, intervalMs: 500 },
    )
  } catch (err) {
    const logs = await Promise.all(
      plan.plays.flatMap((p) =>
        p.pods.map((pod) => podman(['logs', '--tail', '20', `${pod}-${p.workload.spec.template.spec.containers[0]!.name}`]).catch((e: Error) => e.message)),
      ),
    )
    throw new Error(`${(err as Error).message}\n${logs.join('\n---\n')}`, { cause: err })
  }
}, 1_200_000)

afterAll(async () => {
  // whatever happened above: no pod, volume, secret or network of this run survives
  if (env.CONTAINERS_CONF || env.DOCKER_HOST) {
    for (const file of played.reverse()) await podman(['kube', 'down', file], 180_000).catch(() => undefined)
    for (const volume of plan?.volumes ?? []) await podman(['volume', 'rm', '-f', volume]).catch(() => undefined)
    for (const name of plan?.secrets.keys() ?? []) await podman(['secret', 'rm', name]).catch(() => undefined)
    await podman(['network', 'rm', '-f', network]).catch(() => undefined)
  }
  rmSync(scratch, { recursive: true, force: true })
  if (!engineWasRunning) await run(engine, ['down']).catch(() => undefined)
}, 300_000)

describe('podman kube play of the local overlay', () => {
  it('runs redis, three clerk pods and the proxy', (ctx) => {
    if (unavailable) ctx.skip(unavailable)
    expect(plan!.plays.map((p) => [p.workload.metadata.name, p.alias, p.pods.length])).toEqual([
      ['clerk', 'clerk', 3],
      ['proxy', 'proxy', 1],
      ['redis', 'redis', 1],
    ])
  })

  it("answers each pod's readiness and liveness probe on the route and port the manifest names", async (ctx) => {
    if (unavailable) ctx.skip(unavailable)
    for (const play of plan!.plays) {
      const container = play.workload.spec.template.spec.containers[0]!
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        const get = probe?.httpGet
        if (!get) continue // Redis probes with redis-cli and a TCP connect
        const port = typeof get.port === 'number' ? get.port : container.ports!.find((p) => p.name === get.port)!.containerPort
        for (const pod of play.pods) expect(await statusInside(`${pod}-${container.name}`, `http://127.0.0.1:${port}${get.path}`), `${pod} ${get.path}`).toBe(200)
      }
    }
  })

  it.for(['stateful', 'stateless', 'shared'] as const)('plays the whole %s dialogue through the proxy', async (mode, ctx) => {
    if (unavailable) ctx.skip(unavailable)
    const { ask, buy, pay } = await new Customer(baseUrl).play(mode)
    expect([ask.status, buy.status, pay.status]).toEqual([200, 200, 200])
    expect(pay.clerk).toMatch(new RegExp(`^${prefix}clerk-pod-[012]$`))
  })

  it('carries on in shared mode while a clerk pod is deleted (SIGTERM, then the grace period) and takes it back', async (ctx) => {
    if (unavailable) ctx.skip(unavailable)
    const victim = `${prefix}clerk-pod-1`
    await podman(['pod', 'stop', '-t', '30', victim], 120_000) // what the kubelet does with terminationGracePeriodSeconds: 30
    await clerkHealth(victim, false, `the proxy to eject ${victim}`)
    for (let i = 0; i < 6; i++) {
      const { pay } = await new Customer(baseUrl).play('shared')
      expect(pay.status).toBe(200)
      expect(pay.clerk).not.toBe(victim)
    }
    await podman(['pod', 'start', victim]) // the Deployment's replacement, here the same pod again
    await clerkHealth(victim, true, `${victim} healthy again at the proxy`)
  })

  it("keeps a confirmed order across a restart of the Redis pod (its volume's append-only file)", async (ctx) => {
    if (unavailable) ctx.skip(unavailable)
    const { pay } = await withLogs(() => new Customer(baseUrl).play('shared'))
    expect(pay.status).toBe(200)
    const order = pay.body.order as { id: string }
    // stop, then start, as the clerk step does and as the kubelet replaces a pod: podman 4.3's
    // `pod restart` left the restarted Redis unreachable by any name (every clerk: ENOTFOUND, or
    // ECONNREFUSED on its old address) although it had loaded every order from its append-only file
    await podman(['pod', 'stop', '-t', '30', `${prefix}redis-pod-0`], 120_000)
    await podman(['pod', 'start', `${prefix}redis-pod-0`], 120_000)
    let last = 'no answer yet' // the last answer, for the failure message
    const found = await withLogs(() =>
      waitFor(
        async () => {
          const res = await fetch(`${baseUrl}/orders/${encodeURIComponent(order.id)}`, { signal: AbortSignal.timeout(3_000) }).catch((e: Error) => e)
          if (res instanceof Error) return void (last = res.message)
          last = `${res.status} ${await res.clone().text()}`
          return res.status === 200 ? ((await res.json()) as { order: { id: string } }) : undefined
        },
        { what: `order ${order.id} after the Redis restart`, timeoutMs: 60_000, intervalMs: 250 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last answer: ${last}`, { cause: err })
      }),
    )
    expect(found.order.id).toBe(order.id)
  })
})
