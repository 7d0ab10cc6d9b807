import type { AddressInfo, Server } from 'node:net'
import { createAdminHandlerFor } from './admin/admin-api.js'
import { dashboardDir } from './front/dashboard-files.js'
import { createEngine } from './forward/engines/create-engine.js'
import type { ForwardEngine } from './forward/engines/engine.js'
import { HealthChecker } from './state/health-checker.js'
import { startDiscovery } from './state/discovery.js'
import { createFront, type ProxyFront } from './front/create-front.js'
import { frontLimits, type ProxyOptions } from './options.js'
import { ProxyState } from './state/proxy-state.js'
import type { EventBus } from './state/events.js'
import type { Logger } from '../services/common/log.js'

export interface Proxy {
  readonly options: ProxyOptions
  readonly server: Server
  readonly state: ProxyState
  readonly engine: ForwardEngine
  /** starts health checks and the stats ticker, then listens; resolves with the bound port */
  listen(): Promise<number>
  /** stops accepting, finishes in-flight requests (up to `graceMs`), stops checks, closes pools */
  close(graceMs?: number): Promise<void>
}

/**
 * A single-process proxy, not yet listening: the truth (state), its health checker, the engine
 * and the HTTP front, wired together.
 *
 * @example
 *   const proxy = buildProxy(buildOptions({ port: 0, clerks: parseClerks('clerk-a=http://127.0.0.1:3001') }))
 *   const port = await proxy.listen()
 *   await proxy.close()
 */
export function buildProxy(options: ProxyOptions, { dashboard = dashboardDir() }: { dashboard?: string } = {}): Proxy {
  const state = ProxyState.fromOptions(options)
  const engine = createEngine(options.engine, options)
  const health = new HealthChecker(state.upstreams, state.health, { intervalMs: options.healthIntervalMs, timeoutMs: options.healthTimeoutMs }, (u, info) =>
    state.noteReadyz(u, info),
  )
  const admin = createAdminHandlerFor(state, options)
  const front: ProxyFront = createFront(
    options.engine,
    { view: state, counters: state.counters, admin, events: { subscribe: (l) => state.events.subscribe(l), status: () => state.status(), history: () => state.events.history() } },
    engine,
    { bodyCapBytes: options.bodyCapBytes, upstreamTimeoutMs: options.upstreamTimeoutMs, dashboardDir: dashboard, limits: frontLimits(options) },
  )
  state.readFrontUsage = () => front.usage()
  let stopDiscovery = () => {}
  return {
    options,
    server: front.server,
    state,
    engine,
    listen() {
      health.start()
      stopDiscovery = startDiscovery(state, options)
      state.startStats(options.statsIntervalMs)
      return new Promise((resolve, reject) => {
        front.server.once('error', reject)
        front.server.listen(options.port, options.host, () => {
          front.server.removeListener('error', reject)
          resolve((front.server.address() as AddressInfo).port)
        })
      })
    },
    async close(graceMs = options.upstreamTimeoutMs + 1_000) {
      await front.shutdown(graceMs)
      health.stop()
      stopDiscovery()
      state.stop()
      await engine.close()
    },
  }
}

/** operators see a clerk leave and come back in the log, not only on the dashboard */
export function logHealth(events: EventBus, log: Logger): void {
  events.subscribe((event) => {
    if (event.type !== 'health') return
    if (event.healthy) log.info({ clerk: event.clerk, reason: event.reason }, `${String(event.clerk)} is back in rotation`)
    else log.warn({ clerk: event.clerk, reason: event.reason, code: event.code }, `${String(event.clerk)} ejected`)
  })
}
