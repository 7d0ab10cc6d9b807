import { describe, expect, it } from 'vitest'
import { waitFor } from '../../../services/common/wait-for.js'
import { proxiesBeforeOneClerk, type LimitsStatus } from './proxy-process.js'
import { openRaw, rawRequest, type RawConnection } from './raw-http.js'

// Issue 10, finding 5: the proxy limited neither connections nor their time, so a flood of idle
// or slow connections held it without bound. PROXY_CLIENT_CONNECTIONS caps the customer connections
// open at once (idle keep-alive ones and event streams included); a connection over the cap gets
// 503 overloaded with Retry-After and Connection: close to its first request, and one that sends
// nothing is closed. The real proxy process; raw sockets.

const { proxyWith, open } = proxiesBeforeOneClerk()

const GET = 'GET /orders HTTP/1.1\r\nHost: x\r\n\r\n'

/** the proxy's limits, asked on a connection of its own that closes after the answer */
async function limitsOver(port: number): Promise<LimitsStatus> {
  const answer = await rawRequest(port, 'GET /_lb/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  if (answer.status !== 200) throw new Error(`status answered ${answer.status}`)
  return (answer.json as { limits: LimitsStatus }).limits
}

/**
 * How many more connections the proxy admits now: its cap less those open besides the status
 * request's own (the test process's readiness probe may keep one alive).
 */
async function freeSlots(port: number, cap: number): Promise<number> {
  const { open: busy, max } = (await limitsOver(port)).clientConnections
  expect(max).toBe(cap)
  expect(busy).toBeLessThan(cap)
  return cap - (busy - 1)
}

/** `n` connections that each send one GET; resolves when each has its answer's status line */
async function connectionsAsking(port: number, n: number): Promise<number[]> {
  const conns: RawConnection[] = []
  // every connection is open (and accepted, in order) before any asks
  for (let i = 0; i < n; i++) conns.push(await openRaw(port))
  open.push(...conns)
  for (const c of conns) c.write(GET)
  await waitFor(() => conns.every((c) => c.status() !== undefined), { what: `${n} answers` })
  return conns.map((c) => c.status()!)
}

describe('PROXY_CLIENT_CONNECTIONS', () => {
  it('answers connections over the cap 503 with Retry-After, and takes new ones once others close', async () => {
    const proxy = await proxyWith({ PROXY_CLIENT_CONNECTIONS: '5' })
    const free = await freeSlots(proxy.port, 5)
    const statuses = await connectionsAsking(proxy.port, free + 3)
    expect(statuses).toEqual([...Array(free).fill(200), 503, 503, 503])
    const refused = open[free]!
    await refused.closed // Connection: close
    const answer = refused.answer()
    expect(answer.headers['retry-after']).toBe('1')
    expect(answer.headers.connection).toBe('close')
    expect(answer.json).toMatchObject({ error: 'overloaded', code: 'PROXY_ERR_OVERLOADED', statusCode: 503 })
    expect(String(answer.json?.message)).toMatch(/PROXY_CLIENT_CONNECTIONS/)

    // the five kept-alive customers leave: a new customer is served again
    for (const c of open.splice(0)) c.destroy()
    await waitFor(async () => (await rawRequest(proxy.port, 'GET /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status === 200, { what: 'a new connection served' })
  })

  it('closes a connection over the cap that sends nothing', async () => {
    const proxy = await proxyWith({ PROXY_CLIENT_CONNECTIONS: '3' })
    const free = await freeSlots(proxy.port, 3)
    for (let i = 0; i < free; i++) open.push(await openRaw(proxy.port))
    const silent = await openRaw(proxy.port)
    open.push(silent)
    await silent.closed
    expect(silent.received()).toBe('')
  })

  it('shares the cap among PROXY_WORKERS: never more admitted than PROXY_CLIENT_CONNECTIONS in all', async () => {
    const proxy = await proxyWith({ PROXY_CLIENT_CONNECTIONS: '4', PROXY_WORKERS: '2' })
    const statuses = await connectionsAsking(proxy.port, 12)
    const admitted = statuses.filter((s) => s === 200).length
    expect(admitted).toBeGreaterThan(0)
    expect(admitted).toBeLessThanOrEqual(4)
    expect(statuses.filter((s) => s === 503).length).toBe(12 - admitted)
  })
})
