import { describe, expect, it } from 'vitest'
import { ACCESSORIES, MAX_CART_LINES } from '../../../services/clerk/catalog.js'
import { MAX_TOKEN_LENGTH, signContext, verifyContext } from '../../../services/clerk/context-token.js'
import { buy, paid, pay, readDialogueState, type DialogueState } from '../../../services/clerk/dialogue.js'

// A cart: buy names more products beside the one asked about; the state carries them to pay.
const asked: DialogueState = { step: 'ask', dialogueId: 'd-1', productId: 'laptop' }
const lines = (n: number) => ACCESSORIES.slice(0, n).map((p) => ({ product: p.id, quantity: 1 }))

describe('a cart', () => {
  it('prices every line: 2 laptops + acc-01 + 2 × acc-02 = 2,000,000 + 10,000 + 22,000', () => {
    const result = buy(asked, {
      quantity: 2,
      items: [
        { product: 'acc-01', quantity: 1 },
        { product: 'acc-02', quantity: 2 },
      ],
    })
    expect(result).toMatchObject({
      ok: true,
      reply: {
        say: '2,032,000 won. Credit card or cash?',
        total: 2_032_000,
        items: [
          { id: 'acc-01', unitPrice: 10_000, quantity: 1 },
          { id: 'acc-02', unitPrice: 11_000, quantity: 2 },
        ],
      },
      state: {
        step: 'buy',
        items: [
          { productId: 'acc-01', quantity: 1 },
          { productId: 'acc-02', quantity: 2 },
        ],
      },
    })
    if (!result.ok) return
    const charge = pay(result.state, { method: 'card' })
    expect(charge).toMatchObject({ ok: true, charge: { total: 2_032_000, items: [{ productId: 'acc-01' }, { productId: 'acc-02' }] } })
    if (charge.ok) expect(paid(charge.charge).reply.say).toBe('Payment of 2,032,000 won completed.')
  })

  it('without items is the classic dialogue, with no items key anywhere', () => {
    const result = buy(asked, { quantity: 2 })
    expect(result.ok && 'items' in result.reply).toBe(false)
    expect(result.ok && 'items' in result.state).toBe(false)
    expect(buy(asked, { quantity: 2, items: [] })).toEqual(result)
  })

  it(`holds at most ${MAX_CART_LINES} products; more, or a bad line, is the customer's error`, () => {
    expect(buy(asked, { quantity: 1, items: lines(MAX_CART_LINES - 1) }).ok).toBe(true)
    const tooMany = buy(asked, { quantity: 1, items: [...lines(MAX_CART_LINES - 1), { product: 'mouse', quantity: 1 }] })
    expect(tooMany).toMatchObject({ ok: false, failure: { code: 'CLERK_ERR_INVALID_BODY', field: 'items' } })
    expect(buy(asked, { quantity: 1, items: 'acc-01' })).toMatchObject({ ok: false, failure: { field: 'items' } })
    expect(buy(asked, { quantity: 1, items: [{ product: 'acc-01', quantity: 1, unitPrice: 1 }] })).toMatchObject({ ok: false, failure: { field: 'items' } })
    expect(buy(asked, { quantity: 1, items: [{ product: 'yacht', quantity: 1 }] })).toMatchObject({ ok: false, failure: { code: 'CLERK_ERR_UNKNOWN_PRODUCT' } })
    expect(buy(asked, { quantity: 1, items: [{ product: 'acc-01', quantity: 0 }] })).toMatchObject({ ok: false, failure: { code: 'CLERK_ERR_INVALID_QUANTITY' } })
  })

  it('a carried cart is read back as strictly as a customer says one: a forged line makes the state unusable', () => {
    const state = { step: 'buy', dialogueId: 'd-1', productId: 'laptop', quantity: 1 }
    expect(readDialogueState({ ...state, items: [{ productId: 'acc-01', quantity: 3 }] })).toEqual({ ...state, items: [{ productId: 'acc-01', quantity: 3 }] })
    expect(readDialogueState({ ...state, items: [] })).toEqual(state)
    expect(readDialogueState({ ...state, items: [{ productId: 'acc-01', quantity: -5 }] })).toBeUndefined()
    expect(readDialogueState({ ...state, items: [{ productId: 'yacht', quantity: 1 }] })).toBeUndefined()
    expect(readDialogueState({ ...state, items: Array(MAX_CART_LINES).fill({ productId: 'acc-01', quantity: 1 }) })).toBeUndefined()
    expect(readDialogueState({ ...state, items: 'all' })).toBeUndefined()
  })
})

describe('a full cart in a stateless token', () => {
  it('signs into a token the clerk accepts, and fits a 4 KiB pay body', () => {
    const full: DialogueState = {
      step: 'buy',
      dialogueId: '0b7f3c52-0d4c-4f6e-9b1a-2d3e4f5a6b7c',
      productId: 'laptop',
      quantity: 100,
      items: ACCESSORIES.map((p) => ({ productId: p.id, quantity: 100 })),
    }
    const token = signContext(full, 'a-secret-of-enough-length-for-tests', 1_000)
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH)
    expect(JSON.stringify({ context: token, method: 'card' }).length).toBeLessThan(4096)
    expect(verifyContext(token, 'a-secret-of-enough-length-for-tests', 1_000, 60_000)).toMatchObject({ ok: true, state: full })
  })
})
