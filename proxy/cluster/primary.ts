import cluster, { type Worker } from 'node:cluster'
import { createAdminHandlerFor } from '../admin/admin-api.js'
import { logHealth } from '../build-proxy.js'
import type { Logger } from '../../services/common/log.js'
import { HealthChecker } from '../state/health-checker.js'
import { startDiscovery } from '../state/discovery.js'
import type { ProxyOptions } from '../options.js'
import { ProxyState } from '../state/proxy-state.js'
import { isListenFailed, type ListenFailed, type PrimaryToWorker, type RoutingState, type WorkerToPrimary } from './messages.js'

/**
 * The cluster primary: it serves no HTTP itself. It holds the one truth (health, drain, policies,
 * counters, events), runs the health checks and the admin API, and keeps PROXY_WORKERS workers
 * running, telling each every routing change and every event.
 */
export async function runPrimary(options: ProxyOptions, log: (msg: string) => void, logger?: Logger): Promise<void> {
  const state = ProxyState.fromOptions(options)
  if (logger) logHealth(state.events, logger)
  const admin = createAdminHandlerFor(state, options)
  const health = new HealthChecker(state.upstreams, state.health, { intervalMs: options.healthIntervalMs, timeoutMs: options.healthTimeoutMs }, (u, info) =>
    state.noteReadyz(u, info),
  )
  let stopping = false
  // set once a worker could not listen: the proxy is stopping with exit code 1
  let failed = false
  // workers that have listened; one that exits before it did is not replaced (it would fail again)
  const listened = new Set<number>()
  let allListened = false

  const routing = (): RoutingState => ({
    upstreams: state.upstreams.map((u) => ({ id: u.id, url: u.url.origin, healthy: u.healthy, drained: u.drained })),
    policies: state.policyNames(),
    routes: state.routes.table,
  })
  const send = (worker: Worker, message: PrimaryToWorker) => {
    if (worker.isConnected()) worker.send(message)
  }
  const broadcast = (message: PrimaryToWorker) => {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker) send(worker, message)
  }
  state.onRoutingChange = () => broadcast({ t: 'routing', ...routing() })
  state.events.subscribe((event) => broadcast({ t: 'event', event }))

  function onMessage(worker: Worker, message: WorkerToPrimary): void {
    switch (message.t) {
      case 'report':
        state.workers.merge(worker.id, message.report)
        return
      // a worker's evidence, applied as if it had been seen here (state/proxy-state.ts evidence)
      case 'passive': {
        const u = state.byId.get(message.clerk)
        if (u) state.evidence.attemptFailed(u, message.failure)
        return
      }
      case 'failing-answer': {
        const u = state.byId.get(message.clerk)
        if (u) state.evidence.failingAnswer(u, message.status)
        return
      }
      case 'retried': {
        const from = state.byId.get(message.from)
        const to = state.byId.get(message.to)
        if (from && to) state.evidence.retried(from, to, message.reason, message.route)
        return
      }
      case 'redispatched': {
        const from = state.byId.get(message.from)
        const to = state.byId.get(message.to)
        if (from && to) state.evidence.redispatched(from, to)
        return
      }
      case 'status':
        send(worker, { t: 'status-reply', id: message.id, status: state.status() })
        return
      case 'admin':
        admin(message.request).then(
          (response) => send(worker, { t: 'admin-reply', id: message.id, response }),
          (err: Error) =>
            send(worker, {
              t: 'admin-reply',
              id: message.id,
              response: { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal_error', message: err.message }) },
            }),
        )
        return
    }
  }

  function fork(): void {
    const worker = cluster.fork()
    worker.on('message', (message: WorkerToPrimary | ListenFailed) => {
      if (isListenFailed(message)) fail(message.message)
      else onMessage(worker, message)
    })
    worker.once('online', () => send(worker, { t: 'routing', ...routing() }))
    // A worker that died (killed, crashed) still looks connected until this process reads the end
    // of its IPC channel: a message sent to it then fails with EPIPE, emitted here. Unhandled, it
    // took the primary, and every other worker, down with it. Its 'exit' follows and replaces it.
    worker.on('error', (err) => log(`worker ${worker.process.pid} could not be told something (${err.message}); it is exiting and will be replaced`))
    worker.once('listening', () => {
      listened.add(worker.id)
      if (listened.size === options.workers && !allListened) {
        allListened = true
        log(`proxy primary: ${options.workers} workers (${options.engine}) listening on http://${options.host}:${options.port}`)
      }
    })
  }

  const workerCount = () => Object.keys(cluster.workers ?? {}).length

  /**
   * Stops the whole proxy with exit code 1 and one sentence on stderr, printed once however many
   * workers report. The other workers are told to stop (SIGTERM: they finish what they serve).
   */
  function fail(sentence: string): void {
    if (failed) return
    failed = true
    stopping = true
    // whichever way the primary ends from here (the last worker's exit, the deadline below, or an
    // event loop that runs dry first, as the 5-s timer is unref'd), it ends with 1
    process.exitCode = 1
    process.stderr.write(`proxy: ${sentence}\n`)
    health.stop()
    state.stop()
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    if (workerCount() === 0) process.exit(1)
    // a worker that does not stop is killed with the primary
    setTimeout(() => process.exit(1), 5_000).unref()
  }

  cluster.on('exit', (worker, code, signal) => {
    state.workers.forget(worker.id)
    const hadListened = listened.delete(worker.id)
    if (stopping) {
      if (workerCount() === 0) process.exit(failed ? 1 : 0)
      return
    }
    if (!hadListened) {
      // it died while starting (its own output says why): another would die the same way
      fail(`a worker exited (${signal ?? code}) before it could listen on ${options.host}:${options.port}`)
      return
    }
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`)
    fork()
  })

  health.start()
  const stopDiscovery = startDiscovery(state, options)
  state.startStats(options.statsIntervalMs)
  for (let i = 0; i < options.workers; i++) fork()

  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log(`${signal}: workers finish their in-flight requests`)
    health.stop()
    stopDiscovery()
    state.stop()
    broadcast({ t: 'shutdown' })
    if (workerCount() === 0) process.exit(0)
    // a worker that does not finish in time is killed; its customers get a closed connection
    setTimeout(() => process.exit(0), options.upstreamTimeoutMs + 5_000).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
