import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { signContext } from '../../../services/clerk/context-token.js'
import { ADMIN_TOKEN, Customer, getJson, startClerk, TEST_SECRET, type RunningClerk } from './clerk-harness.js'

// The contract's bad-input table, sent over a real socket to a real clerk: each gets its 4xx JSON
// error with a code and a sentence, never a 5xx, and the clerk keeps serving.
let redis: RedisServer
let clerk: RunningClerk

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false })
  clerk = await startClerk('clerk-x', { REDIS_URL: redis.url, ADMIN_TOKEN })
})
afterAll(async () => {
  await clerk?.service.stop()
  await redis?.stop()
})

interface Case {
  name: string
  path: string
  body?: string
  contentType?: string | null
  headers?: Record<string, string>
  /** run ask first (in the path's mode) and send its cookie; stateless: `$CONTEXT` in the body */
  inDialogue?: boolean
  status: number
  error: string
}

const json = (value: unknown) => JSON.stringify(value)
const HOUR = 3_600_000
const expiredToken = signContext({ step: 'ask', dialogueId: 'd-old', productId: 'laptop' }, TEST_SECRET, Date.now() - 2 * HOUR)
const foreignToken = signContext({ step: 'ask', dialogueId: 'd-x', productId: 'laptop' }, 'another-secret-another-secret-0000', Date.now())

const cases: Case[] = [
  { name: 'malformed JSON', path: '/stateful/ask', body: '{"product":', status: 400, error: 'malformed_json' },
  { name: 'a JSON prototype pollution attempt', path: '/stateful/ask', body: '{"__proto__":{"admin":true}}', status: 400, error: 'malformed_json' },
  { name: 'an empty JSON body', path: '/stateful/ask', body: '', status: 400, error: 'invalid_body' },
  { name: 'a text/plain body', path: '/stateful/ask', body: 'laptop', contentType: 'text/plain', status: 415, error: 'unsupported_media_type' },
  { name: 'a form body', path: '/shared/ask', body: 'product=laptop', contentType: 'application/x-www-form-urlencoded', status: 415, error: 'unsupported_media_type' },
  { name: 'a body over 4 KiB', path: '/stateless/ask', body: json({ product: 'x'.repeat(5000) }), status: 400, error: 'body_too_large' },
  { name: 'a JSON array', path: '/stateful/ask', body: '[]', status: 400, error: 'invalid_body' },
  { name: 'an extra field', path: '/stateful/ask', body: json({ product: 'laptop', discount: 90 }), status: 400, error: 'invalid_body' },
  { name: 'an unknown product', path: '/stateful/ask', body: json({ product: 'tablet' }), status: 400, error: 'unknown_product' },
  { name: 'quantity 0', path: '/stateful/buy', inDialogue: true, body: json({ quantity: 0 }), status: 400, error: 'invalid_quantity' },
  { name: 'quantity -1', path: '/shared/buy', inDialogue: true, body: json({ quantity: -1 }), status: 400, error: 'invalid_quantity' },
  { name: 'quantity 1.5', path: '/stateful/buy', inDialogue: true, body: json({ quantity: 1.5 }), status: 400, error: 'invalid_quantity' },
  { name: 'quantity 1e9', path: '/stateful/buy', inDialogue: true, body: '{"quantity":1e9}', status: 400, error: 'invalid_quantity' },
  { name: 'quantity "2"', path: '/stateless/buy', inDialogue: true, body: '{"context":"$CONTEXT","quantity":"2"}', status: 400, error: 'invalid_quantity' },
  { name: 'an unknown payment method', path: '/stateful/pay', inDialogue: true, body: json({ method: 'bitcoin' }), status: 400, error: 'invalid_method' },
  { name: 'pay before buy', path: '/stateful/pay', inDialogue: true, body: json({ method: 'card' }), status: 400, error: 'step_out_of_order' },
  { name: 'stateless pay before buy', path: '/stateless/pay', inDialogue: true, body: '{"context":"$CONTEXT","method":"card"}', status: 400, error: 'step_out_of_order' },
  { name: 'buy with no cookie', path: '/stateful/buy', body: json({ quantity: 2 }), status: 409, error: 'context_lost' },
  { name: 'a forged session cookie', path: '/stateful/buy', headers: { cookie: 'stateful_sid=abc.def' }, body: json({ quantity: 2 }), status: 409, error: 'context_lost' },
  { name: 'a forged shared cookie', path: '/shared/pay', headers: { cookie: 'shared_sid=abc.def' }, body: json({ method: 'card' }), status: 409, error: 'context_lost' },
  { name: 'stateless buy without any context', path: '/stateless/buy', body: json({ quantity: 2 }), status: 409, error: 'context_lost' },
  { name: 'a tampered stateless token', path: '/stateless/buy', body: json({ context: 'v1.eyJ9.abc', quantity: 2 }), status: 401, error: 'context_tampered' },
  { name: 'a token signed with another secret', path: '/stateless/buy', body: json({ context: foreignToken, quantity: 2 }), status: 401, error: 'context_tampered' },
  { name: 'an expired stateless token', path: '/stateless/buy', body: json({ context: expiredToken, quantity: 2 }), status: 401, error: 'context_expired' },
  { name: 'an edited unit price', path: '/stateless/buy', body: json({ product: 'laptop', quantity: 2, unitPrice: 1 }), status: 400, error: 'price_mismatch' },
  { name: 'an edited total', path: '/stateless/pay', body: json({ product: 'laptop', quantity: 2, method: 'card', total: 2 }), status: 400, error: 'price_mismatch' },
  { name: 'a bad Idempotency-Key', path: '/stateless/pay', headers: { 'idempotency-key': 'has spaces in it' }, body: json({ product: 'laptop', quantity: 1, method: 'card' }), status: 400, error: 'invalid_body' },
  { name: 'a GET on a dialogue route', path: '/stateful/ask', body: undefined, contentType: null, status: 404, error: 'not_found' },
  { name: 'an unknown mode', path: '/cloud/ask', body: json({ product: 'laptop' }), status: 404, error: 'not_found' },
]

describe('bad input to a real clerk', () => {
  it.each(cases)('answers $name with $status $error', async (c) => {
    const customer = new Customer()
    let body = c.body
    if (c.inDialogue) {
      const mode = c.path.split('/')[1]
      const asked = await customer.post(`${clerk.url}/${mode}/ask`, { product: 'laptop' })
      expect(asked.status).toBe(200)
      body = body?.replace('$CONTEXT', asked.body.context ?? '')
    }
    const method = c.name.startsWith('a GET') ? 'GET' : 'POST'
    const headers: Record<string, string> = { ...c.headers }
    if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json'
    const res = await customer.send(`${clerk.url}${c.path}`, { method, headers, ...(body !== undefined && { body }) })
    expect(res.status, JSON.stringify(res.body)).toBe(c.status)
    expect(res.headers.get('x-clerk')).toBe('clerk-x')
    expect(res.body).toMatchObject({ error: c.error, statusCode: c.status, clerk: 'clerk-x' })
    expect(res.body.code).toMatch(/^CLERK_ERR_[A-Z_]+$/)
    expect(res.body.message.length).toBeGreaterThan(10)
  })

  it('never made the clerk fail: it is still healthy and counted no 5xx', async () => {
    expect((await getJson(`${clerk.url}/healthz`)).status).toBe(200)
    const metrics = await getJson(`${clerk.url}/metrics`)
    expect(metrics.body).not.toMatch(/status="5\d\d"/)
  })
})
