import { describe, expect, it } from 'vitest'
import { waitFor } from '../../../services/common/wait-for.js'
import { proxiesBeforeOneClerk, proxyLimits } from './proxy-process.js'
import { openRaw, type RawConnection } from './raw-http.js'

// Issue 10, finding 8: GET /_lb/events took any number of subscribers, each a connection and a
// listener the proxy writes every event to. PROXY_EVENT_SUBSCRIBERS caps the open streams; one more gets
// 503 overloaded with Retry-After. The stream stays open without a token (it shows what the open
// GET /_lb/status shows; docs/security.md says why). The real proxy process; raw sockets.

const { proxyWith, open } = proxiesBeforeOneClerk()

/** opens an event stream without a token; resolves once its answer's status line is in */
async function subscribe(port: number): Promise<RawConnection> {
  const c = await openRaw(port)
  open.push(c)
  c.write('GET /_lb/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n')
  await waitFor(() => c.status() !== undefined && (c.status() !== 200 || c.received().includes('event: hello')), { what: 'the stream to answer' })
  return c
}

describe('PROXY_EVENT_SUBSCRIBERS', () => {
  it('serves streams up to the cap without a token, refuses one more with 503 + Retry-After, and takes a new one when one closes', async () => {
    const proxy = await proxyWith({ PROXY_EVENT_SUBSCRIBERS: '2', ADMIN_TOKEN: 'a-token-nobody-sends' })
    const first = await subscribe(proxy.port)
    const second = await subscribe(proxy.port)
    expect([first.status(), second.status()]).toEqual([200, 200])

    const third = await subscribe(proxy.port)
    expect(third.status()).toBe(503)
    await waitFor(() => third.received().includes('}'), { what: 'the whole refusal' })
    expect(third.received()).toMatch(/\r\nretry-after: 1\r\n/i)
    expect(third.received()).toMatch(/"error":"overloaded","code":"PROXY_ERR_OVERLOADED","statusCode":503,"message":"[^"]*PROXY_EVENT_SUBSCRIBERS/)
    expect((await proxyLimits(proxy.base)).eventSubscribers).toEqual({ open: 2, max: 2 })

    first.destroy()
    await waitFor(async () => (await subscribe(proxy.port)).status() === 200, { what: 'a new stream once one closed' })
  })

  it('keeps a stream open past PROXY_REQUEST_TIMEOUT_MS: the deadline is for arriving requests, not for answers', async () => {
    const proxy = await proxyWith({ PROXY_REQUEST_TIMEOUT_MS: '500' })
    const stream = await subscribe(proxy.port)
    // a stats event every second: three of them is a stream alive well past the 500 ms deadline
    await waitFor(() => (stream.received().match(/event: stats/g) ?? []).length >= 3, { what: 'three stats events' })
    expect(stream.isClosed()).toBe(false)
  })

  it('shares the cap among PROXY_WORKERS: never more streams than PROXY_EVENT_SUBSCRIBERS in all', async () => {
    const proxy = await proxyWith({ PROXY_EVENT_SUBSCRIBERS: '2', PROXY_WORKERS: '2' })
    const streams = []
    for (let i = 0; i < 6; i++) streams.push(await subscribe(proxy.port))
    const served = streams.filter((s) => s.status() === 200).length
    expect(served).toBeGreaterThan(0)
    expect(served).toBeLessThanOrEqual(2)
    expect(streams.filter((s) => s.status() === 503).length).toBe(6 - served)
  })
})
