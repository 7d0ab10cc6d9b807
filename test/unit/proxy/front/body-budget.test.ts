import { describe, expect, it } from 'vitest'
import { BodyBudget } from '../../../../proxy/front/request-body.js'

describe('the request-body budget (PROXY_REQUEST_BUFFER_BYTES)', () => {
  it('holds what fits, refuses what does not without holding any of it, and frees what is released', () => {
    const budget = new BodyBudget(100)
    expect(budget.take(60)).toBe(true)
    expect(budget.fits(40)).toBe(true)
    expect(budget.take(41)).toBe(false)
    expect(budget.heldBytes).toBe(60)
    expect(budget.take(40)).toBe(true)
    expect(budget.fits(1)).toBe(false)
    budget.release(60)
    expect(budget.heldBytes).toBe(40)
    expect(budget.take(60)).toBe(true)
  })
})
