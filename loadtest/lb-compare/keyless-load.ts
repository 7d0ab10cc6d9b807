/**
 * Customers as a browser or curl is, against any HTTP load balancer: no Idempotency-Key on any
 * step, cookies kept, the stateless context token carried, nothing asked of `/_lb/*`. Each
 * dialogue ends completed (with the order it was told about), context_lost (a 409 from a clerk
 * that does not know it) or failed (anything else), with the slowest answer it got. Used by
 * `npm run loadtest:lb-compare` and by the keyless failover tests.
 *
 * @example
 *   const run = await keylessLoad('http://127.0.0.1:8081', 'shared', { customers: 8, durationMs: 6_000, maxDialogues: 500 })
 *   run.count('failed') // 0
 */
import { performance } from 'node:perf_hooks'
import type { Mode } from '../../services/common/vocabulary.js'
import { createCookieJar } from '../run/cookie-jar.js'

export type DialogueEnd = 'completed' | 'context_lost' | 'failed'

export interface DialogueOutcome {
  end: DialogueEnd
  /** the order a completed dialogue was told about */
  orderId?: string
  /** the clerk that answered the ask (a stateful customer's own) */
  askedClerk?: string | null
  /** the status and step of a failure, or of the 409 (0: no answer) */
  status?: number
  step?: string
  redispatched?: boolean
  /** the slowest answer of the dialogue (ms) */
  slowestMs: number
}

interface Answer {
  status: number
  json: Record<string, unknown>
  clerk: string | null
  redispatched: boolean
}

const REQUEST_TIMEOUT_MS = 15_000 // a failure bound for one request, never a wait

/** one keyless customer: a cookie jar and plain fetch */
function keylessCustomer(base: string, agentHeaders: Record<string, string>) {
  const jar = createCookieJar()
  return async function post(path: string, body: unknown): Promise<Answer> {
    const cookie = jar.header()
    try {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...agentHeaders, ...(cookie ? { cookie } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
      jar.take(res.headers.getSetCookie())
      const text = await res.text()
      let json: Record<string, unknown> = {}
      try {
        json = JSON.parse(text) as Record<string, unknown>
      } catch {
        json = { text: text.slice(0, 200) }
      }
      return { status: res.status, json, clerk: res.headers.get('x-clerk'), redispatched: res.headers.get('x-redispatched') === '1' }
    } catch (err) {
      return { status: 0, json: { error: (err as Error).name }, clerk: null, redispatched: false }
    }
  }
}

/**
 * One whole dialogue, ask → buy → pay, without a key. `agentHeaders` go on every request
 * (e.g. the admin token, so the clerks do not count a local run's asks against their limit of
 * new sessions per address).
 */
export async function keylessDialogue(base: string, mode: Mode, agentHeaders: Record<string, string> = {}): Promise<DialogueOutcome> {
  const post = keylessCustomer(base, agentHeaders)
  let slowestMs = 0
  const timed = async (path: string, body: unknown) => {
    const started = performance.now()
    const answer = await post(path, body)
    slowestMs = Math.max(slowestMs, performance.now() - started)
    return answer
  }
  const ask = await timed(`/${mode}/ask`, { product: 'laptop' })
  if (ask.status !== 200) return { end: 'failed', status: ask.status, step: 'ask', slowestMs }
  const ended = (a: Answer, step: string): DialogueOutcome => ({
    end: a.status === 409 && a.json.error === 'context_lost' ? 'context_lost' : 'failed',
    status: a.status,
    step,
    askedClerk: ask.clerk,
    redispatched: a.redispatched,
    slowestMs,
  })
  const buy = await timed(`/${mode}/buy`, mode === 'stateless' ? { context: ask.json.context, quantity: 2 } : { quantity: 2 })
  if (buy.status !== 200) return ended(buy, 'buy')
  const pay = await timed(`/${mode}/pay`, mode === 'stateless' ? { context: buy.json.context, method: 'card' } : { method: 'card' })
  if (pay.status !== 200) return ended(pay, 'pay')
  return { end: 'completed', orderId: (pay.json.order as { id: string }).id, askedClerk: ask.clerk, slowestMs }
}

export interface LoadResult {
  outcomes: DialogueOutcome[]
  /** how long the run took (ms) */
  elapsedMs: number
  count(end: DialogueEnd): number
}

export interface KeylessLoadOptions {
  customers: number
  durationMs: number
  /** per customer: the loop is bounded in count as well as in time */
  maxDialogues: number
  /** runs beside the load (a chaos schedule): awaited, never blocking the loop that sends it */
  chaos?: () => Promise<void>
  agentHeaders?: Record<string, string>
}

/**
 * `customers` keyless customers, each running whole dialogues one after another until
 * `durationMs` has passed or it has run `maxDialogues` (both bounds always hold).
 */
export async function keylessLoad(base: string, mode: Mode, { customers, durationMs, maxDialogues, chaos, agentHeaders = {} }: KeylessLoadOptions): Promise<LoadResult> {
  const outcomes: DialogueOutcome[] = []
  const started = performance.now()
  const endAt = started + durationMs
  const customer = async () => {
    for (let i = 0; i < maxDialogues && performance.now() < endAt; i++) outcomes.push(await keylessDialogue(base, mode, agentHeaders))
  }
  await Promise.all([...Array.from({ length: customers }, customer), chaos?.()])
  return { outcomes, elapsedMs: performance.now() - started, count: (end) => outcomes.filter((o) => o.end === end).length }
}

export interface LedgerOrder {
  id: string
  seq: number
  dialogueId: string
  idempotencyKey: string | null
  mode: string
}

/** the ledger's head seq, read from a clerk with the admin token */
export async function ledgerHead(clerkUrl: string, adminToken: string): Promise<number> {
  const res = await fetch(`${clerkUrl}/orders?after=0&limit=1`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(5_000) })
  return ((await res.json()) as { head: number }).head
}

/** every order after `after` (seq), read page by page from a clerk (at most 100 pages) */
export async function ordersAfter(clerkUrl: string, adminToken: string, after: number): Promise<LedgerOrder[]> {
  const orders: LedgerOrder[] = []
  let cursor: number | null = after
  for (let page = 0; cursor !== null && page < 100; page++) {
    const res = await fetch(`${clerkUrl}/orders?after=${cursor}&limit=1000`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(5_000) })
    const body = (await res.json()) as { orders: LedgerOrder[]; next: number | null }
    orders.push(...body.orders)
    cursor = body.next
  }
  return orders
}

/**
 * What the ledger says of a run that was its only traffic: orders told to customers but missing
 * (lost), dialogues charged twice (doubled), orders no customer was told about (charged, and the
 * customer heard an error: charged_unconfirmed).
 */
export function reconcileKeyless(outcomes: readonly DialogueOutcome[], orders: readonly LedgerOrder[]): { lost: number; doubled: number; unconfirmed: number } {
  const ids = new Set(orders.map((o) => o.id))
  const told = new Set(outcomes.flatMap((o) => (o.orderId === undefined ? [] : [o.orderId])))
  const perDialogue = new Map<string, number>()
  for (const o of orders) perDialogue.set(o.dialogueId, (perDialogue.get(o.dialogueId) ?? 0) + 1)
  return {
    lost: [...told].filter((id) => !ids.has(id)).length,
    doubled: [...perDialogue.values()].filter((n) => n > 1).length,
    unconfirmed: orders.filter((o) => !told.has(o.id)).length,
  }
}
