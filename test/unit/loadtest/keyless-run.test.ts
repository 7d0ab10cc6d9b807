import { describe, expect, it } from 'vitest'
import { reconcile, type LedgerOrder } from '../../../loadtest/analyze/reconcile.js'
import { parseLoadtestArguments } from '../../../loadtest/args/loadtest-arguments.js'
import { record } from './records.js'

// `--keys off`: customers send no Idempotency-Key, as browsers; the ledger is matched by the order
// id each customer was told, over every order after the run's head.
const order = (id: string, dialogueId: string): LedgerOrder => ({ id, seq: 1, idempotencyKey: null, dialogueId })

describe('a keyless load test run', () => {
  it('reads --keys on|off (default on) and refuses anything else', () => {
    expect(parseLoadtestArguments([]).keys).toBe(true)
    expect(parseLoadtestArguments(['--keys', 'off']).keys).toBe(false)
    expect(() => parseLoadtestArguments(['--keys', 'maybe'])).toThrow(/--keys/)
  })

  it('reconciles by order id: lost, doubled and charged_unconfirmed without keys', () => {
    const records = [record({ id: 1, orderId: 'o-1' }), record({ id: 2, orderId: 'o-2' }), record({ id: 3, outcome: 'failed', orderId: undefined })]
    const result = reconcile(records, [order('o-1', 'd-1'), order('o-9', 'd-9'), order('o-10', 'd-9')], undefined)
    expect(result).toMatchObject({ confirmed: 2, ordersInLedger: 3, lost: 1, lostDialogues: [2], doubled: 1, charged_unconfirmed: 2 })
  })

  it('finds nothing wrong when every order was told once', () => {
    const result = reconcile([record({ id: 1, orderId: 'o-1' })], [order('o-1', 'd-1')], undefined)
    expect(result).toMatchObject({ lost: 0, doubled: 0, charged_unconfirmed: 0 })
  })
})
