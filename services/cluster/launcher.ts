import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { portIsFree } from '../common/free-port.js'
import { redisServerAvailable } from '../common/redis-server.js'
import { projectRoot } from '../common/project-root.js'
import { redactUrl } from '../common/redact-url.js'
import type { ClerkVerb, RedisVerb } from '../common/vocabulary.js'
import { buildChaosApi } from './chaos-api.js'
import type { ClusterEvent } from './cluster-events.js'
import { ClusterErrors } from './errors.js'
import { findBinary, frontPlan, frontPort, missingFrontMessage } from './fronts.js'
import { clearLedger } from './ledger-clear.js'
import type { ClusterOptions } from './options.js'
import { nextClerkSpec, planCluster, planRedis } from './plan.js'
import { RedisNotManagedError, RedisStateError, startRedisControl, type RedisControl, type RedisStatus } from './redis-control.js'
import { StateError, SupervisedProcess, type ProcessStatus } from './supervised-process.js'

/**
 * `npm start`'s engine: Redis (private, external or none), the clerks, then the proxy (and the
 * fronts of FRONT: HAProxy, nginx), each a supervised child; the chaos API the proxy forwards `/_cluster/*` to; and an ordered stop.
 *
 * @example
 *   const cluster = await startCluster(readClusterOptions(process.env), { onEvent: print })
 *   await cluster.act('kill', 'clerk-b')
 *   await cluster.stop()
 */
export interface ClusterStatus {
  processes: ProcessStatus[]
  redis: RedisStatus
}

export interface ActionResult {
  ok: true
  verb: string
  target: string
  detail: string
  /** terminate: how the process ended (code 0 = it drained and exited cleanly) */
  exit?: { code: number | null; signal: string | null }
  process?: ProcessStatus
  redis?: RedisStatus
}

export interface Cluster {
  readonly proxyUrl: string
  readonly launcherUrl: string
  readonly redis: RedisControl
  status(): ClusterStatus
  /** every live child's pid by id (plus `redis` when the launcher runs it) */
  pids(): Record<string, number>
  clerkAction(verb: ClerkVerb, id: string, ms?: number): Promise<ActionResult>
  /** starts a new clerk (next free id and port) and puts it behind the proxy */
  addClerk(): Promise<ActionResult>
  redisAction(verb: RedisVerb): Promise<ActionResult>
  /** empties the ledger (the workshop's `npm run reset -- --ledger`) */
  clearLedger(): Promise<{ ok: true; orders: number }>
  /** ordered stop: proxy and fronts, clerks, redis, chaos API */
  stop(): Promise<void>
  /** SIGKILL every child now (second Ctrl-C, or the launcher exiting); synchronous */
  forceStop(): void
}

export interface StartClusterOptions {
  onEvent: (event: ClusterEvent) => void
  onOutput?: (id: string, line: string, stream: 'stdout' | 'stderr') => void
  /** defaults to the project's dist/ */
  distDir?: string
  baseEnv?: NodeJS.ProcessEnv
  /** called as soon as the cluster object exists, before any child starts (so a Ctrl-C during
   *  start-up can still stop what was started) */
  onCreated?: (cluster: Cluster) => void
}

const SLOW_CALL_TIMEOUT_MS = 5_000 // 5 s
// a removal waits for the proxy to see the clerk answer nothing (its own deadline is 10 s)
const PROXY_CALL_TIMEOUT_MS = 15_000 // 15 s

export async function startCluster(options: ClusterOptions, start: StartClusterOptions): Promise<Cluster> {
  const root = projectRoot(import.meta.url)
  const distDir = start.distDir ?? join(root, 'dist')
  const onEvent = start.onEvent
  // checked before anything starts: only the ids, ports and scripts of this plan matter
  const layout = planCluster(planInput(options, 'redis://not-yet-known', 'http://not-yet-known'))
  for (const spec of [...layout.clerks, layout.proxy]) {
    if (!existsSync(join(distDir, spec.script))) {
      throw new Error(`${join(distDir, spec.script)} is missing: build first (npm run build), or run npm start`)
    }
  }
  for (const spec of [layout.proxy, ...layout.clerks]) {
    if (!(await portIsFree(spec.port, spec === layout.proxy ? options.proxyHost : '127.0.0.1'))) {
      throw new Error(`port ${spec.port} (for ${spec.id}) is already in use: stop what uses it or choose another PROXY_PORT (clerks take the ports after it)`)
    }
  }
  const frontBinaries = new Map<(typeof options.fronts)[number], string>()
  for (const name of options.fronts) {
    const binary = findBinary(name)
    if (binary === undefined) throw new Error(missingFrontMessage(name))
    frontBinaries.set(name, binary)
    const port = frontPort(name, options.frontPort)
    if (!(await portIsFree(port, options.proxyHost))) {
      throw new Error(`port ${port} (for ${name}) is already in use: stop what uses it or choose another FRONT_PORT (HAProxy on it, nginx on the next)`)
    }
  }
  // the fronts' configurations and nginx's pid and temp files, removed at stop
  const frontDir = options.fronts.length > 0 ? mkdtempSync(join(tmpdir(), 'clerk-cluster-front-')) : undefined

  const own = { dataDir: options.redisDataDir, appendFsync: options.redisAppendFsync, maxMemory: options.redisMaxMemory }
  const redis = await startRedisControl(planRedis(options.redisUrl, redisServerAvailable(), own), onEvent)
  const processes = new Map<string, SupervisedProcess>()
  let stopping: Promise<void> | undefined
  let launcherUrl = '' // known once the chaos API listens
  // what a clerk added at run time is started with (known once the first clerks are planned)
  let childOptionsForAdd: ConstructorParameters<typeof SupervisedProcess>[1] | undefined
  let planInputForAdd: ReturnType<typeof planInput> | undefined
  // one membership change at a time: two adds at once would pick the same id
  let membership: Promise<unknown> = Promise.resolve()

  const cluster: Cluster = {
    proxyUrl: `http://127.0.0.1:${options.proxyPort}`,
    get launcherUrl() {
      return launcherUrl
    },
    redis,
    status,
    pids,
    clerkAction,
    addClerk,
    redisAction,
    clearLedger: ledgerClear,
    stop,
    forceStop,
  }
  start.onCreated?.(cluster)
  const api = buildChaosApi({ cluster, adminToken: options.adminToken, logLevel: options.childLogLevel })
  try {
    await api.listen({ port: 0, host: '127.0.0.1' })
    const address = api.server.address()
    launcherUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`

    const plan = planCluster(planInput(options, redis.url, launcherUrl))
    const childOptions = {
      distDir,
      cwd: root,
      baseEnv: start.baseEnv ?? process.env,
      onEvent,
      ...(start.onOutput ? { onOutput: start.onOutput } : {}),
    }
    childOptionsForAdd = childOptions
    planInputForAdd = planInput(options, redis.url, launcherUrl)
    const clerks = plan.clerks.map((spec) => new SupervisedProcess(spec, childOptions))
    const proxy = new SupervisedProcess(plan.proxy, childOptions)
    const fronts = [...frontBinaries].map(([name, binary]) => {
      const lbClerks = plan.clerks.map((c) => ({ id: c.id, host: c.env.CLERK_HOST ?? '127.0.0.1', port: c.port }))
      const front = frontPlan(name, { frontPort: options.frontPort, host: options.proxyHost, clerks: lbClerks, dir: frontDir!, binary })
      writeFileSync(front.file, front.config)
      return new SupervisedProcess(front.spec, childOptions)
    })
    for (const child of [...clerks, proxy, ...fronts]) processes.set(child.spec.id, child)
    await Promise.all(clerks.map((clerk) => clerk.start()))
    await Promise.all([proxy, ...fronts].map((p) => p.start()))
  } catch (err) {
    await stop()
    throw err
  }
  return cluster

  function status(): ClusterStatus {
    return { processes: [...processes.values()].map((p) => p.status()), redis: redis.status() }
  }

  function pids(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const p of processes.values()) if (p.pid !== undefined) out[p.spec.id] = p.pid
    const redisPid = redis.status().pid
    if (redisPid !== null) out.redis = redisPid
    return out
  }

  function clerk(id: string): SupervisedProcess {
    const p = processes.get(id)
    if (!p || p.spec.kind !== 'clerk') {
      const names = [...processes.values()].filter((c) => c.spec.kind === 'clerk').map((c) => c.spec.id)
      throw new ClusterErrors.CLUSTER_ERR_UNKNOWN_CLERK(id, names.join(', '))
    }
    return p
  }

  async function clerkAction(verb: ClerkVerb, id: string, ms?: number): Promise<ActionResult> {
    const p = clerk(id)
    let detail: string
    let exit: ActionResult['exit']
    try {
      detail = await perform(p, verb, ms, (e) => {
        exit = e
      })
    } catch (err) {
      if (err instanceof StateError) throw new ClusterErrors.CLUSTER_ERR_WRONG_STATE(err.message)
      throw err
    }
    onEvent({ type: 'chaos', verb, target: id, detail })
    return { ok: true, verb, target: id, detail, ...(exit ? { exit } : {}), process: p.status() }
  }

  /** one call to the proxy's admin API (the launcher started it, with the same token) */
  async function proxyAdmin(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${cluster.proxyUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(PROXY_CALL_TIMEOUT_MS),
    })
    return { status: res.status, text: await res.text() }
  }

  function oneAtATime<T>(change: () => Promise<T>): Promise<T> {
    const next = membership.then(change, change)
    membership = next.catch(() => {})
    return next
  }

  function addClerk(): Promise<ActionResult> {
    return oneAtATime(async () => {
      if (childOptionsForAdd === undefined || planInputForAdd === undefined)
        throw new ClusterErrors.CLUSTER_ERR_WRONG_STATE('the cluster is still starting: add a clerk once it runs')
      const taken = [...processes.values()].map((p) => ({ id: p.spec.id, port: p.spec.port }))
      const spec = await nextClerkSpec(planInputForAdd, taken, portIsFree)
      if (spec === undefined) throw new ClusterErrors.CLUSTER_ERR_WRONG_STATE('26 clerks (clerk-a to clerk-z) is as many as this launcher names: remove one first')
      const child = new SupervisedProcess(spec, childOptionsForAdd)
      try {
        await child.start()
      } catch (err) {
        await child.shutdown()
        throw new ClusterErrors.CLUSTER_ERR_START_FAILED(`${spec.id} did not start: ${(err as Error).message}`)
      }
      let registered: { status: number; text: string }
      try {
        registered = await proxyAdmin('POST', '/_lb/clerks', { id: spec.id, url: `http://${spec.env.CLERK_HOST ?? '127.0.0.1'}:${spec.port}` })
      } catch (err) {
        registered = { status: 0, text: (err as Error).message }
      }
      if (registered.status !== 201) {
        await child.shutdown()
        throw new ClusterErrors.CLUSTER_ERR_START_FAILED(`${spec.id} started, but the proxy did not take it (${registered.status}): ${registered.text.slice(0, 300)}`)
      }
      processes.set(spec.id, child)
      const detail = `started on port ${spec.port} (pid ${child.pid}) and put behind the proxy: it takes new customers`
      onEvent({ type: 'chaos', verb: 'add', target: spec.id, detail })
      return { ok: true as const, verb: 'add', target: spec.id, detail, process: child.status() }
    })
  }

  /**
   * `remove`: the proxy stops sending it new customers (drain), the clerk is told to leave
   * (SIGTERM: it hands its stateful dialogues over and finishes what it answers), then the proxy
   * forgets it and so does the supervisor. The last clerk stays.
   */
  function removeClerk(p: SupervisedProcess): Promise<string> {
    return oneAtATime(async () => {
      const clerks = [...processes.values()].filter((c) => c.spec.kind === 'clerk')
      if (clerks.length === 1) throw new StateError(`${p.spec.id} is the last clerk: add another before removing it`)
      const drained = await proxyAdmin('POST', `/_lb/clerks/${encodeURIComponent(p.spec.id)}/drain`)
      if (drained.status !== 200 && drained.status !== 404) {
        throw new ClusterErrors.CLUSTER_ERR_CLERK_UNREACHABLE(`the proxy did not drain ${p.spec.id} (${drained.status}): ${drained.text.slice(0, 300)}`)
      }
      const pid = p.pid
      const exit = p.state === 'dead' || p.state === 'stopped' ? undefined : await p.terminate()
      const removed = await proxyAdmin('DELETE', `/_lb/clerks/${encodeURIComponent(p.spec.id)}`)
      if (removed.status !== 200 && removed.status !== 404) {
        throw new ClusterErrors.CLUSTER_ERR_CLERK_UNREACHABLE(`the proxy did not let ${p.spec.id} go (${removed.status}): ${removed.text.slice(0, 300)}`)
      }
      await p.shutdown()
      processes.delete(p.spec.id)
      const how = exit === undefined ? 'it was not running' : `pid ${pid} drained, handed its stateful dialogues over and exited (${exit.signal ?? `code ${exit.code}`})`
      return `removed: ${how}; the proxy no longer knows it`
    })
  }

  async function perform(p: SupervisedProcess, verb: ClerkVerb, ms: number | undefined, onExit: (exit: NonNullable<ActionResult['exit']>) => void): Promise<string> {
    const pid = p.pid
    switch (verb) {
      case 'remove':
        return removeClerk(p)
      case 'kill':
        await p.kill()
        return `SIGKILL; pid ${pid} is gone and stays down until revive`
      case 'terminate': {
        const exit = await p.terminate()
        onExit(exit)
        return `SIGTERM; pid ${pid} drained and exited (${exit.signal ?? `code ${exit.code}`})`
      }
      case 'pause':
        p.pause()
        return `SIGSTOP; pid ${pid} hangs (its port accepts but never answers) until resume`
      case 'resume':
        p.resume()
        return `SIGCONT; pid ${pid} answers again`
      case 'revive':
        try {
          await p.revive()
        } catch (err) {
          if (err instanceof StateError) throw err
          throw new ClusterErrors.CLUSTER_ERR_START_FAILED(`${p.spec.id} did not start: ${(err as Error).message}`)
        }
        return `started again on port ${p.spec.port} (pid ${p.pid})`
      case 'slow':
        await setSlow(p, ms ?? 0)
        return `every answer now waits ${p.slowMs} ms`
    }
  }

  async function setSlow(p: SupervisedProcess, ms: number): Promise<void> {
    if (p.state !== 'running') {
      throw new StateError(`${p.spec.id} is ${p.state}: it cannot be slowed down (resume or revive it first)`)
    }
    let res: Response
    try {
      res = await fetch(`${p.url}/_admin/slow`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.adminToken}` },
        body: JSON.stringify({ ms }),
        signal: AbortSignal.timeout(SLOW_CALL_TIMEOUT_MS),
      })
    } catch (err) {
      throw new ClusterErrors.CLUSTER_ERR_CLERK_UNREACHABLE(`${p.spec.id} did not take the slow setting: ${(err as Error).message}`)
    }
    const text = await res.text()
    if (!res.ok) {
      throw new ClusterErrors.CLUSTER_ERR_CLERK_UNREACHABLE(`${p.spec.id} refused the slow setting with HTTP ${res.status}: ${text.slice(0, 200)}`)
    }
    let slowMs = ms
    try {
      const body = JSON.parse(text) as { slowMs?: unknown }
      if (typeof body.slowMs === 'number') slowMs = body.slowMs
    } catch {
      // the clerk said 2xx; trust the value we sent
    }
    p.slowMs = slowMs
  }

  async function redisAction(verb: RedisVerb): Promise<ActionResult> {
    try {
      if (verb === 'stop') await redis.stop()
      else if (verb === 'kill') await redis.kill()
      else await redis.start()
    } catch (err) {
      if (err instanceof RedisNotManagedError) throw new ClusterErrors.CLUSTER_ERR_REDIS_NOT_MANAGED(err.message)
      if (err instanceof RedisStateError) throw new ClusterErrors.CLUSTER_ERR_WRONG_STATE(err.message)
      throw err
    }
    const detail =
      verb === 'stop'
        ? 'redis-server shut down (data saved): shared mode and payments answer 503'
        : verb === 'kill'
          ? 'SIGKILL: redis-server crashed; the supervisor starts it again within about a second, with every order it acknowledged'
          : `redis-server back on ${redactUrl(redis.url)}`
    onEvent({ type: 'chaos', verb, target: 'redis', detail })
    return { ok: true, verb, target: 'redis', detail, redis: redis.status() }
  }

  async function ledgerClear(): Promise<{ ok: true; orders: number }> {
    if (redis.status().state !== 'running') {
      throw new ClusterErrors.CLUSTER_ERR_REDIS_UNAVAILABLE(`Redis is ${redis.status().state}: start it first (redis start), then clear the ledger`)
    }
    let orders: number
    try {
      ;({ orders } = await clearLedger(redis.url))
    } catch (err) {
      throw new ClusterErrors.CLUSTER_ERR_REDIS_UNAVAILABLE(`the ledger could not be cleared: ${(err as Error).message}`)
    }
    onEvent({ type: 'chaos', verb: 'clear-ledger', target: 'redis', detail: `the ledger is empty (${orders} orders removed)` })
    return { ok: true, orders }
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      redis.stopWatching()
      const proxy = [...processes.values()].filter((p) => p.spec.kind !== 'clerk')
      const clerks = [...processes.values()].filter((p) => p.spec.kind === 'clerk')
      await Promise.all(proxy.map((p) => p.shutdown()))
      await Promise.all(clerks.map((p) => p.shutdown()))
      await redis.close()
      await api.close()
      if (frontDir) rmSync(frontDir, { recursive: true, force: true })
    })()
    return stopping
  }

  function forceStop(): void {
    for (const p of processes.values()) p.forceKill()
    const redisPid = redis.status().pid
    if (redisPid !== null) {
      try {
        process.kill(redisPid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    if (redis.throwawayDir) rmSync(redis.throwawayDir, { recursive: true, force: true })
    if (frontDir) rmSync(frontDir, { recursive: true, force: true })
  }
}

function planInput(options: ClusterOptions, redisUrl: string, launcherUrl: string) {
  return {
    proxyPort: options.proxyPort,
    proxyHost: options.proxyHost,
    clerkCount: options.clerkCount,
    redisUrl,
    adminToken: options.adminToken,
    sessionSecret: options.sessionSecret,
    launcherUrl,
    logLevel: options.childLogLevel,
  }
}
