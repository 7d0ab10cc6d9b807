import { describe, expect, it } from 'vitest'
import { outcomeOf } from '../../../../proxy/state/outcomes.js'

const lost = Buffer.from('{"error":"context_lost","message":"2 of what?","reason":"session_unknown"}')

describe('what a final answer means for the dialogue (the proxy counts it per mode)', () => {
  it('reads context_lost from the clerk’s 409 body, and only from it', () => {
    expect(outcomeOf('stateful', '/stateful/buy', 409, lost)).toBe('context_lost')
    expect(outcomeOf('stateful', '/stateful/pay', 409, Buffer.from('{"error":"already_paid"}'))).toBeUndefined()
    expect(outcomeOf('stateful', '/stateful/buy', 409, Buffer.from('not json'))).toBeUndefined()
    expect(outcomeOf('stateful', '/stateful/buy', 400, lost)).toBeUndefined()
  })

  it('counts a paid pay as completed, any 5xx as failed, and nothing on /orders', () => {
    expect(outcomeOf('shared', '/shared/pay', 200)).toBe('completed')
    expect(outcomeOf('shared', '/shared/pay?retry=1', 200)).toBe('completed')
    expect(outcomeOf('shared', '/shared/ask', 200)).toBeUndefined()
    expect(outcomeOf('stateless', '/stateless/buy', 503)).toBe('failed')
    expect(outcomeOf('orders', '/orders/o-1', 500)).toBeUndefined()
  })
})
