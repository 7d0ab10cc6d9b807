import { describe, expect, it } from 'vitest'
import { ask, buy, NO_DIALOGUE, paid, pay, readDialogueState, type DialogueState } from '../../../services/clerk/dialogue.js'

const asked = (productId = 'laptop'): DialogueState => ({ step: 'ask', dialogueId: 'd-1', productId })
const bought = (quantity = 2): DialogueState => ({ step: 'buy', dialogueId: 'd-1', productId: 'laptop', quantity })
const settled: DialogueState = {
  step: 'pay',
  dialogueId: 'd-1',
  productId: 'laptop',
  quantity: 2,
  method: 'card',
}

describe('the seed dialogue', () => {
  it('asks the price of a laptop: "1,000,000 won."', () => {
    const result = ask(NO_DIALOGUE, { product: 'laptop' }, 'd-1')
    expect(result).toMatchObject({
      ok: true,
      reply: {
        step: 'ask',
        say: '1,000,000 won.',
        sayKo: '100만원 입니다.',
        product: { id: 'laptop', name: 'laptop', unitPrice: 1_000_000 },
        next: ['buy'],
      },
      state: { step: 'ask', dialogueId: 'd-1', productId: 'laptop' },
    })
  })

  it('buys 2: "2,000,000 won. Credit card or cash?"', () => {
    const result = buy(asked(), { quantity: 2 })
    expect(result).toMatchObject({
      ok: true,
      reply: { step: 'buy', say: '2,000,000 won. Credit card or cash?', quantity: 2, total: 2_000_000, next: ['pay'] },
      state: { step: 'buy', quantity: 2 },
    })
    expect(result.ok && result.reply.sayKo).toBe('200만원 입니다. 신용카드, 현금 중에 어떤 걸로 구매하시겠어요?')
  })

  it('pays by card: a charge of 2,000,000 won, then "Payment of 2,000,000 won completed."', () => {
    const charge = pay(bought(), { method: 'card' })
    expect(charge).toEqual({
      ok: true,
      charge: { dialogueId: 'd-1', productId: 'laptop', quantity: 2, unitPrice: 1_000_000, total: 2_000_000, method: 'card' },
    })
    if (!charge.ok) return
    const done = paid(charge.charge)
    expect(done.reply).toMatchObject({ step: 'pay', say: 'Payment of 2,000,000 won completed.', next: ['ask'] })
    expect(done.reply.sayKo).toBe('200만원 결제 완료되었습니다.')
    expect(done.state).toEqual(settled)
  })

  it('prices other products from the catalog, so the dialogue is not a constant', () => {
    const mice = buy(asked('mouse'), { quantity: 3 })
    expect(mice.ok && mice.reply.say).toBe('90,000 won. Credit card or cash?')
    expect(mice.ok && mice.reply.sayKo).toBe('9만원 입니다. 신용카드, 현금 중에 어떤 걸로 구매하시겠어요?')
    const monitor = ask(NO_DIALOGUE, { product: 'Monitor ' }, 'd-2')
    expect(monitor.ok && monitor.reply.say).toBe('300,000 won.')
  })
})

describe('the state machine', () => {
  it('lets ask start over from any state', () => {
    for (const state of [NO_DIALOGUE, asked(), bought(), settled]) {
      const result = ask(state, { product: 'keyboard' }, 'd-new')
      expect(result.ok && result.state).toEqual({ step: 'ask', dialogueId: 'd-new', productId: 'keyboard' })
    }
  })

  it('lets buy be repeated before pay to change the quantity', () => {
    const again = buy(bought(2), { quantity: 5 })
    expect(again.ok && again.state).toMatchObject({ step: 'buy', quantity: 5, dialogueId: 'd-1' })
  })

  it('answers buy without a dialogue like the seed clerk B: context_lost, "2 of what?"', () => {
    const result = buy(NO_DIALOGUE, { quantity: 2 })
    expect(result).toEqual({
      ok: false,
      failure: {
        code: 'CLERK_ERR_CONTEXT_LOST',
        message: 'This clerk has no record of your dialogue.',
        say: '2 of what? What would you like to buy?',
        sayKo: '무엇을 2개 구매하시겠어요?',
      },
    })
  })

  it('answers pay without a dialogue with context_lost too', () => {
    const result = pay(NO_DIALOGUE, { method: 'cash' })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.failure).toMatchObject({
      code: 'CLERK_ERR_CONTEXT_LOST',
      say: 'Pay by cash for what? What would you like to buy?',
    })
  })

  it('refuses pay before buy, saying buy is expected', () => {
    const result = pay(asked(), { method: 'card' })
    expect(!result.ok && result.failure).toMatchObject({ code: 'CLERK_ERR_STEP_OUT_OF_ORDER', expected: ['buy'] })
  })

  it('refuses buy after a finished payment, saying ask is expected', () => {
    const result = buy(settled, { quantity: 1 })
    expect(!result.ok && result.failure).toMatchObject({ code: 'CLERK_ERR_STEP_OUT_OF_ORDER', expected: ['ask'] })
  })

  it('asks, for a paid dialogue paid again, for the charge as named now (the ledger replays it or says already_paid)', () => {
    const result = pay(settled, { method: 'cash' })
    expect(result.ok && result.charge).toEqual({
      dialogueId: 'd-1',
      productId: 'laptop',
      quantity: 2,
      unitPrice: 1_000_000,
      total: 2_000_000,
      method: 'cash',
    })
  })
})

describe('reading what the customer said', () => {
  const cases: Array<[string, () => { ok: boolean; failure?: { code: string } }, string]> = [
    ['a body that is not an object', () => ask(NO_DIALOGUE, [1], 'd'), 'CLERK_ERR_INVALID_BODY'],
    ['a null body', () => buy(asked(), null), 'CLERK_ERR_INVALID_BODY'],
    ['a string body', () => pay(bought(), 'card'), 'CLERK_ERR_INVALID_BODY'],
    ['a missing product', () => ask(NO_DIALOGUE, {}, 'd'), 'CLERK_ERR_INVALID_BODY'],
    ['an extra field', () => ask(NO_DIALOGUE, { product: 'laptop', discount: 50 }, 'd'), 'CLERK_ERR_INVALID_BODY'],
    ['a product that is a number', () => ask(NO_DIALOGUE, { product: 7 }, 'd'), 'CLERK_ERR_INVALID_BODY'],
    ['an unknown product', () => ask(NO_DIALOGUE, { product: 'tablet' }, 'd'), 'CLERK_ERR_UNKNOWN_PRODUCT'],
    ['quantity 0', () => buy(asked(), { quantity: 0 }), 'CLERK_ERR_INVALID_QUANTITY'],
    ['quantity -1', () => buy(asked(), { quantity: -1 }), 'CLERK_ERR_INVALID_QUANTITY'],
    ['quantity 1.5', () => buy(asked(), { quantity: 1.5 }), 'CLERK_ERR_INVALID_QUANTITY'],
    ['quantity 1e9', () => buy(asked(), { quantity: 1e9 }), 'CLERK_ERR_INVALID_QUANTITY'],
    ['quantity 101', () => buy(asked(), { quantity: 101 }), 'CLERK_ERR_INVALID_QUANTITY'],
    ['quantity "2"', () => buy(asked(), { quantity: '2' }), 'CLERK_ERR_INVALID_QUANTITY'],
    ['a missing quantity', () => buy(asked(), {}), 'CLERK_ERR_INVALID_BODY'],
    ['an unknown payment method', () => pay(bought(), { method: 'bitcoin' }), 'CLERK_ERR_INVALID_METHOD'],
    ['a method that is not a string', () => pay(bought(), { method: 1 }), 'CLERK_ERR_INVALID_METHOD'],
    ["a unit price that is not the catalog's", () => ask(NO_DIALOGUE, { product: 'laptop', unitPrice: 1 }, 'd'), 'CLERK_ERR_PRICE_MISMATCH'],
    ['an edited total at buy', () => buy(asked(), { quantity: 2, total: 1000 }), 'CLERK_ERR_PRICE_MISMATCH'],
    ['an edited total at pay', () => pay(bought(), { method: 'card', total: 1 }), 'CLERK_ERR_PRICE_MISMATCH'],
    ['a total stated as a string', () => pay(bought(), { method: 'card', total: '2000000' }), 'CLERK_ERR_PRICE_MISMATCH'],
  ]

  it.each(cases)('refuses %s', (_name, run, code) => {
    const result = run()
    expect(result.ok).toBe(false)
    expect(result.failure?.code).toBe(code)
  })

  it("accepts a stated price when it is exactly the catalog's", () => {
    expect(buy(asked(), { quantity: 2, unitPrice: 1_000_000, total: 2_000_000 }).ok).toBe(true)
  })

  it('checks the body before the state, so a bad quantity is a 400 even without a dialogue', () => {
    const result = buy(NO_DIALOGUE, { quantity: 0 })
    expect(!result.ok && result.failure.code).toBe('CLERK_ERR_INVALID_QUANTITY')
  })

  it('quotes long or odd customer values briefly in its sentences', () => {
    const result = ask(NO_DIALOGUE, { product: 'x'.repeat(500) }, 'd')
    expect(!result.ok && result.failure.message.length).toBeLessThan(120)
  })
})

describe('reading back a state a carrier kept (token, memory, Redis)', () => {
  const good = { step: 'buy', dialogueId: 'd-1', productId: 'laptop', quantity: 2 }
  const rejected: Array<[string, unknown]> = [
    ['not an object', 'buy'],
    ['an array', [good]],
    ['an unknown step', { ...good, step: 'refund' }],
    ['no step', { dialogueId: 'd-1', productId: 'laptop', quantity: 2 }],
    ['an empty dialogue id', { ...good, dialogueId: '' }],
    ['a dialogue id with spaces', { ...good, dialogueId: 'd 1' }],
    ['a dialogue id of 201 characters', { ...good, dialogueId: 'd'.repeat(201) }],
    ['a product we do not sell', { ...good, productId: 'tablet' }],
    ['a product spelled as a customer might', { ...good, productId: 'Laptop' }],
    ['a prototype key as product', { ...good, productId: '__proto__' }],
    ['quantity -5', { ...good, quantity: -5 }],
    ['quantity 0', { ...good, quantity: 0 }],
    ['quantity 100000', { ...good, quantity: 100_000 }],
    ['quantity 1.5', { ...good, quantity: 1.5 }],
    ['quantity "2"', { ...good, quantity: '2' }],
    ['a paid state without a method', { ...good, step: 'pay' }],
    ['a paid state paid in bitcoin', { ...good, step: 'pay', method: 'bitcoin' }],
  ]

  it.each(rejected)('refuses %s', (_name, value) => {
    expect(readDialogueState(value)).toBeUndefined()
  })

  it.each<[string, unknown, DialogueState]>([
    ['no dialogue', { step: 'none' }, NO_DIALOGUE],
    ['an asked dialogue', { step: 'ask', dialogueId: 'd-1', productId: 'mouse' }, { step: 'ask', dialogueId: 'd-1', productId: 'mouse' }],
    ['a bought dialogue, dropping unknown fields', { ...good, total: 1, iat: 5 }, bought(2)],
    ['a paid dialogue', settled, settled],
  ])('accepts %s', (_name, value, expected) => {
    expect(readDialogueState(value)).toEqual(expected)
  })

  it('never lets buy or pay use a state that fails it, however it got there', () => {
    for (const quantity of [-5, 0, 100_000, 1.5]) {
      const forged = { step: 'buy', dialogueId: 'd-1', productId: 'laptop', quantity } as DialogueState
      expect(pay(forged, { method: 'card' })).toMatchObject({ ok: false, failure: { code: 'CLERK_ERR_CONTEXT_LOST' } })
    }
    const gone = { step: 'ask', dialogueId: 'd-1', productId: 'tablet' } as DialogueState
    expect(buy(gone, { quantity: 1 })).toMatchObject({ ok: false, failure: { code: 'CLERK_ERR_CONTEXT_LOST' } })
  })
})
