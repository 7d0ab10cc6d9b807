import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goodFake, httpFake, type Fake } from './fake-upstreams.js'
import { startProxyProcess, type ProxyProcess } from './proxy-process.js'
import { openRaw, rawRequest, type RawAnswer } from './raw-http.js'

// Issue 10, finding 5: a request body sent at 1 byte/s was still open after 200 s (node's default
// request deadline is 300 s, checked every 30 s). PROXY_REQUEST_TIMEOUT_MS (default 30 s; 2 s here)
// bounds the whole request, headers and body, from its first byte (or from the connection's
// opening, for one that sends nothing): past it the customer gets 408 request_timeout and the
// connection is closed. The real proxy process; raw sockets to send slowly.

const DEADLINE_MS = 2_000
const FAILURE_BOUND_MS = DEADLINE_MS + 10_000 // a test failure, never a wait

let clerk: Fake
let proxy: ProxyProcess

beforeAll(async () => {
  clerk = await goodFake('clerk-a')
  proxy = await startProxyProcess({ 'clerk-a': clerk.url }, { PROXY_REQUEST_TIMEOUT_MS: String(DEADLINE_MS) })
})
afterAll(async () => {
  await proxy?.service.stop()
  await clerk?.close()
})

function expectTimedOut(answer: RawAnswer): void {
  expect(answer.status).toBe(408)
  expect(answer.headers.connection).toBe('close')
  expect(answer.json).toMatchObject({ error: 'request_timeout', code: 'PROXY_ERR_REQUEST_TIMEOUT', statusCode: 408 })
  expect(String(answer.json?.message)).toMatch(/within 2 s \(PROXY_REQUEST_TIMEOUT_MS\)/)
}

/**
 * Opens a connection, writes `first`, then `drip()` every `everyMs` until the proxy closes the
 * connection (or FAILURE_BOUND_MS passes: then the test fails). Resolves with the answer and how
 * long the connection lived.
 */
async function sendSlowly(first: string, drip: () => string, everyMs: number): Promise<{ answer: RawAnswer; livedMs: number }> {
  const conn = await openRaw(proxy.port)
  const startedAt = Date.now()
  conn.write(first)
  const timer = setInterval(() => conn.write(drip()), everyMs)
  const bound = setTimeout(() => conn.destroy(), FAILURE_BOUND_MS)
  await conn.closed
  clearInterval(timer)
  clearTimeout(bound)
  const livedMs = Date.now() - startedAt
  expect(livedMs, 'the proxy closed the connection before the failure bound').toBeLessThan(FAILURE_BOUND_MS)
  return { answer: conn.answer(), livedMs }
}

describe('PROXY_REQUEST_TIMEOUT_MS', () => {
  it('cuts a body sent at 1 byte/s at the deadline with 408, and the clerk never sees it', async () => {
    const seen = clerk.seen.length
    const head = 'POST /stateless/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n'
    const { answer, livedMs } = await sendSlowly(head, () => '{', 1_000)
    expectTimedOut(answer)
    expect(livedMs).toBeGreaterThanOrEqual(DEADLINE_MS)
    expect(clerk.seen.length).toBe(seen)
  })

  it('cuts headers that never end (one more header line every 500 ms)', async () => {
    let n = 0
    const { answer, livedMs } = await sendSlowly('GET /orders HTTP/1.1\r\nHost: x\r\n', () => `X-Slow-${n++}: v\r\n`, 500)
    expectTimedOut(answer)
    expect(livedMs).toBeGreaterThanOrEqual(DEADLINE_MS)
  })

  it('closes a connection that sends nothing at all', async () => {
    const conn = await openRaw(proxy.port)
    const bound = setTimeout(() => conn.destroy(), FAILURE_BOUND_MS)
    await conn.closed
    clearTimeout(bound)
    expectTimedOut(conn.answer())
  })

  it('answers a request that arrives in time as before', async () => {
    const answer = await rawRequest(proxy.port, 'GET /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(answer.status).toBe(200)
  })

  it('does not cut a request that arrived in time while its clerk takes longer than the deadline', async () => {
    const slow = await httpFake('slow', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-clerk': 'slow' })
        res.end('{"clerk":"slow"}')
      }, DEADLINE_MS + 1_000)
    })
    const slowProxy = await startProxyProcess({ slow: slow.url }, { PROXY_REQUEST_TIMEOUT_MS: String(DEADLINE_MS), PROXY_UPSTREAM_TIMEOUT_MS: String(DEADLINE_MS * 3) })
    try {
      const body = '{"product":"laptop"}'
      const answer = await rawRequest(
        slowProxy.port,
        `POST /stateless/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        { timeoutMs: FAILURE_BOUND_MS },
      )
      expect(answer.status).toBe(200)
      expect(answer.json).toMatchObject({ clerk: 'slow' })
    } finally {
      await slowProxy.service.stop()
      await slow.close()
    }
  })
})
