import { Counter, Gauge, Registry, type Metric } from 'prom-client'
import { FAILURE_KINDS } from '../forward/failures.js'
import { LATENCY_BUCKETS_SECONDS } from '../state/latency-histogram.js'
import type { ProxyState } from '../state/proxy-state.js'

/**
 * Prometheus metrics of the proxy, in their own Registry. The hot path only adds to plain
 * numbers in each Upstream's counters (state/counters.ts: cheap, and mergeable from cluster
 * workers); these collectors read them at scrape time.
 */
export function createMetrics(state: ProxyState): Registry {
  const registry = new Registry()

  new Counter({
    name: 'proxy_requests_total',
    help: 'Attempts forwarded to each clerk, by the status the customer got (or would have got)',
    labelNames: ['clerk', 'status'],
    registers: [registry],
    collect() {
      this.reset()
      for (const u of state.upstreams) for (const [status, n] of u.counters.byStatus) this.inc({ clerk: u.id, status: String(status) }, n)
    },
  })
  new Counter({
    name: 'proxy_errors_total',
    // the reasons are the failure table's kinds, and http_5xx for an answer of 500 or more
    help: `Failed attempts and 5xx answers per clerk, by reason (${[...FAILURE_KINDS, 'http_5xx'].join(', ')})`,
    labelNames: ['clerk', 'reason'],
    registers: [registry],
    collect() {
      this.reset()
      for (const u of state.upstreams) for (const [reason, n] of u.counters.errorsByReason) this.inc({ clerk: u.id, reason }, n)
    },
  })
  new Counter({
    name: 'proxy_retries_total',
    help: 'Requests retried on another clerk after failing on this one',
    labelNames: ['clerk'],
    registers: [registry],
    collect() {
      this.reset()
      for (const u of state.upstreams) this.inc({ clerk: u.id }, u.counters.retries)
    },
  })
  new Counter({
    name: 'proxy_redispatches_total',
    help: 'Sticky customers moved away from this clerk because it was down',
    labelNames: ['clerk'],
    registers: [registry],
    collect() {
      this.reset()
      for (const u of state.upstreams) this.inc({ clerk: u.id }, u.counters.redispatches)
    },
  })
  new Counter({
    name: 'proxy_handoffs_total',
    help: 'Stateful dialogues each clerk took over from a clerk that left (read from its /readyz)',
    labelNames: ['clerk'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [clerk, n] of state.handoffsSeen) this.inc({ clerk }, n)
    },
  })
  new Gauge({
    name: 'proxy_clerk_healthy',
    help: '1 when the clerk takes traffic, 0 when it is ejected',
    labelNames: ['clerk'],
    registers: [registry],
    collect() {
      this.reset() // a clerk removed at run time leaves no stale series
      for (const u of state.upstreams) this.set({ clerk: u.id }, u.healthy ? 1 : 0)
    },
  })
  new Gauge({
    name: 'proxy_clerk_in_flight',
    help: 'Requests waiting for this clerk now',
    labelNames: ['clerk'],
    registers: [registry],
    collect() {
      this.reset() // a clerk removed at run time leaves no stale series
      for (const u of state.upstreams) this.set({ clerk: u.id }, u.inFlight)
    },
  })
  new Gauge({
    name: 'proxy_clerk_open_streams',
    help: 'Event streams (an MCP pay, server-sent events) flowing from this clerk to customers now; also counted in proxy_clerk_in_flight',
    labelNames: ['clerk'],
    registers: [registry],
    collect() {
      this.reset()
      for (const u of state.upstreams) this.set({ clerk: u.id }, u.openStreams)
    },
  })
  // what the proxy answered itself, without a clerk: 404, 400, 413, and 503 no_upstream (the
  // 5xx ones), so a total outage shows in /metrics as more than proxy_clerk_healthy 0
  new Counter({
    name: 'proxy_unrouted_requests_total',
    help: 'Requests the proxy answered itself, without any clerk (not found, bad request, too large, no healthy clerk)',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(state.counters.unroutedRequests)
    },
  })
  new Counter({
    name: 'proxy_unrouted_errors_total',
    help: 'Of those, the 5xx answers: 503 no_upstream when no clerk was healthy and undrained',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(state.counters.unroutedErrors)
    },
  })
  new Counter({
    name: 'proxy_dialogue_outcomes_total',
    help: "Final answers on each mode's route by what they mean for the dialogue: completed (a paid pay), context_lost (the clerk's 409), failed (5xx)",
    labelNames: ['mode', 'outcome'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [mode, byOutcome] of Object.entries(state.counters.outcomes)) for (const [outcome, n] of Object.entries(byOutcome)) this.inc({ mode, outcome }, n)
    },
  })
  registry.registerMetric(latencyHistogram(state))
  return registry
}

/** A histogram metric rendered from the Upstreams' LatencyHistogram (prom-client's get() shape). */
function latencyHistogram(state: ProxyState): Metric {
  const name = 'proxy_request_duration_seconds'
  const metric = {
    name,
    help: 'Time from the customer request to the clerk answer, per clerk',
    type: 'histogram',
    aggregator: 'sum',
    labelNames: ['clerk'],
    async get() {
      const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = []
      for (const u of state.upstreams) {
        const latency = u.counters.latency
        const cumulative = latency.cumulative()
        LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
          values.push({ metricName: `${name}_bucket`, labels: { clerk: u.id, le }, value: cumulative[i] ?? 0 })
        })
        values.push({ metricName: `${name}_bucket`, labels: { clerk: u.id, le: '+Inf' }, value: latency.count })
        values.push({ metricName: `${name}_sum`, labels: { clerk: u.id }, value: latency.sum })
        values.push({ metricName: `${name}_count`, labels: { clerk: u.id }, value: latency.count })
      }
      return { name, help: metric.help, type: 'histogram', values, aggregator: 'sum' }
    },
    reset() {},
  }
  return metric as unknown as Metric
}
