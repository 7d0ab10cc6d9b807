import type { ClerkRuntime } from './runtime.js'

/**
 * After SIGTERM a clerk first plays the lame duck: it keeps its connections open and turns every
 * customer request away with 503 shutting_down + Connection: close (the proxy takes that as "never
 * sent", ejects the clerk at once and sends the request to another clerk), and only once no
 * customer request has come for `quietMs` does it close.
 *
 * Why not close at once: closing the idle keep-alive connections races with the proxy, which may
 * be writing a request on one of them that very moment. That request is then reset after it was
 * sent, and a POST without an Idempotency-Key may not be retried: the customer got a 502. Once the
 * proxy has stopped sending (it saw a refusal, or /readyz said draining), closing is safe.
 *
 * Resolves when it is quiet, or after `maxMs` whatever comes (direct clients that never stop).
 *
 * @example
 *   runtime.draining = true
 *   await untilCustomersStop(runtime, 500, 10_000)
 *   await app.close()
 */
export function untilCustomersStop(runtime: ClerkRuntime, quietMs: number, maxMs: number, now = Date.now): Promise<void> {
  const startedAt = now()
  return new Promise((resolve) => {
    const check = () => {
      const t = now()
      const quietSince = Math.max(startedAt, runtime.lastCustomerRequestAt)
      const left = quietMs - (t - quietSince)
      if (left <= 0 || t - startedAt >= maxMs) resolve()
      else setTimeout(check, Math.min(left, maxMs - (t - startedAt)))
    }
    check()
  })
}
