/**
 * After a run, what the customers were told is checked against what the ledger holds. Counted,
 * never guessed:
 * - `lost`: a customer was told "Payment … completed" (order id) and the ledger has no such order
 *   for that dialogue's Idempotency-Key;
 * - `doubled`: one dialogue (one Idempotency-Key, or one clerk-side dialogue id) has more than one
 *   order in the ledger: the customer was charged twice;
 * - `charged_unconfirmed`: the ledger holds an order for a dialogue whose customer saw a failure
 *   (e.g. the clerk wrote the order and died before answering; the proxy's retry then met a clerk
 *   that had forgotten the dialogue).
 * Pure: run/ledger.ts reads the orders (`fetchLedger()`). Orders are told apart by their ids
 * (random, never reissued) and keys, never by seq: seq only says where to start reading (it only
 * grows, also after a lost ledger).
 *
 * @example
 *   const head = await ledgerHead(proxyUrl, adminToken)
 *   const run = await runLoad(…)
 *   const orders = await fetchLedger(proxyUrl, adminToken, head)
 *   const result = reconcile(run.records, orders, run.keyPrefix)   // { lost: 0, doubled: 0, … }
 */
import type { DialogueRecord } from '../run/customer.js'

/** The fields of a ledger ORDER (docs/contract.md) the reconciliation reads. */
export interface LedgerOrder {
  id: string
  seq: number
  idempotencyKey: string | null
  dialogueId?: string
  clerk?: string
  mode?: string
  total?: number
}

export interface ReconcileResult {
  /** dialogues the customers were told completed */
  confirmed: number
  /** orders in the ledger that belong to this run (by Idempotency-Key prefix) */
  ordersInLedger: number
  lost: number
  doubled: number
  charged_unconfirmed: number
  /** a completed dialogue whose ledger order has another id than the one the customer was told */
  mismatched: number
  /** ids of the dialogues in each class (for the report and for digging) */
  lostDialogues: number[]
  doubledDialogues: number[]
  chargedUnconfirmedDialogues: number[]
}

/**
 * @param keyPrefix the run's Idempotency-Key prefix; undefined for a keyless run (`--keys off`),
 *   whose orders are every order after the run's head (the run must be the ledger's only traffic)
 *   and are matched to dialogues by the order id each customer was told
 */
export function reconcile(records: readonly DialogueRecord[], orders: readonly LedgerOrder[], keyPrefix: string | undefined): ReconcileResult {
  if (keyPrefix === undefined) return reconcileByOrderId(records, orders)
  const ours = orders.filter((o) => typeof o.idempotencyKey === 'string' && o.idempotencyKey.startsWith(`${keyPrefix}-`))
  const byKey = new Map<string, LedgerOrder[]>()
  for (const order of ours) {
    const key = order.idempotencyKey as string
    byKey.set(key, [...(byKey.get(key) ?? []), order])
  }
  // one clerk-side dialogue charged under two keys would also be a double charge
  const byDialogue = new Map<string, Set<string>>()
  for (const order of ours) {
    if (!order.dialogueId) continue
    const keys = byDialogue.get(order.dialogueId) ?? new Set<string>()
    keys.add(order.idempotencyKey as string)
    byDialogue.set(order.dialogueId, keys)
  }
  const doubledKeys = new Set<string>()
  for (const [key, list] of byKey) if (list.length > 1) doubledKeys.add(key)
  for (const keys of byDialogue.values()) if (keys.size > 1) for (const key of keys) doubledKeys.add(key)

  const result: ReconcileResult = {
    confirmed: 0,
    ordersInLedger: ours.length,
    lost: 0,
    doubled: 0,
    charged_unconfirmed: 0,
    mismatched: 0,
    lostDialogues: [],
    doubledDialogues: [],
    chargedUnconfirmedDialogues: [],
  }
  for (const record of records) {
    const ledger = byKey.get(record.idempotencyKey) ?? []
    if (doubledKeys.has(record.idempotencyKey)) {
      result.doubled++
      result.doubledDialogues.push(record.id)
    }
    if (record.outcome === 'completed') {
      result.confirmed++
      if (ledger.length === 0) {
        result.lost++
        result.lostDialogues.push(record.id)
      } else if (!ledger.some((o) => o.id === record.orderId)) {
        result.mismatched++
      }
    } else if (ledger.length > 0) {
      result.charged_unconfirmed++
      result.chargedUnconfirmedDialogues.push(record.id)
    }
  }
  return result
}

/**
 * A keyless run: an order told to a customer and missing is lost; a clerk-side dialogue with two
 * orders is doubled; an order no customer was told about was charged and answered with an error
 * (charged_unconfirmed: counted, its dialogue unknown).
 */
function reconcileByOrderId(records: readonly DialogueRecord[], orders: readonly LedgerOrder[]): ReconcileResult {
  const ids = new Set(orders.map((o) => o.id))
  const told = new Set(records.flatMap((r) => (r.outcome === 'completed' && r.orderId !== undefined ? [r.orderId] : [])))
  const perDialogue = new Map<string, number>()
  for (const o of orders) if (o.dialogueId) perDialogue.set(o.dialogueId, (perDialogue.get(o.dialogueId) ?? 0) + 1)
  const lostDialogues = records.filter((r) => r.outcome === 'completed' && (r.orderId === undefined || !ids.has(r.orderId))).map((r) => r.id)
  return {
    confirmed: records.filter((r) => r.outcome === 'completed').length,
    ordersInLedger: orders.length,
    lost: lostDialogues.length,
    doubled: [...perDialogue.values()].filter((n) => n > 1).length,
    charged_unconfirmed: orders.filter((o) => !told.has(o.id)).length,
    mismatched: 0,
    lostDialogues,
    doubledDialogues: [],
    chargedUnconfirmedDialogues: [],
  }
}
