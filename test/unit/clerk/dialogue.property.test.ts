import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ask, buy, pay, type DialogueState } from '../../../services/clerk/dialogue.js'
import { errors } from '../../../services/clerk/errors.js'

// Values a customer might send for a field: right ones, near misses and nonsense.
const fieldValue = fc.oneof(
  fc.constantFrom('laptop', 'mouse', 'tablet', 'card', 'cash', 'bitcoin', '', '2', '__proto__'),
  fc.integer({ min: -5, max: 150 }),
  fc.constantFrom(0, 1.5, 1e9, -0, Number.MAX_SAFE_INTEGER, 1_000_000, 2_000_000),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue(),
)
const body = fc.oneof(
  fc.anything(),
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom('product', 'quantity', 'method', 'unitPrice', 'total', 'context', 'extra', 'constructor'), fieldValue),
)
const state: fc.Arbitrary<DialogueState> = fc.oneof(
  fc.constant({ step: 'none' } as const),
  fc.record({ step: fc.constant('ask' as const), dialogueId: fc.string(), productId: fc.constantFrom('laptop', 'gone') }),
  fc.record({
    step: fc.constant('buy' as const),
    dialogueId: fc.string(),
    productId: fc.constantFrom('laptop', 'mouse', 'gone'),
    quantity: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({
    step: fc.constant('pay' as const),
    dialogueId: fc.string(),
    productId: fc.constantFrom('laptop', 'gone'),
    quantity: fc.integer({ min: 1, max: 100 }),
    method: fc.constantFrom('card' as const, 'cash' as const),
  }),
)

function statusOf(code: keyof typeof errors): number {
  return new errors[code]().statusCode ?? 500
}

describe('the dialogue, given any body in any state', () => {
  it('never throws, and every refusal is a 4xx of the registry with a sentence', () => {
    fc.assert(
      fc.property(state, body, fc.constantFrom('ask', 'buy', 'pay'), (s, b, step) => {
        const result = step === 'ask' ? ask(s, b, 'd-new') : step === 'buy' ? buy(s, b) : pay(s, b)
        if (!result.ok) {
          expect(statusOf(result.failure.code)).toBeGreaterThanOrEqual(400)
          expect(statusOf(result.failure.code)).toBeLessThan(500)
          expect(result.failure.message.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('never charges anything but the catalog price times an allowed quantity', () => {
    fc.assert(
      fc.property(state, body, (s, b) => {
        const result = pay(s, b)
        if (result.ok) {
          const { unitPrice, quantity, total } = result.charge
          expect([1_000_000, 300_000, 80_000, 30_000]).toContain(unitPrice)
          expect(Number.isInteger(quantity) && quantity >= 1 && quantity <= 100).toBe(true)
          expect(total).toBe(unitPrice * quantity)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
