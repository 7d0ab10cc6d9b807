import { performance } from 'node:perf_hooks'
import type { Mode } from '../../../services/common/vocabulary.js'
import { ADMIN_TOKEN, Customer } from './real-cluster.js'

/**
 * Customers as a browser or curl is: no Idempotency-Key on any step, cookies kept, the stateless
 * context token carried. Each dialogue ends as completed (the pay's order), context_lost (a 409
 * from a clerk that does not know it) or failed (anything else), with the slowest answer it got.
 */
export type DialogueEnd = 'completed' | 'context_lost' | 'failed'

export interface DialogueOutcome {
  end: DialogueEnd
  /** the order a completed dialogue was told about */
  orderId?: string
  /** the clerk that answered the ask (a stateful customer's own) */
  askedClerk?: string | null
  /** the status and step of a failure, or of the 409 */
  status?: number
  step?: string
  redispatched?: boolean
  /** the slowest answer of the dialogue (ms) */
  slowestMs: number
}

export async function keylessDialogue(base: string, mode: Mode): Promise<DialogueOutcome> {
  const c = new Customer(base)
  let slowestMs = 0
  const timed = async (path: string, body: unknown) => {
    const started = performance.now()
    const answer = await c.post(path, body)
    slowestMs = Math.max(slowestMs, performance.now() - started)
    return answer
  }
  const ask = await timed(`/${mode}/ask`, { product: 'laptop' })
  if (ask.status !== 200) return { end: 'failed', status: ask.status, step: 'ask', slowestMs }
  const buy = await timed(`/${mode}/buy`, mode === 'stateless' ? { context: ask.json.context, quantity: 2 } : { quantity: 2 })
  const ended = (a: typeof buy, step: string): DialogueOutcome => ({
    end: a.status === 409 && a.json.error === 'context_lost' ? 'context_lost' : 'failed',
    status: a.status,
    step,
    askedClerk: ask.clerk,
    redispatched: a.headers.get('x-redispatched') === '1',
    slowestMs,
  })
  if (buy.status !== 200) return ended(buy, 'buy')
  const pay = await timed(`/${mode}/pay`, mode === 'stateless' ? { context: buy.json.context, method: 'card' } : { method: 'card' })
  if (pay.status !== 200) return ended(pay, 'pay')
  return { end: 'completed', orderId: (pay.json.order as { id: string }).id, askedClerk: ask.clerk, slowestMs }
}

export interface LoadResult {
  outcomes: DialogueOutcome[]
  count(end: DialogueEnd): number
}

/**
 * `customers` keyless customers, each running whole dialogues one after another until `durationMs`
 * has passed or it has run `maxDialogues` (both bounds always hold). `chaos` runs beside the load,
 * awaited, never blocking the loop that sends it.
 */
export async function keylessLoad(
  base: string,
  mode: Mode,
  { customers, durationMs, maxDialogues, chaos }: { customers: number; durationMs: number; maxDialogues: number; chaos?: () => Promise<void> },
): Promise<LoadResult> {
  const outcomes: DialogueOutcome[] = []
  const endAt = performance.now() + durationMs
  const customer = async () => {
    for (let i = 0; i < maxDialogues && performance.now() < endAt; i++) outcomes.push(await keylessDialogue(base, mode))
  }
  await Promise.all([...Array.from({ length: customers }, customer), chaos?.()])
  return { outcomes, count: (end) => outcomes.filter((o) => o.end === end).length }
}

export interface LedgerOrder {
  id: string
  seq: number
  dialogueId: string
  idempotencyKey: string | null
  mode: string
}

/** the ledger's head seq, read from a clerk with the admin token */
export async function ledgerHead(clerkUrl: string): Promise<number> {
  const res = await fetch(`${clerkUrl}/orders?after=0&limit=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(5_000) })
  return ((await res.json()) as { head: number }).head
}

/** every order after `after` (seq), read page by page from a clerk */
export async function ordersAfter(clerkUrl: string, after: number): Promise<LedgerOrder[]> {
  const orders: LedgerOrder[] = []
  let cursor: number | null = after
  for (let page = 0; cursor !== null && page < 100; page++) {
    const res = await fetch(`${clerkUrl}/orders?after=${cursor}&limit=1000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(5_000) })
    const body = (await res.json()) as { orders: LedgerOrder[]; next: number | null }
    orders.push(...body.orders)
    cursor = body.next
  }
  return orders
}

/** what the ledger says of a run: orders told to customers but missing (lost), dialogues charged twice (doubled) */
export function reconcile(outcomes: readonly DialogueOutcome[], orders: readonly LedgerOrder[]): { lost: number; doubled: number; unconfirmed: number } {
  const ids = new Set(orders.map((o) => o.id))
  const told = outcomes.filter((o) => o.orderId !== undefined).map((o) => o.orderId as string)
  const perDialogue = new Map<string, number>()
  for (const o of orders) perDialogue.set(o.dialogueId, (perDialogue.get(o.dialogueId) ?? 0) + 1)
  const toldSet = new Set(told)
  return {
    lost: told.filter((id) => !ids.has(id)).length,
    doubled: [...perDialogue.values()].filter((n) => n > 1).length,
    unconfirmed: orders.filter((o) => !toldSet.has(o.id)).length,
  }
}
