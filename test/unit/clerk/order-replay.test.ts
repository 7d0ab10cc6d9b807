import { describe, expect, it } from 'vitest'
import type { Charge } from '../../../services/clerk/dialogue.js'
import type { Order } from '../../../services/clerk/ledger.js'
import { chargeOfOrder, replayConflict, sameCharge } from '../../../services/clerk/order-replay.js'

const order: Order = {
  id: 'o-4',
  seq: 4,
  product: 'laptop',
  quantity: 2,
  unitPrice: 1_000_000,
  total: 2_000_000,
  method: 'card',
  mode: 'stateful',
  clerk: 'clerk-a',
  dialogueId: 'd-1',
  idempotencyKey: 'K',
  createdAt: '2026-11-22T03:00:00.000Z',
}
const same: Charge = { dialogueId: 'd-1', productId: 'laptop', quantity: 2, unitPrice: 1_000_000, total: 2_000_000, method: 'card' }

describe('is a pay a replay of the order the ledger found?', () => {
  it.each<[string, Partial<Charge>, boolean]>([
    ['the very same charge', {}, true],
    ["the same charge from another dialogue (the charge only: who asks is replayConflict's)", { dialogueId: 'd-2' }, true],
    ['another product', { productId: 'mouse', unitPrice: 30_000, total: 60_000 }, false],
    ['another quantity', { quantity: 5, total: 5_000_000 }, false],
    ['another unit price', { unitPrice: 999_999 }, false],
    ['another total', { total: 1 }, false],
    ['another method', { method: 'cash' }, false],
  ])('%s → %s', (_name, change, expected) => {
    expect(sameCharge(order, { ...same, ...change })).toBe(expected)
  })
})

describe('the answer to a pay that is not a replay', () => {
  const mouse: Charge = { dialogueId: 'd-2', productId: 'mouse', quantity: 1, unitPrice: 30_000, total: 30_000, method: 'cash' }

  it('is nothing for the same charge of the same dialogue, found either way', () => {
    expect(replayConflict('dialogue', order, same)).toBeUndefined()
    expect(replayConflict('key', order, same)).toBeUndefined()
  })

  it.each<[string, Charge]>([
    ['the same charge', { ...same, dialogueId: 'd-2' }],
    ['another charge', mouse],
  ])("is 422 idempotency_key_reused for another dialogue's key and %s, naming nothing of that order", (_name, charge) => {
    const err = replayConflict('key', order, charge)
    expect(err).toMatchObject({ code: 'CLERK_ERR_IDEMPOTENCY_KEY_REUSED', statusCode: 422 })
    expect(err?.message).toBe('This Idempotency-Key was already used by another payment. Use a new key for a new payment.')
    expect(JSON.stringify(err?.details)).not.toContain('o-4')
  })

  it('is 409 already_paid naming the order, when found by the dialogue id', () => {
    const err = replayConflict('dialogue', order, { ...same, quantity: 5, total: 5_000_000 })
    expect(err).toMatchObject({ code: 'CLERK_ERR_ALREADY_PAID', statusCode: 409 })
    expect(err?.message).toBe('This dialogue was already paid: order o-4, 2 × laptop, 2,000,000 won. Start a new dialogue with ask.')
  })
})

describe('the charge a stored order stands for', () => {
  it('is the order, with the dialogue that paid it', () => {
    expect(chargeOfOrder(order)).toEqual(same)
  })
})
