import { describe, expect, it } from 'vitest'
import { judgeAnswer, newCustomerState, stepRequest } from '../../../../loadtest/run/customer.js'

const json = (status: number, body: unknown, headers: Record<string, string | string[]> = {}) => ({
  status,
  body: JSON.stringify(body),
  headers,
})

describe('what a virtual customer says', () => {
  it('asks for a laptop, buys 2 and pays by card in the session modes', () => {
    const state = newCustomerState()
    expect(stepRequest('stateful', 'ask', state)).toEqual({ path: '/stateful/ask', body: { product: 'laptop' } })
    expect(stepRequest('shared', 'buy', state)).toEqual({ path: '/shared/buy', body: { quantity: 2 } })
    expect(stepRequest('shared', 'pay', state)).toEqual({ path: '/shared/pay', body: { method: 'card' } })
  })

  it('carries the stateless context token of the previous answer', () => {
    const state = { ...newCustomerState(), token: 'tok' }
    expect(stepRequest('stateless', 'buy', state).body).toEqual({ context: 'tok', quantity: 2 })
    expect(stepRequest('stateless', 'pay', state).body).toEqual({ context: 'tok', method: 'card' })
  })

  it('states every field itself in stateless mode without a token (or when asked to)', () => {
    const state = { ...newCustomerState(), token: 'tok' }
    expect(stepRequest('stateless', 'pay', newCustomerState()).body).toEqual({
      product: 'laptop',
      quantity: 2,
      method: 'card',
    })
    expect(stepRequest('stateless', 'buy', state, undefined, 'fields').body).toEqual({ product: 'laptop', quantity: 2 })
  })
})

describe('how a virtual customer judges an answer', () => {
  it('goes on after a 200 to ask or buy, keeping the clerk, cookies and token', () => {
    const verdict = judgeAnswer('ask', json(200, { clerk: 'clerk-a', context: 't1' }, { 'X-Clerk': 'clerk-a', 'Set-Cookie': ['lb_clerk=x'] }))
    expect(verdict).toMatchObject({ end: undefined, clerk: 'clerk-a', token: 't1', setCookie: ['lb_clerk=x'] })
  })

  it('completes on a 200 to pay that names an order', () => {
    const verdict = judgeAnswer('pay', json(200, { order: { id: 'o-7', total: 2000000 } }))
    expect(verdict).toMatchObject({ end: 'completed', orderId: 'o-7', total: 2000000 })
  })

  it('counts a 409 context_lost with reason no_session as its own outcome: no cookie came back', () => {
    const verdict = judgeAnswer('buy', json(409, { error: 'context_lost', reason: 'no_session', clerk: 'clerk-a' }))
    expect(verdict).toMatchObject({ end: 'no_session', reason: 'no_session' })
    expect(judgeAnswer('buy', json(409, { error: 'context_lost', reason: 'session_unknown' })).end).toBe('context_lost')
  })

  it('counts a 409 context_lost as the clerk that forgot', () => {
    const verdict = judgeAnswer('buy', json(409, { error: 'context_lost', clerk: 'clerk-b' }))
    expect(verdict).toMatchObject({ end: 'context_lost', reason: 'context_lost', clerk: 'clerk-b' })
  })

  it('counts 5xx, unexpected 4xx, odd bodies and no answer at all as failed, with the reason', () => {
    expect(judgeAnswer('buy', json(502, { error: 'bad_gateway' }))).toMatchObject({ end: 'failed', reason: 'bad_gateway' })
    expect(judgeAnswer('pay', json(503, { error: 'redis_unavailable' })).reason).toBe('redis_unavailable')
    expect(judgeAnswer('buy', { status: 504, body: 'oops', headers: {} }).reason).toBe('http_504')
    expect(judgeAnswer('buy', json(400, { error: 'invalid_quantity' })).reason).toBe('invalid_quantity')
    expect(judgeAnswer('pay', json(200, { say: 'no order' })).reason).toBe('pay_without_order')
    expect(judgeAnswer('ask', { status: 0, body: '', headers: {} }, 'timeout')).toMatchObject({
      end: 'failed',
      reason: 'timeout',
    })
  })

  it('notices a redispatch by the proxy', () => {
    expect(judgeAnswer('buy', json(409, { error: 'context_lost' }, { 'x-redispatched': '1' })).redispatched).toBe(true)
  })
})
