import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * The clerk's Prometheus metrics, in a Registry of its own (not prom-client's global one), so a
 * test can build many clerks in one process. Gauges read their value when scraped.
 */
export interface ClerkMetrics {
  registry: Registry
  requests: Counter<'mode' | 'step' | 'status'>
  duration: Histogram<'mode' | 'step'>
  orders: Counter<'mode'>
  /** pays answered with an order this customer already paid, by a clerk that lost the dialogue */
  receipts: Counter<'mode'>
  /** stateful dialogues parked on the way out (parked) or taken over from a clerk that left (claimed) */
  handoffs: Counter<'direction'>
}

export function createClerkMetrics(read: { statefulSessions: () => number; redisUp: () => boolean }): ClerkMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requests = new Counter({
    name: 'clerk_requests_total',
    help: 'Requests ended, by mode, step and HTTP status ("aborted": the client left before the answer)',
    labelNames: ['mode', 'step', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'clerk_request_duration_seconds',
    help: 'Time to answer, by mode and step',
    labelNames: ['mode', 'step'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const orders = new Counter({
    name: 'clerk_orders_total',
    help: 'Orders written to the ledger (replays not counted), by mode',
    labelNames: ['mode'] as const,
    registers: [registry],
  })
  const receipts = new Counter({
    name: 'clerk_receipts_total',
    help: 'Pays answered with the order their customer already paid with the same Idempotency-Key, by a clerk that had lost the dialogue (receipts), by mode',
    labelNames: ['mode'] as const,
    registers: [registry],
  })
  const handoffs = new Counter({
    name: 'clerk_handoff_dialogues_total',
    help: 'Stateful dialogues handed over: parked in Redis by this clerk on its way out, or claimed by this clerk from one that left',
    labelNames: ['direction'] as const,
    registers: [registry],
  })
  new Gauge({
    name: 'clerk_sessions',
    help: "Sessions held in this clerk's memory (stateful mode)",
    labelNames: ['mode'] as const,
    registers: [registry],
    collect() {
      this.set({ mode: 'stateful' }, read.statefulSessions())
    },
  })
  new Gauge({
    name: 'clerk_redis_up',
    help: "1 when this clerk's Redis connection is ready and answering (0 while it is down or hung)",
    registers: [registry],
    collect() {
      this.set(read.redisUp() ? 1 : 0)
    },
  })
  return { registry, requests, duration, orders, receipts, handoffs }
}
