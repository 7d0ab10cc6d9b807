import { describe, expect, it } from 'vitest'
import { reconcile, type LedgerOrder } from '../../../../loadtest/analyze/reconcile.js'
import { record } from '../records.js'

const order = (id: number, key: string | null, fields: Partial<LedgerOrder> = {}): LedgerOrder => ({
  id: `o-${id}`,
  seq: id,
  idempotencyKey: key,
  ...fields,
})

describe('reconciling what customers were told with the ledger', () => {
  it('finds nothing wrong when every confirmed order is in the ledger once', () => {
    const records = [record({ id: 1 }), record({ id: 2 })]
    const result = reconcile(records, [order(1, 'run-1'), order(2, 'run-2')], 'run')
    expect(result).toMatchObject({ confirmed: 2, ordersInLedger: 2, lost: 0, doubled: 0, charged_unconfirmed: 0, mismatched: 0 })
  })

  it('counts a confirmed order that is not in the ledger as lost', () => {
    const result = reconcile([record({ id: 1 }), record({ id: 2 })], [order(1, 'run-1')], 'run')
    expect(result.lost).toBe(1)
    expect(result.lostDialogues).toEqual([2])
  })

  it('counts a dialogue with two orders under its key as doubled', () => {
    const result = reconcile([record({ id: 1 })], [order(1, 'run-1'), order(2, 'run-1')], 'run')
    expect(result.doubled).toBe(1)
    expect(result.doubledDialogues).toEqual([1])
  })

  it('counts one clerk-side dialogue charged under two keys as doubled too', () => {
    const records = [record({ id: 1 }), record({ id: 2 })]
    const orders = [order(1, 'run-1', { dialogueId: 'd-9' }), order(2, 'run-2', { dialogueId: 'd-9' })]
    expect(reconcile(records, orders, 'run').doubled).toBe(2)
  })

  it('counts an order charged for a customer who saw a failure as charged_unconfirmed', () => {
    const failed = record({ id: 1, outcome: 'failed', step: 'pay', status: 502, orderId: undefined })
    const lost = record({ id: 2, outcome: 'context_lost', step: 'pay', status: 409, orderId: undefined })
    const result = reconcile([failed, lost], [order(1, 'run-1')], 'run')
    expect(result.charged_unconfirmed).toBe(1)
    expect(result.chargedUnconfirmedDialogues).toEqual([1])
    expect(result.lost).toBe(0)
  })

  it('notices a ledger order with another id than the one the customer was told', () => {
    const result = reconcile([record({ id: 1, orderId: 'o-77' })], [order(1, 'run-1')], 'run')
    expect(result.mismatched).toBe(1)
  })

  it("ignores other runs' orders and orders without a key", () => {
    const result = reconcile([record({ id: 1 })], [order(1, 'run-1'), order(2, 'other-1'), order(3, null), order(4, 'runner-1')], 'run')
    expect(result.ordersInLedger).toBe(1)
    expect(result).toMatchObject({ lost: 0, doubled: 0, charged_unconfirmed: 0 })
  })
})
