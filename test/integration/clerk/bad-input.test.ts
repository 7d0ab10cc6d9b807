import { Redis } from 'ioredis'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { signContext } from '../../../services/clerk/context-token.js'
import { ADMIN_TOKEN, adminGet, Customer, getJson, startClerk, TEST_SECRET, type RunningClerk } from './clerk-harness.js'

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
  { name: 'a JSON prototype pollution attempt', path: '/stateful/ask', body: '{"__proto__":{"admin":true}}', status: 400, error: 'invalid_body' },
  { name: 'a JSON constructor pollution attempt', path: '/stateless/ask', body: '{"product":"laptop","x":{"constructor":{"prototype":{}}}}', status: 400, error: 'invalid_body' },
  { name: 'an empty JSON body', path: '/stateful/ask', body: '', status: 400, error: 'invalid_body' },
  { name: 'a text/plain body', path: '/stateful/ask', body: 'laptop', contentType: 'text/plain', status: 415, error: 'unsupported_media_type' },
  { name: 'a form body', path: '/shared/ask', body: 'product=laptop', contentType: 'application/x-www-form-urlencoded', status: 415, error: 'unsupported_media_type' },
  // a JSON body is UTF-8; another charset would be misread as UTF-8 (issue 10, item 9)
  ...['utf-16', 'UTF-16LE', 'latin1', 'us-ascii'].map((charset): Case => ({
    name: `a JSON body declared as charset=${charset}`,
    path: '/stateful/ask',
    body: json({ product: 'laptop' }),
    contentType: `application/json; charset=${charset}`,
    status: 415,
    error: 'unsupported_media_type',
  })),
  {
    name: 'a JSON body declared as charset="UTF-8"',
    path: '/shared/ask',
    body: json({ product: 'nope' }),
    contentType: 'application/json; charset="UTF-8"',
    status: 400,
    error: 'unknown_product',
  },
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
  // junk a lenient base64url decoder skipped: every edit of a token is an edit (issue 10, item 7)
  ...['!!', '=', '~', ' ', '%20', '.x'].map((junk): Case => ({
    name: `a real token with ${JSON.stringify(junk)} appended`,
    path: '/stateless/buy',
    inDialogue: true,
    body: `{"context":"$CONTEXT${junk}","quantity":2}`,
    status: 401,
    error: 'context_tampered',
  })),
  { name: 'a token signed with another secret', path: '/stateless/buy', body: json({ context: foreignToken, quantity: 2 }), status: 401, error: 'context_tampered' },
  { name: 'an expired stateless token', path: '/stateless/buy', body: json({ context: expiredToken, quantity: 2 }), status: 401, error: 'context_expired' },
  { name: 'an edited unit price', path: '/stateless/buy', body: json({ product: 'laptop', quantity: 2, unitPrice: 1 }), status: 400, error: 'price_mismatch' },
  { name: 'an edited total', path: '/stateless/pay', body: json({ product: 'laptop', quantity: 2, method: 'card', total: 2 }), status: 400, error: 'price_mismatch' },
  {
    name: 'a bad Idempotency-Key',
    path: '/stateless/pay',
    headers: { 'idempotency-key': 'has spaces in it' },
    body: json({ product: 'laptop', quantity: 1, method: 'card' }),
    status: 400,
    error: 'invalid_body',
  },
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

  it('names the forbidden key of a valid JSON body instead of calling it invalid JSON', async () => {
    const res = await new Customer().send(`${clerk.url}/stateful/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"product":"laptop","__proto__":{}}',
    })
    expect(res.body).toMatchObject({ error: 'invalid_body', field: '__proto__' })
    expect(res.body.message).toContain('"__proto__"')
  })

  it('never made the clerk fail: it is still healthy and counted no 5xx', async () => {
    expect((await getJson(`${clerk.url}/healthz`)).status).toBe(200)
    const metrics = await getJson(`${clerk.url}/metrics`)
    expect(metrics.body).not.toMatch(/status="5\d\d"/)
  })
})

// States no clerk would write, signed with the clerk's real secret (as anyone can with the public
// dev secret) or planted in the shared session store: checked like customer input, never charged.
describe('a forged dialogue state', () => {
  const now = Date.now()
  const forged = (name: string, fields: Record<string, unknown>) => ({
    name,
    dialogueId: `forged-${name.replace(/\W+/g, '-')}-${now}`,
    fields,
  })

  it.each([
    forged('quantity -5', { step: 'buy', productId: 'laptop', quantity: -5 }),
    forged('quantity 100000', { step: 'buy', productId: 'laptop', quantity: 100_000 }),
    forged('quantity 2.5', { step: 'buy', productId: 'mouse', quantity: 2.5 }),
    forged('a product we do not sell', { step: 'buy', productId: 'tablet', quantity: 1 }),
  ])('in a stateless token signed with the secret ($name) is refused as tampered, and nothing is charged', async (c) => {
    const token = signContext({ ...c.fields, dialogueId: c.dialogueId } as never, TEST_SECRET, Date.now())
    const res = await new Customer().post(`${clerk.url}/stateless/pay`, { context: token, method: 'card' })
    expect(res.status, JSON.stringify(res.body)).toBe(401)
    expect(res.body).toMatchObject({ error: 'context_tampered', code: 'CLERK_ERR_CONTEXT_TAMPERED' })
    expect(await ordersOf(c.dialogueId)).toEqual([])
  })

  it('in the shared session store (quantity 100000) is no dialogue: 409 context_lost, and nothing is charged', async () => {
    const customer = new Customer()
    expect((await customer.post(`${clerk.url}/shared/ask`, { product: 'laptop' })).status).toBe(200)
    expect((await customer.post(`${clerk.url}/shared/buy`, { quantity: 2 })).status).toBe(200)
    const sessionId = decodeURIComponent(customer.cookies.get('shared_sid') ?? '').split('.')[0]
    const direct = new Redis(redis.url, { maxRetriesPerRequest: 0 })
    let dialogueId: string
    try {
      const key = `clerk:sess:${sessionId}`
      const session = JSON.parse((await direct.get(key)) ?? 'null') as { dialogue: { dialogueId: string; quantity: number } }
      dialogueId = session.dialogue.dialogueId
      session.dialogue.quantity = 100_000
      await direct.set(key, JSON.stringify(session), 'KEEPTTL')
    } finally {
      direct.disconnect()
    }
    const res = await customer.post(`${clerk.url}/shared/pay`, { method: 'card' })
    expect(res.status, JSON.stringify(res.body)).toBe(409)
    expect(res.body).toMatchObject({ error: 'context_lost', reason: 'session_unknown' })
    expect(await ordersOf(dialogueId)).toEqual([])
  })
})

async function ordersOf(dialogueId: string): Promise<unknown[]> {
  const res = await adminGet(`${clerk.url}/orders?limit=1000`)
  expect(res.status).toBe(200)
  return res.body.orders.filter((o: { dialogueId: string }) => o.dialogueId === dialogueId)
}

/** writes `raw` on a fresh connection and reads until the clerk closes it (deadline 10 s) */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const deadline = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the clerk did not close the connection; got ${JSON.stringify(received.slice(0, 300))}`))
    }, 10_000)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', () => {}) // a reset after the answer: what we read still counts
    socket.on('close', () => {
      clearTimeout(deadline)
      resolve(received)
    })
    socket.write(raw)
  })
}

describe("requests Node's HTTP parser refuses", () => {
  it.each([
    ['a garbage request line', 'GARBAGE\r\n\r\n', 400, 'bad_request'],
    [
      'both Transfer-Encoding and Content-Length',
      'POST /stateless/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
      400,
      'bad_request',
    ],
    ['a 20 KB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
  ])('answer %s with %i %s in the contract shape, with X-Clerk, and close', async (_name, raw, status, error) => {
    const answer = await exchange(clerk.port, raw)
    const split = answer.indexOf('\r\n\r\n')
    const head = answer.slice(0, split)
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `))
    expect(head).toMatch(/\r\nx-clerk: clerk-x(\r\n|$)/i)
    expect(head).toMatch(/\r\nconnection: close(\r\n|$)/i)
    expect(head).toMatch(/\r\ncontent-type: application\/json/i)
    const body = JSON.parse(answer.slice(split + 4))
    expect(body).toMatchObject({ error, statusCode: status, clerk: 'clerk-x' })
    expect(body.code).toMatch(/^CLERK_ERR_[A-Z_]+$/)
    expect(body.message.length).toBeGreaterThan(10)
    expect((await getJson(`${clerk.url}/healthz`)).status).toBe(200)
  })
})
