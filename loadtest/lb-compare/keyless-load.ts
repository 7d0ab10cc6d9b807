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
  /** the pay was answered from a receipt: a clerk without the dialogue found the order it had paid */
  receipt?: boolean
  /** when (ms since the load started) it began, its ask and buy were answered, and it ended */
  startedMs: number
  askedMs?: number
  boughtMs?: number
  endedMs: number
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
 * What a dialogue tells the load it runs in: the clock (ms since the load started), and when its
 * ask was answered and when it ended, so the load knows at every moment which clerk holds which
 * open dialogues (LoadView.openOn).
 */
export interface DialogueWatch {
  now(): number
  asked(clerk: string | null): void
  ended(askedClerk: string | null | undefined): void
}

const UNWATCHED: DialogueWatch = { now: () => performance.now(), asked: () => {}, ended: () => {} }

/**
 * One whole dialogue, ask → buy → pay, without a key. `agentHeaders` go on every request
 * (e.g. the admin token, so the clerks do not count a local run's asks against their limit of
 * new sessions per address).
 */
export async function keylessDialogue(base: string, mode: Mode, agentHeaders: Record<string, string> = {}, watch: DialogueWatch = UNWATCHED): Promise<DialogueOutcome> {
  const post = keylessCustomer(base, agentHeaders)
  const startedMs = watch.now()
  let slowestMs = 0
  const timed = async (path: string, body: unknown) => {
    const started = performance.now()
    const answer = await post(path, body)
    slowestMs = Math.max(slowestMs, performance.now() - started)
    return answer
  }
  const ask = await timed(`/${mode}/ask`, { product: 'laptop' })
  if (ask.status !== 200) {
    watch.ended(undefined)
    return { end: 'failed', status: ask.status, step: 'ask', slowestMs, startedMs, endedMs: watch.now() }
  }
  const askedMs = watch.now()
  watch.asked(ask.clerk)
  const ended = (a: Answer, step: string, boughtMs?: number): DialogueOutcome => {
    watch.ended(ask.clerk)
    return {
      end: a.status === 409 && a.json.error === 'context_lost' ? 'context_lost' : 'failed',
      status: a.status,
      step,
      askedClerk: ask.clerk,
      redispatched: a.redispatched,
      slowestMs,
      startedMs,
      askedMs,
      ...(boughtMs === undefined ? {} : { boughtMs }),
      endedMs: watch.now(),
    }
  }
  const buy = await timed(`/${mode}/buy`, mode === 'stateless' ? { context: ask.json.context, quantity: 2 } : { quantity: 2 })
  if (buy.status !== 200) return ended(buy, 'buy')
  const boughtMs = watch.now()
  const pay = await timed(`/${mode}/pay`, mode === 'stateless' ? { context: buy.json.context, method: 'card' } : { method: 'card' })
  if (pay.status !== 200) return ended(pay, 'pay', boughtMs)
  watch.ended(ask.clerk)
  return {
    end: 'completed',
    orderId: (pay.json.order as { id: string }).id,
    askedClerk: ask.clerk,
    slowestMs,
    ...(pay.json.receipt === true ? { receipt: true } : {}),
    startedMs,
    askedMs,
    boughtMs,
    endedMs: watch.now(),
  }
}

export interface LoadResult {
  outcomes: DialogueOutcome[]
  /** how long the run took (ms) */
  elapsedMs: number
  count(end: DialogueEnd): number
}

/** What a chaos schedule may see of the load it runs beside. */
export interface LoadView {
  /** ms since the load started (the clock of every DialogueOutcome) */
  now(): number
  /** dialogues whose ask `clerk` answered and that have not ended, as the customers see them now */
  openOn(clerk: string): number
  /**
   * Calls `act` synchronously at the first moment `check` holds (tested now and after every ask
   * answered and every dialogue ended), so nothing changes between the check and the act; or at
   * `timeoutMs` if it never does. Resolves whether `check` held.
   */
  when(check: () => boolean, act: () => void, timeoutMs: number): Promise<boolean>
}

export interface KeylessLoadOptions {
  customers: number
  durationMs: number
  /** per customer: the loop is bounded in count as well as in time */
  maxDialogues: number
  /** runs beside the load (a chaos schedule): awaited, never blocking the loop that sends it */
  chaos?: (view: LoadView) => Promise<void>
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
  const open = new Map<string, number>()
  const changed = new Set<() => void>()
  const watch: DialogueWatch = {
    now: () => performance.now() - started,
    asked(clerk) {
      if (clerk !== null) open.set(clerk, (open.get(clerk) ?? 0) + 1)
      for (const listener of [...changed]) listener()
    },
    ended(askedClerk) {
      if (askedClerk !== null && askedClerk !== undefined) open.set(askedClerk, (open.get(askedClerk) ?? 0) - 1)
      for (const listener of [...changed]) listener()
    },
  }
  const view: LoadView = {
    now: watch.now,
    openOn: (clerk) => open.get(clerk) ?? 0,
    when: (check, act, timeoutMs) =>
      new Promise((resolve) => {
        const settle = (held: boolean) => {
          changed.delete(listener)
          clearTimeout(timer)
          act()
          resolve(held)
        }
        const listener = () => {
          if (check()) settle(true)
        }
        const timer = setTimeout(() => settle(false), timeoutMs)
        if (check()) settle(true)
        else changed.add(listener)
      }),
  }
  const customer = async () => {
    for (let i = 0; i < maxDialogues && performance.now() < endAt; i++) outcomes.push(await keylessDialogue(base, mode, agentHeaders, watch))
  }
  await Promise.all([...Array.from({ length: customers }, customer), chaos?.(view)])
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
