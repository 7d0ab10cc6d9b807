import { request } from 'node:http'
import { clerkLookup } from '../forward/cached-lookup.js'
import type { Health } from './health.js'
import type { Upstream } from './upstream.js'

export interface HealthCheckerOptions {
  intervalMs: number
  timeoutMs: number
}

export interface CheckOutcome {
  ok: boolean
  /** the parsed /readyz body, when there was one */
  info: unknown
  reason: string
}

/**
 * One GET /readyz on a fresh connection (like HAProxy's checks: a check must not ride on a
 * keep-alive socket the traffic also uses). 2xx = ready; anything else, or no answer within
 * `timeoutMs`, is a failed check. Never throws.
 */
export function checkReadyz(url: URL, timeoutMs: number): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    let done = false
    const finish = (outcome: CheckOutcome) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.destroy()
      resolve(outcome)
    }
    const req = request(new URL('/readyz', url), { agent: false, lookup: clerkLookup, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', () => finish({ ok: false, info: undefined, reason: 'readyz answer broke off' }))
      res.on('end', () => {
        let info: unknown
        try {
          info = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          info = undefined
        }
        const status = res.statusCode ?? 0
        const ok = status >= 200 && status < 300
        finish({ ok, info, reason: ok ? 'readyz answered' : `readyz answered ${status}` })
      })
    })
    const timer = setTimeout(() => finish({ ok: false, info: undefined, reason: `readyz gave no answer in ${timeoutMs} ms` }), timeoutMs)
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, info: undefined, reason: `readyz failed: ${err.code ?? err.message}` }))
    req.end()
  })
}

/**
 * Active health checks: every `intervalMs`, each clerk's /readyz, results into the health state
 * machine (which applies rise and fall). It only changes upstream state; it never forwards anything.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined
  private readonly running = new Set<string>()
  private stopped = false

  constructor(
    private readonly upstreams: readonly Upstream[],
    private readonly health: Health,
    private readonly options: HealthCheckerOptions,
    /** every /readyz body read (the proxy reads the clerks' handoff counts from it) */
    private readonly onReadyz: (upstream: Upstream, info: unknown) => void = () => {},
  ) {}

  start(): void {
    this.stopped = false
    this.tick()
    this.timer = setInterval(() => this.tick(), this.options.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
  }

  private tick(): void {
    for (const upstream of this.upstreams) void this.check(upstream)
  }

  private async check(upstream: Upstream): Promise<void> {
    // a check still running (a hung clerk) is not doubled; its timeout ends it
    if (this.running.has(upstream.id)) return
    this.running.add(upstream.id)
    try {
      const outcome = await checkReadyz(upstream.url, this.options.timeoutMs)
      if (!this.stopped) {
        this.health.checkResult(upstream, outcome.ok, outcome.info, outcome.reason)
        if (outcome.info !== undefined) this.onReadyz(upstream, outcome.info)
      }
    } finally {
      this.running.delete(upstream.id)
    }
  }
}
