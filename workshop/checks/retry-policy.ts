import { launcherStatus, proxyStatus } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'

const ROUTE = '/stateless'

/**
 * Exercise 14: the /stateless route's per-try timeout set below a slowed clerk's delay, and the
 * proxy has retried attempts on another clerk since the reset (abandoned the slow one, answered
 * from a fast one). With the default (1 s) and a clerk slowed by 800 ms, nothing is retried.
 */
export async function checkRetryPolicy({ target }: CheckContext): Promise<Verdict> {
  const launcher = await launcherStatus(target)
  const status = await proxyStatus(target)
  const look = 'GET /_lb/routes (the /stateless row), the event log’s "retry" lines, the load test’s latency p99'
  const row = status.routes.find((r) => r.prefix === ROUTE)
  const slowest = Math.max(0, ...(launcher?.processes ?? []).filter((p) => p.kind === 'clerk').map((p) => p.slowMs))
  const saw = [
    `${ROUTE}: per-try timeout ${row?.perTryTimeoutMs ?? 'none'} ms, ${row?.attempts ?? '?'} attempts`,
    `slowest clerk: ${slowest} ms`,
    `retries since the reset: ${status.counters.retries}`,
  ]
  if (slowest === 0) return fail([...saw, 'slow a clerk first: npm run chaos -- slow clerk-b 800'], look)
  if (row?.perTryTimeoutMs == null || row.perTryTimeoutMs >= slowest) {
    return fail([...saw, `set ${ROUTE}'s per-try timeout below ${slowest} ms: PUT /_lb/routes {"prefix":"${ROUTE}","perTryTimeoutMs":300} (step 4)`], look)
  }
  if (status.counters.retries === 0) return fail([...saw, 'no attempt retried yet: send stateless customers (the load test of step 5)'], look)
  return pass(saw, look)
}
