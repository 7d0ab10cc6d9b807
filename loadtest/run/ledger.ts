/**
 * Reads the ledger through the proxy for the reconciliation after a run (analyze/reconcile.ts):
 * `fetchLedger()` pages through `GET /orders?after=SEQ&limit=1000`, `ledgerHead()` notes where it
 * stands before the run. Both need the admin token.
 *
 * @example
 *   const head = await ledgerHead(proxyUrl, adminToken)
 *   const run = await runLoad(…)
 *   const result = reconcile(run.records, await fetchLedger(proxyUrl, adminToken, head), run.keyPrefix)
 */
import type { LedgerOrder } from '../analyze/reconcile.js'
import { LoadtestErrors } from '../errors.js'

interface OrdersPage {
  orders: LedgerOrder[]
  next: number | null
  head: number | undefined
}

async function fetchPage(base: string, adminToken: string | undefined, after: number, limit: number, timeoutMs: number): Promise<OrdersPage> {
  if (!adminToken) {
    throw new LoadtestErrors.LOADTEST_ERR_LEDGER('reading the ledger (GET /orders) needs the admin token: set ADMIN_TOKEN')
  }
  const url = `${base}/orders?after=${after}&limit=${limit}`
  let lastError = ''
  // the proxy sends /orders round-robin; a clerk that just died may answer 502 once: try again
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(timeoutMs) })
      const body = (await res.json()) as Partial<OrdersPage>
      if (res.status === 200 && Array.isArray(body.orders)) {
        return { orders: body.orders, next: typeof body.next === 'number' ? body.next : null, head: typeof body.head === 'number' ? body.head : undefined }
      }
      lastError = `${res.status} ${JSON.stringify(body).slice(0, 200)}`
      if (res.status === 401) break // the token is wrong: asking again will not help
    } catch (err) {
      lastError = (err as Error).message
    }
  }
  throw new LoadtestErrors.LOADTEST_ERR_LEDGER(`could not read the ledger at ${url}: ${lastError}`)
}

/** Every order with seq > `after`, oldest first. */
export async function fetchLedger(proxyUrl: string, adminToken: string | undefined, after = 0, timeoutMs = 10_000): Promise<LedgerOrder[]> {
  const base = proxyUrl.replace(/\/+$/, '')
  const orders: LedgerOrder[] = []
  let cursor = after
  for (;;) {
    const page = await fetchPage(base, adminToken, cursor, 1000, timeoutMs)
    orders.push(...page.orders)
    if (page.next === null || page.orders.length === 0) return orders
    // a cursor that does not move would loop for ever: trust the last seq, else stop
    const next = page.next > cursor ? page.next : (page.orders.at(-1)?.seq ?? cursor)
    if (next <= cursor) return orders
    cursor = next
  }
}

/** The highest seq in the ledger now (0 when empty): reconcile only what comes after it. */
export async function ledgerHead(proxyUrl: string, adminToken: string | undefined, timeoutMs = 10_000): Promise<number> {
  const base = proxyUrl.replace(/\/+$/, '')
  const page = await fetchPage(base, adminToken, 0, 1, timeoutMs)
  if (page.head !== undefined) return page.head
  // a clerk from before `head`: read it all
  const orders = await fetchLedger(proxyUrl, adminToken, 0, timeoutMs)
  return orders.reduce((max, o) => Math.max(max, o.seq), 0)
}
